//! Relay descriptors: signing and verifying round-trip, and every forged,
//! tampered, expired, malformed or hostile descriptor is refused with the
//! error that names why.

use core::time::Duration;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use ed25519_dalek::SigningKey;
use onion_core::directory::{
    Descriptor, ExitPolicy, ExitRequest, MAX_DESCRIPTOR_LEN, MAX_LIFETIME, MAX_PORT_RANGES,
    PortRange, RelayFlags, Traffic, TrafficSet, UnixTime, VerifiedDescriptor,
};
use onion_core::{DescriptorError, DescriptorList, OnionKey, RelayId};
use proptest::prelude::*;

const PUBLISHED: UnixTime = UnixTime::from_secs(1_800_000_000);
const DAY: Duration = Duration::from_secs(86_400);
/// The `now` at which the hostile corpus is checked (see testdata/README.md).
const CORPUS_NOW: UnixTime = UnixTime::from_secs(1_800_003_600);

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn id(key: &SigningKey) -> RelayId {
    RelayId::from_bytes(key.verifying_key().to_bytes())
}

fn tracker_policy() -> ExitPolicy {
    ExitPolicy::accept(
        TrafficSet::EMPTY.with(Traffic::Tracker),
        [PortRange::new(80, 80), PortRange::new(443, 443)]
            .into_iter()
            .flatten(),
    )
    .expect("two ranges fit")
}

/// A descriptor using every field.
fn full_descriptor() -> Descriptor {
    let mut d = Descriptor::new(OnionKey::from_bytes([9; 32]), PUBLISHED, DAY);
    d.flags = RelayFlags::GUARD | RelayFlags::EXIT | RelayFlags::DIRECTORY;
    d.exit_policy = tracker_policy();
    d.addresses = BTreeSet::from([
        IpAddr::V4(Ipv4Addr::new(127, 1, 2, 3)),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ]);
    d.family = BTreeSet::from([id(&key(2)), id(&key(3))]);
    d
}

fn signed_full() -> Vec<u8> {
    full_descriptor().sign(&key(1)).expect("valid descriptor")
}

/// Offsets of fields in a version-1 encoding.
const IDENTITY_AT: usize = 1;
const ONION_KEY_AT: usize = 33;

#[test]
fn a_signed_descriptor_verifies_to_what_was_signed() {
    let bytes = signed_full();
    let verified = VerifiedDescriptor::verify(&bytes, PUBLISHED).expect("verifies");
    assert_eq!(verified.identity(), &id(&key(1)));
    assert_eq!(verified.descriptor(), &full_descriptor());
    assert_eq!(verified.as_bytes(), &bytes[..]);
    assert!(bytes.len() <= MAX_DESCRIPTOR_LEN);
}

#[test]
fn debug_output_shows_no_address() {
    let verified = VerifiedDescriptor::verify(&signed_full(), PUBLISHED).expect("verifies");
    let shown = format!("{verified:?}");
    assert!(
        !shown.contains("127.1.2.3") && !shown.contains("::1"),
        "{shown}"
    );
}

#[test]
fn a_descriptor_signed_by_another_key_is_rejected_as_forged() {
    let mut forged = full_descriptor().sign(&key(7)).expect("valid descriptor");
    forged[IDENTITY_AT..IDENTITY_AT + 32].copy_from_slice(id(&key(1)).as_bytes());
    assert_eq!(
        VerifiedDescriptor::verify(&forged, PUBLISHED),
        Err(DescriptorError::BadSignature)
    );
}

#[test]
fn a_flipped_signature_bit_is_rejected() {
    let mut bytes = signed_full();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    assert_eq!(
        VerifiedDescriptor::verify(&bytes, PUBLISHED),
        Err(DescriptorError::BadSignature)
    );
}

#[test]
fn a_swapped_onion_key_is_rejected() {
    let mut bytes = signed_full();
    bytes[ONION_KEY_AT..ONION_KEY_AT + 32].copy_from_slice(&[0x42; 32]);
    assert_eq!(
        VerifiedDescriptor::verify(&bytes, PUBLISHED),
        Err(DescriptorError::BadSignature)
    );
}

#[test]
fn a_swapped_identity_is_rejected() {
    let mut bytes = signed_full();
    bytes[IDENTITY_AT..IDENTITY_AT + 32].copy_from_slice(id(&key(5)).as_bytes());
    assert_eq!(
        VerifiedDescriptor::verify(&bytes, PUBLISHED),
        Err(DescriptorError::BadSignature)
    );
}

#[test]
fn validity_runs_from_published_up_to_but_not_including_expiry() {
    let bytes = signed_full();
    let expires = PUBLISHED.saturating_add(DAY);
    let one_second_before = UnixTime::from_secs(PUBLISHED.as_secs() - 1);
    assert_eq!(
        VerifiedDescriptor::verify(&bytes, one_second_before),
        Err(DescriptorError::NotYetValid {
            published: PUBLISHED,
            now: one_second_before
        })
    );
    let last_valid = UnixTime::from_secs(expires.as_secs() - 1);
    assert!(VerifiedDescriptor::verify(&bytes, last_valid).is_ok());
    assert_eq!(
        VerifiedDescriptor::verify(&bytes, expires),
        Err(DescriptorError::Expired {
            expires,
            now: expires
        })
    );
}

#[test]
fn every_truncation_is_rejected() {
    let bytes = signed_full();
    for len in 0..bytes.len() {
        assert!(
            VerifiedDescriptor::verify(&bytes[..len], PUBLISHED).is_err(),
            "accepted the first {len} bytes"
        );
    }
}

#[test]
fn input_past_the_largest_descriptor_is_rejected_unread() {
    let bytes = vec![1; MAX_DESCRIPTOR_LEN + 1];
    assert_eq!(
        VerifiedDescriptor::verify(&bytes, PUBLISHED),
        Err(DescriptorError::Oversized {
            len: MAX_DESCRIPTOR_LEN + 1
        })
    );
}

#[test]
fn a_descriptor_with_every_list_full_is_exactly_the_largest() {
    let mut d = full_descriptor();
    d.addresses = (1..=4u16)
        .map(|i| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i)))
        .collect();
    d.family = (10..42).map(|seed| id(&key(seed))).collect();
    let ports = (0..MAX_PORT_RANGES as u16).filter_map(|i| PortRange::new(10 * i + 1, 10 * i + 1));
    d.exit_policy = ExitPolicy::accept(TrafficSet::ALL, ports).expect("16 ranges fit");
    let bytes = d.sign(&key(1)).expect("every list at its bound is valid");
    assert_eq!(bytes.len(), MAX_DESCRIPTOR_LEN);
    assert_eq!(MAX_DESCRIPTOR_LEN, 1306, "PROTOCOL.md states this length");
    assert!(VerifiedDescriptor::verify(&bytes, PUBLISHED).is_ok());
}

#[test]
fn signing_refuses_a_descriptor_that_breaks_a_rule() {
    let mut own_family = full_descriptor();
    own_family.family.insert(id(&key(1)));
    assert_eq!(
        own_family.sign(&key(1)),
        Err(DescriptorError::FamilyContainsSelf)
    );

    let mut exit_without_policy = full_descriptor();
    exit_without_policy.exit_policy = ExitPolicy::reject_all();
    assert_eq!(
        exit_without_policy.sign(&key(1)),
        Err(DescriptorError::ExitFlagMismatch { exit_flag: true })
    );

    let mut too_long = full_descriptor();
    too_long.expires = PUBLISHED.saturating_add(MAX_LIFETIME + Duration::from_secs(1));
    assert!(matches!(
        too_long.sign(&key(1)),
        Err(DescriptorError::InvalidLifetime { .. })
    ));

    let mut too_many = full_descriptor();
    too_many.addresses = (1..=5)
        .map(|i| IpAddr::V4(Ipv4Addr::new(127, 0, 0, i)))
        .collect();
    assert_eq!(
        too_many.sign(&key(1)),
        Err(DescriptorError::ListTooLong {
            list: DescriptorList::Addresses,
            len: 5,
            max: 4
        })
    );
}

#[test]
fn exit_policies_merge_ranges_and_bound_their_length() {
    let ranges = [(100, 200), (150, 300), (301, 400), (500, 500)]
        .map(|(low, high)| PortRange::new(low, high).expect("valid range"));
    let policy = ExitPolicy::accept(TrafficSet::ALL, ranges).expect("fits");
    let merged: Vec<_> = policy.ports().iter().map(|r| (r.low(), r.high())).collect();
    assert_eq!(merged, [(100, 400), (500, 500)]);
    let request = |port| ExitRequest {
        traffic: Traffic::Other,
        port,
    };
    assert!(policy.allows(request(400)) && !policy.allows(request(401)));

    let scattered = (0..=MAX_PORT_RANGES as u16).map(|i| PortRange::new(10 * i + 1, 10 * i + 1));
    let error = ExitPolicy::accept(TrafficSet::ALL, scattered.flatten());
    assert!(matches!(error, Err(DescriptorError::ListTooLong { .. })));
    assert!(PortRange::new(0, 5).is_none() && PortRange::new(9, 8).is_none());
}

fn any_address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| IpAddr::V4(o.into())),
        any::<[u8; 16]>().prop_map(|o| IpAddr::V6(o.into())),
    ]
}

fn any_policy() -> impl Strategy<Value = ExitPolicy> {
    (0u8..8, prop::collection::vec((1u16.., any::<u16>()), 0..12)).prop_map(|(bits, pairs)| {
        let traffic = TrafficSet::from_bits(bits).expect("three defined bits");
        let ranges = pairs
            .into_iter()
            .filter_map(|(a, b)| PortRange::new(a.min(b.max(1)), a.max(b)));
        ExitPolicy::accept(traffic, ranges).expect("at most 12 ranges")
    })
}

prop_compose! {
    fn any_descriptor()(
        onion in any::<[u8; 32]>(),
        flags in 0u8..32,
        policy in any_policy(),
        addresses in prop::collection::btree_set(any_address(), 0..=4),
        family in prop::collection::btree_set(any::<[u8; 32]>().prop_map(RelayId::from_bytes), 0..=32),
        published in 0u64..u64::MAX / 2,
        lifetime in 1..=MAX_LIFETIME.as_secs(),
    ) -> Descriptor {
        let mut d = Descriptor::new(OnionKey::from_bytes(onion), UnixTime::from_secs(published), Duration::from_secs(lifetime));
        d.flags = RelayFlags::from_bits(flags & !RelayFlags::EXIT.bits()).expect("defined bits");
        if policy.allows_any() {
            d.flags |= RelayFlags::EXIT;
        }
        d.exit_policy = policy;
        d.addresses = addresses;
        d.family = family;
        d
    }
}

proptest! {
    #[test]
    fn any_valid_descriptor_round_trips(d in any_descriptor(), seed in any::<[u8; 32]>()) {
        let key = SigningKey::from_bytes(&seed);
        let bytes = d.sign(&key).expect("valid by construction");
        prop_assert!(bytes.len() <= MAX_DESCRIPTOR_LEN);
        let verified = VerifiedDescriptor::verify(&bytes, d.published).expect("verifies");
        prop_assert_eq!(verified.descriptor(), &d);
        prop_assert_eq!(verified.identity(), &id(&key));
    }

    #[test]
    fn any_flipped_bit_is_rejected(d in any_descriptor(), bit in any::<prop::sample::Index>()) {
        let mut bytes = d.sign(&key(1)).expect("valid by construction");
        let bit = bit.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(VerifiedDescriptor::verify(&bytes, d.published).is_err());
    }
}

/// The hostile corpus: (file stem, bytes).
fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/descriptor");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let stem = path
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (stem, std::fs::read(&path).expect("readable test file"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_hostile_descriptor_is_rejected_with_the_named_error() {
    use DescriptorError as E;
    let files = corpus();
    assert!(
        files.len() >= 20,
        "only {} hostile descriptors",
        files.len()
    );
    for (name, bytes) in files {
        let error = VerifiedDescriptor::verify(&bytes, CORPUS_NOW).expect_err(&name);
        let list = |name: &str| match name {
            n if n.starts_with("addresses") => DescriptorList::Addresses,
            n if n.starts_with("ports") => DescriptorList::PortRanges,
            _ => DescriptorList::Family,
        };
        let expected = match name.as_str() {
            "oversized" => matches!(error, E::Oversized { .. }),
            n if n.starts_with("truncated") => matches!(error, E::Truncated(_)),
            "trailing-bytes" => matches!(error, E::TrailingBytes { .. }),
            "version-0" | "version-2" => matches!(error, E::UnsupportedVersion { .. }),
            "unknown-flags" => matches!(error, E::UnknownFlags { .. }),
            "unknown-traffic" => matches!(error, E::UnknownTraffic { .. }),
            "unknown-address-tag" => matches!(error, E::UnknownAddressTag { .. }),
            n if n.starts_with("port-range") => matches!(error, E::InvalidPortRange { .. }),
            n if n.starts_with("lifetime") => matches!(error, E::InvalidLifetime { .. }),
            n if n.ends_with("too-long") => {
                matches!(error, E::ListTooLong { list: l, .. } if l == list(n))
            }
            n if n.ends_with("unsorted") || n.ends_with("duplicate") || n.ends_with("unmerged") => {
                matches!(error, E::ListNotCanonical { list: l } if l == list(n))
            }
            n if n.starts_with("half-empty") => matches!(error, E::HalfEmptyExitPolicy),
            n if n.starts_with("exit-flag") => matches!(error, E::ExitFlagMismatch { .. }),
            "family-contains-self" => matches!(error, E::FamilyContainsSelf),
            "identity-not-a-point" => matches!(error, E::InvalidIdentityKey),
            "forged" | "onion-key-swapped" | "identity-swapped" | "signature-flipped" => {
                matches!(error, E::BadSignature)
            }
            "not-yet-valid" => matches!(error, E::NotYetValid { .. }),
            "expired" => matches!(error, E::Expired { .. }),
            other => panic!("testdata/descriptor/{other}.bin has no expected error here"),
        };
        assert!(expected, "{name}: unexpected {error:?}");
    }
}
