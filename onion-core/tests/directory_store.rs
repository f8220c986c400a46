//! The directory keeps the latest verified descriptor of each relay and
//! finds relays by identity and by flag.

use core::time::Duration;

use ed25519_dalek::SigningKey;
use onion_core::directory::{
    Descriptor, Directory, Insertion, RelayFlags, UnixTime, VerifiedDescriptor,
};
use onion_core::{OnionKey, RelayId};

const DAY: Duration = Duration::from_secs(86_400);
const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// Relay `seed`'s descriptor with `flags`, published `ago` seconds before
/// [`NOW`] with a one-day lifetime, verified at `NOW`.
fn relay(seed: u8, flags: RelayFlags, ago: u64) -> VerifiedDescriptor {
    let published = UnixTime::from_secs(NOW.as_secs() - ago);
    let mut descriptor = Descriptor::new(OnionKey::from_bytes([seed; 32]), published, DAY);
    descriptor.flags = flags;
    let bytes = descriptor
        .sign(&SigningKey::from_bytes(&[seed; 32]))
        .expect("valid descriptor");
    VerifiedDescriptor::verify(&bytes, NOW).expect("valid at NOW")
}

fn id(seed: u8) -> RelayId {
    RelayId::from_bytes(
        SigningKey::from_bytes(&[seed; 32])
            .verifying_key()
            .to_bytes(),
    )
}

#[test]
fn a_newer_descriptor_replaces_an_older_one_and_not_the_reverse() {
    let mut directory = Directory::new();
    assert_eq!(
        directory.insert(relay(1, RelayFlags::GUARD, 600)),
        Insertion::Added
    );
    assert_eq!(
        directory.insert(relay(1, RelayFlags::DIRECTORY, 60)),
        Insertion::Replaced
    );
    assert_eq!(
        directory.insert(relay(1, RelayFlags::GUARD, 300)),
        Insertion::Stale
    );
    assert_eq!(
        directory.insert(relay(1, RelayFlags::GUARD, 60)),
        Insertion::Stale,
        "a second descriptor published at the same time does not replace the first"
    );
    assert_eq!(directory.len(), 1);
    let held = directory.get(&id(1)).expect("relay 1 is held");
    assert_eq!(held.descriptor().flags, RelayFlags::DIRECTORY);
}

#[test]
fn lookups_by_identity_and_by_flag() {
    let directory: Directory = [
        relay(1, RelayFlags::GUARD, 0),
        relay(2, RelayFlags::GUARD | RelayFlags::DIRECTORY, 0),
        relay(3, RelayFlags::RENDEZVOUS, 0),
    ]
    .into_iter()
    .collect();
    let ids =
        |flags| -> Vec<RelayId> { directory.with_flags(flags).map(|r| *r.identity()).collect() };
    let mut guards = vec![id(1), id(2)];
    guards.sort();
    assert_eq!(ids(RelayFlags::GUARD), guards);
    assert_eq!(ids(RelayFlags::GUARD | RelayFlags::DIRECTORY), [id(2)]);
    assert_eq!(ids(RelayFlags::RENDEZVOUS), [id(3)]);
    assert!(ids(RelayFlags::INTRODUCTION).is_empty());
    assert!(directory.get(&id(3)).is_some() && directory.get(&id(4)).is_none());
}

#[test]
fn expired_descriptors_are_removed() {
    let mut directory: Directory = [
        relay(1, RelayFlags::GUARD, 0),
        relay(2, RelayFlags::GUARD, 3_600),
    ]
    .into_iter()
    .collect();
    let relay_2_expires = UnixTime::from_secs(NOW.as_secs() - 3_600).saturating_add(DAY);
    assert_eq!(directory.remove_expired(relay_2_expires), 1);
    assert!(directory.get(&id(2)).is_none() && directory.get(&id(1)).is_some());
    assert!(!directory.is_empty());
}
