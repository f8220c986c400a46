//! Path selection over random directories: a relay never appears twice,
//! no two hops share a family or a network, the last hop fits the request,
//! and guards stay pinned for their period and are re-picked after it or
//! when they leave the directory. Relatedness is checked here by an oracle
//! written independently of the crate's own rule.

use core::time::Duration;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use ed25519_dalek::SigningKey;
use onion_core::directory::{
    Descriptor, Directory, ExitPolicy, ExitRequest, GuardSet, LastHop, MAX_LIFETIME, PathRequest,
    PortRange, RelayFlags, Traffic, TrafficSet, UnixTime, VerifiedDescriptor,
};
use onion_core::{OnionKey, PathError, RelayId};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);
const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);

/// How one relay of a generated directory is made.
#[derive(Clone, Debug)]
struct Spec {
    guard: bool,
    /// 0: no exit, 1: tracker traffic to 80, 443 and 6969 only, 2: anything.
    exit: u8,
    /// The second octet of its one address, 127.N.x.y; `None`: no address.
    network: Option<u8>,
    /// Relays of one group name each other as family.
    family_group: Option<u8>,
    /// A relay it names as family without being named back.
    one_sided_claim: Option<usize>,
    rendezvous: bool,
}

fn any_spec() -> impl Strategy<Value = Spec> {
    (
        any::<bool>(),
        0u8..3,
        prop::option::weighted(0.8, 0u8..8),
        prop::option::weighted(0.5, 0u8..6),
        prop::option::weighted(0.2, 0usize..40),
        any::<bool>(),
    )
        .prop_map(
            |(guard, exit, network, family_group, one_sided_claim, rendezvous)| Spec {
                guard,
                exit,
                network,
                family_group,
                one_sided_claim,
                rendezvous,
            },
        )
}

fn key(index: usize) -> SigningKey {
    let mut seed = [0xa5; 32];
    seed[..8].copy_from_slice(&(index as u64).to_be_bytes());
    SigningKey::from_bytes(&seed)
}

fn id(index: usize) -> RelayId {
    RelayId::from_bytes(key(index).verifying_key().to_bytes())
}

fn tracker_ports() -> impl Iterator<Item = PortRange> {
    [80, 443, 6969]
        .into_iter()
        .filter_map(|p| PortRange::new(p, p))
}

/// Signs and verifies one descriptor per spec, valid from `NOW` for the
/// longest lifetime allowed.
fn relays(specs: &[Spec]) -> Vec<VerifiedDescriptor> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let mut d = Descriptor::new(OnionKey::from_bytes([i as u8; 32]), NOW, MAX_LIFETIME);
            if spec.guard {
                d.flags |= RelayFlags::GUARD;
            }
            if spec.rendezvous {
                d.flags |= RelayFlags::RENDEZVOUS;
            }
            let policy = match spec.exit {
                1 => ExitPolicy::accept(TrafficSet::EMPTY.with(Traffic::Tracker), tracker_ports()),
                2 => ExitPolicy::accept(TrafficSet::ALL, [PortRange::ALL]),
                _ => Ok(ExitPolicy::reject_all()),
            };
            d.exit_policy = policy.expect("small policy");
            if d.exit_policy.allows_any() {
                d.flags |= RelayFlags::EXIT;
            }
            if let Some(n) = spec.network {
                d.addresses
                    .insert(IpAddr::V4(Ipv4Addr::new(127, n, i as u8, 1)));
            }
            for (j, other) in specs.iter().enumerate() {
                let same_group =
                    spec.family_group.is_some() && spec.family_group == other.family_group;
                if j != i && (same_group || spec.one_sided_claim == Some(j)) {
                    d.family.insert(id(j));
                }
            }
            let bytes = d.sign(&key(i)).expect("valid descriptor");
            VerifiedDescriptor::verify(&bytes, NOW).expect("valid at NOW")
        })
        .collect()
}

/// The oracle: may `a` and `b` not share a path?
fn related(a: &VerifiedDescriptor, b: &VerifiedDescriptor) -> bool {
    let slash16 = |d: &VerifiedDescriptor| -> BTreeSet<[u8; 2]> {
        d.descriptor()
            .addresses
            .iter()
            .filter_map(|address| match address {
                IpAddr::V4(v4) => Some([v4.octets()[0], v4.octets()[1]]),
                IpAddr::V6(_) => None,
            })
            .collect()
    };
    let names = |x: &VerifiedDescriptor, y: &VerifiedDescriptor| {
        x.descriptor().family.contains(y.identity())
    };
    a.identity() == b.identity()
        || !slash16(a).is_disjoint(&slash16(b))
        || (names(a, b) && names(b, a))
}

fn fits(last_hop: &LastHop, relay: &VerifiedDescriptor) -> bool {
    let d = relay.descriptor();
    match last_hop {
        LastHop::Exit(request) => {
            d.flags.contains(RelayFlags::EXIT) && d.exit_policy.allows(*request)
        }
        LastHop::Flagged(flags) => d.flags.contains(*flags),
        LastHop::Relay(id) => relay.identity() == id,
    }
}

fn any_last_hop() -> impl Strategy<Value = LastHop> {
    prop_oneof![
        (
            prop::sample::select(vec![Traffic::Tracker, Traffic::PeerWire, Traffic::Other]),
            prop::sample::select(vec![80u16, 6969, 22])
        )
            .prop_map(|(traffic, port)| LastHop::Exit(ExitRequest { traffic, port })),
        Just(LastHop::Flagged(RelayFlags::RENDEZVOUS)),
        (0usize..40).prop_map(|i| LastHop::Relay(id(i))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn selected_paths_hold_every_rule(
        specs in prop::collection::vec(any_spec(), 2..40),
        last_hop in any_last_hop(),
        hops in 2usize..=5,
        seed in any::<u64>(),
    ) {
        let all = relays(&specs);
        let directory: Directory = all.iter().cloned().collect();
        let mut guards = GuardSet::default();
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let request = PathRequest { hops, last_hop };
        for _ in 0..4 {
            match directory.select_path(&mut guards, &request, NOW, &mut rng) {
                Ok(path) => {
                    let hops_seen = path.hops();
                    prop_assert_eq!(hops_seen.len(), hops);
                    for (i, a) in hops_seen.iter().enumerate() {
                        for b in &hops_seen[i + 1..] {
                            prop_assert!(!related(a, b), "related hops {:?} and {:?}", a, b);
                        }
                    }
                    prop_assert!(fits(&last_hop, hops_seen[hops - 1]));
                    let guard = hops_seen[0];
                    prop_assert!(guard.descriptor().flags.contains(RelayFlags::GUARD));
                    prop_assert!(guards.pinned().iter().any(|g| &g.relay == guard.identity()));
                }
                Err(PathError::NoLastHop) => {
                    prop_assert!(!all.iter().any(|r| fits(&last_hop, r)));
                }
                Err(PathError::NoGuard) => {
                    prop_assert!(!specs.iter().any(|s| s.guard));
                }
                Err(PathError::NoLastHopBesideGuards) => {
                    for pinned in guards.pinned() {
                        let guard = directory.get(&pinned.relay).expect("pinned guards are held");
                        prop_assert!(all.iter().filter(|r| fits(&last_hop, r)).all(|r| related(guard, r)));
                    }
                }
                Err(PathError::NoMiddles { needed, found }) => {
                    prop_assert!(found < needed && needed == hops - 2);
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}

/// Twelve guards on distinct networks, twelve exits, twelve middles.
fn roomy_directory() -> Directory {
    let specs: Vec<Spec> = (0..36)
        .map(|i| Spec {
            guard: i < 12,
            exit: if (12..24).contains(&i) { 2 } else { 0 },
            network: Some(i as u8),
            family_group: None,
            one_sided_claim: None,
            rendezvous: false,
        })
        .collect();
    relays(&specs).into_iter().collect()
}

fn announce() -> PathRequest {
    PathRequest::new(LastHop::Exit(ExitRequest {
        traffic: Traffic::Tracker,
        port: 6969,
    }))
}

fn at(offset: Duration) -> UnixTime {
    NOW.saturating_add(offset)
}

#[test]
fn the_guard_stays_pinned_for_the_period_and_is_repicked_after() {
    let directory = roomy_directory();
    let period = 2 * DAY;
    let mut guards = GuardSet::new(period, 1);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let first = directory
        .select_path(&mut guards, &announce(), NOW, &mut rng)
        .expect("roomy directory");
    let guard = *first.hops()[0].identity();
    let pinned = guards.pinned().to_vec();
    for hour in 1..48 {
        let path = directory
            .select_path(&mut guards, &announce(), at(hour * HOUR), &mut rng)
            .expect("roomy directory");
        assert_eq!(
            path.hops()[0].identity(),
            &guard,
            "guard changed at hour {hour}"
        );
        assert_eq!(guards.pinned(), pinned);
    }
    directory
        .select_path(&mut guards, &announce(), at(period), &mut rng)
        .expect("roomy directory");
    assert_eq!(guards.pinned().len(), 1);
    assert_eq!(
        guards.pinned()[0].pinned_at,
        at(period),
        "not re-picked after the period"
    );
}

#[test]
fn a_restored_guard_set_keeps_its_guards_until_their_period_ends() {
    let directory = roomy_directory();
    let period = 2 * DAY;
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut before_restart = GuardSet::new(period, 2);
    directory
        .select_path(&mut before_restart, &announce(), NOW, &mut rng)
        .expect("roomy directory");
    let saved = before_restart.pinned().to_vec();

    let mut after_restart = GuardSet::restore(period, 2, saved.clone());
    let path = directory
        .select_path(&mut after_restart, &announce(), at(DAY), &mut rng)
        .expect("roomy directory");
    assert_eq!(after_restart.pinned(), saved);
    assert_eq!(path.hops()[0].identity(), &saved[0].relay);

    let smaller = GuardSet::restore(period, 1, saved.clone());
    assert_eq!(smaller.pinned(), &saved[..1]);
}

#[test]
fn repicked_guards_are_fresh_draws() {
    // Descriptors last a week; within it, 24 six-hour periods each re-pick
    // one of 12 guards. All 24 landing on one guard has odds of 12^-23.
    let directory = roomy_directory();
    let period = 6 * HOUR;
    let mut guards = GuardSet::new(period, 1);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let chosen: BTreeSet<RelayId> = (0..24u32)
        .map(|k| {
            directory
                .select_path(&mut guards, &announce(), at(period * k), &mut rng)
                .expect("roomy directory");
            guards.pinned()[0].relay
        })
        .collect();
    assert!(chosen.len() > 1, "the guard never changed across periods");
}

#[test]
fn a_guard_that_leaves_the_directory_is_replaced_at_once() {
    let full = roomy_directory();
    let mut guards = GuardSet::new(30 * DAY, 3);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    full.select_path(&mut guards, &announce(), NOW, &mut rng)
        .expect("roomy directory");
    let before = guards.pinned().to_vec();
    let gone = before[0].relay;
    let remaining: Directory = full
        .iter()
        .filter(|r| r.identity() != &gone)
        .cloned()
        .collect();

    let later = at(HOUR);
    let path = remaining
        .select_path(&mut guards, &announce(), later, &mut rng)
        .expect("roomy directory");
    let after = guards.pinned();
    assert_eq!(after.len(), 3);
    assert!(after.iter().all(|g| g.relay != gone));
    assert_eq!(&after[..2], &before[1..], "the other guards stay pinned");
    assert_eq!(after[2].pinned_at, later);
    assert_eq!(path.hops()[0].identity(), &before[1].relay);
}

#[test]
fn an_expired_relay_is_never_used_and_an_expired_guard_is_replaced() {
    let directory = roomy_directory();
    let mut guards = GuardSet::new(30 * DAY, 1);
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    directory
        .select_path(&mut guards, &announce(), NOW, &mut rng)
        .expect("roomy directory");
    let expired = NOW.saturating_add(MAX_LIFETIME);
    assert_eq!(
        directory.select_path(&mut guards, &announce(), expired, &mut rng),
        Err(PathError::NoLastHop)
    );
    assert!(guards.pinned().is_empty());
}

#[test]
fn a_stand_in_guard_is_used_when_the_first_is_related_to_every_exit() {
    // Relay 0 and 1 are guards; the only exit, 2, shares a /16 with relay 0.
    let spec = |guard, exit, network| Spec {
        guard,
        exit,
        network: Some(network),
        family_group: None,
        one_sided_claim: None,
        rendezvous: false,
    };
    let all = relays(&[
        spec(true, 0, 1),
        spec(true, 0, 2),
        spec(false, 2, 1),
        spec(false, 0, 3),
    ]);
    let directory: Directory = all.into_iter().collect();
    let mut rng = ChaCha20Rng::seed_from_u64(5);

    let mut two = GuardSet::new(30 * DAY, 2);
    let path = directory
        .select_path(&mut two, &announce(), NOW, &mut rng)
        .expect("guard 1 can reach exit 2");
    let hops: Vec<_> = path.hops().iter().map(|r| *r.identity()).collect();
    assert_eq!(hops, [id(1), id(3), id(2)]);

    // Pin relay 0 alone: draw fresh one-guard sets until it is the one
    // chosen (each draw picks it with odds 1/2).
    let (only_relay_0, result) = (0..64)
        .find_map(|_| {
            let mut one = GuardSet::new(30 * DAY, 1);
            let result = directory.select_path(&mut one, &announce(), NOW, &mut rng);
            (one.pinned()[0].relay == id(0)).then_some((one, result))
        })
        .expect("relay 0 drawn as the guard");
    assert_eq!(only_relay_0.pinned().len(), 1);
    assert_eq!(result, Err(PathError::NoLastHopBesideGuards));
}

#[test]
fn too_few_unrelated_relays_for_the_middle_is_an_error() {
    // Guard 0, exit 1, and a middle candidate 2 in guard 0's family.
    let specs = [
        Spec {
            guard: true,
            exit: 0,
            network: None,
            family_group: Some(0),
            one_sided_claim: None,
            rendezvous: false,
        },
        Spec {
            guard: false,
            exit: 2,
            network: None,
            family_group: None,
            one_sided_claim: None,
            rendezvous: false,
        },
        Spec {
            guard: false,
            exit: 0,
            network: None,
            family_group: Some(0),
            one_sided_claim: None,
            rendezvous: false,
        },
    ];
    let directory: Directory = relays(&specs).into_iter().collect();
    let mut guards = GuardSet::default();
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    assert_eq!(
        directory.select_path(&mut guards, &announce(), NOW, &mut rng),
        Err(PathError::NoMiddles {
            needed: 1,
            found: 0
        })
    );
    let two_hops = PathRequest {
        hops: 2,
        ..announce()
    };
    let path = directory
        .select_path(&mut guards, &two_hops, NOW, &mut rng)
        .expect("guard and exit are unrelated");
    assert_eq!(path.hops().len(), 2);
}

#[test]
fn paths_end_at_the_relay_or_flag_asked_for() {
    let directory = roomy_directory();
    let mut guards = GuardSet::default();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let to_relay_30 = PathRequest::new(LastHop::Relay(id(30)));
    let path = directory
        .select_path(&mut guards, &to_relay_30, NOW, &mut rng)
        .expect("relay 30 is unrelated to every guard");
    assert_eq!(path.hops()[2].identity(), &id(30));
    let rendezvous = PathRequest::new(LastHop::Flagged(RelayFlags::RENDEZVOUS));
    assert_eq!(
        directory.select_path(&mut guards, &rendezvous, NOW, &mut rng),
        Err(PathError::NoLastHop)
    );
}

#[test]
fn hop_counts_out_of_range_and_guardless_directories_are_errors() {
    let directory = roomy_directory();
    let mut guards = GuardSet::default();
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    for hops in [0, 1, onion_core::crypto::MAX_HOPS + 1] {
        let request = PathRequest { hops, ..announce() };
        assert!(matches!(
            directory.select_path(&mut guards, &request, NOW, &mut rng),
            Err(PathError::HopCount { .. })
        ));
    }
    let no_guards: Directory = directory
        .iter()
        .filter(|r| !r.descriptor().flags.contains(RelayFlags::GUARD))
        .cloned()
        .collect();
    let mut fresh = GuardSet::default();
    assert_eq!(
        no_guards.select_path(&mut fresh, &announce(), NOW, &mut rng),
        Err(PathError::NoGuard)
    );
}
