//! Path selection: a pinned guard, middle relays, and a last hop that fits
//! the request, no two of which are related (see `relation.rs`).

use rand_core::CryptoRng;

use super::relation::may_share_path;
use super::{Directory, ExitRequest, GuardSet, RelayFlags, UnixTime, VerifiedDescriptor, random};
use crate::RelayId;
use crate::crypto::MAX_HOPS;
use crate::error::PathError;

/// Hops in a path unless asked otherwise: guard, middle, last.
pub const DEFAULT_HOPS: usize = 3;
/// The shortest path: a guard and a distinct last hop.
pub const MIN_HOPS: usize = 2;
/// How many times the middle hops are drawn afresh before giving up: a
/// draw can corner itself (its first middle related to every other
/// candidate) where another draw would succeed.
const MIDDLE_DRAWS: usize = 8;

/// What the last hop of a path must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LastHop {
    /// An exit whose policy allows this request.
    Exit(ExitRequest),
    /// A relay with all of these flags, such as a rendezvous point.
    Flagged(RelayFlags),
    /// This relay, such as a seeder's introduction point.
    Relay(RelayId),
}

impl LastHop {
    fn accepts(&self, relay: &VerifiedDescriptor) -> bool {
        let descriptor = relay.descriptor();
        match self {
            LastHop::Exit(request) => {
                descriptor.flags.contains(RelayFlags::EXIT)
                    && descriptor.exit_policy.allows(*request)
            }
            LastHop::Flagged(flags) => descriptor.flags.contains(*flags),
            LastHop::Relay(id) => relay.identity() == id,
        }
    }
}

/// A path to select: its length and its last hop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathRequest {
    /// Number of relays, [`MIN_HOPS`] to [`MAX_HOPS`].
    pub hops: usize,
    /// What the last relay must be.
    pub last_hop: LastHop,
}

impl PathRequest {
    /// A [`DEFAULT_HOPS`] path ending at `last_hop`.
    pub fn new(last_hop: LastHop) -> Self {
        PathRequest {
            hops: DEFAULT_HOPS,
            last_hop,
        }
    }
}

/// A selected path: the guard first, the last hop last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path<'d> {
    hops: Vec<&'d VerifiedDescriptor>,
}

impl<'d> Path<'d> {
    /// The relays in order, from the guard to the last hop.
    pub fn hops(&self) -> &[&'d VerifiedDescriptor] {
        &self.hops
    }
}

impl Directory {
    /// Selects a path for `request` at `now`.
    ///
    /// First `guards` is refreshed (see [`GuardSet`]). The first pinned
    /// guard that some fitting last hop may share a path with is the first
    /// hop; the last hop is drawn uniformly from those, and each middle hop
    /// uniformly from the relays unrelated to every hop chosen so far. Only
    /// descriptors valid at `now` are used.
    ///
    /// ```
    /// use core::time::Duration;
    /// use ed25519_dalek::SigningKey;
    /// use onion_core::OnionKey;
    /// use onion_core::directory::{
    ///     Descriptor, Directory, ExitPolicy, ExitRequest, GuardSet, LastHop, PathRequest,
    ///     PortRange, RelayFlags, Traffic, TrafficSet, UnixTime, VerifiedDescriptor,
    /// };
    /// use rand_chacha::ChaCha20Rng;
    /// use rand_core::SeedableRng;
    ///
    /// let now = UnixTime::from_secs(1_800_000_000);
    /// let mut directory = Directory::new();
    /// for seed in 1..=6u8 {
    ///     let mut relay = Descriptor::new(OnionKey::from_bytes([seed; 32]), now, Duration::from_secs(86_400));
    ///     relay.flags = if seed % 2 == 0 { RelayFlags::GUARD } else { RelayFlags::EXIT };
    ///     if seed % 2 == 1 {
    ///         let trackers = TrafficSet::EMPTY.with(Traffic::Tracker);
    ///         relay.exit_policy = ExitPolicy::accept(trackers, [PortRange::ALL])?;
    ///     }
    ///     let bytes = relay.sign(&SigningKey::from_bytes(&[seed; 32]))?;
    ///     directory.insert(VerifiedDescriptor::verify(&bytes, now)?);
    /// }
    ///
    /// let mut guards = GuardSet::default();
    /// let mut rng = ChaCha20Rng::seed_from_u64(7);
    /// let announce = ExitRequest { traffic: Traffic::Tracker, port: 6969 };
    /// let path = directory.select_path(&mut guards, &PathRequest::new(LastHop::Exit(announce)), now, &mut rng)?;
    ///
    /// let hops = path.hops();
    /// assert_eq!(hops.len(), 3);
    /// assert_eq!(hops[0].identity(), &guards.pinned()[0].relay);
    /// assert!(hops[2].descriptor().exit_policy.allows(announce));
    /// # Ok::<(), onion_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`PathError`] says which hop could not be filled.
    pub fn select_path(
        &self,
        guards: &mut GuardSet,
        request: &PathRequest,
        now: UnixTime,
        rng: &mut impl CryptoRng,
    ) -> Result<Path<'_>, PathError> {
        if !(MIN_HOPS..=MAX_HOPS).contains(&request.hops) {
            return Err(PathError::HopCount {
                hops: request.hops,
                min: MIN_HOPS,
                max: MAX_HOPS,
            });
        }
        guards.refresh(self, now, rng);
        let fitting: Vec<&VerifiedDescriptor> = self
            .iter()
            .filter(|relay| relay.descriptor().is_valid_at(now) && request.last_hop.accepts(relay))
            .collect();
        if fitting.is_empty() {
            return Err(PathError::NoLastHop);
        }
        let (guard, lasts) = guards
            .pinned_relays(self)
            .find_map(|guard| {
                let lasts: Vec<_> = fitting
                    .iter()
                    .copied()
                    .filter(|last| may_share_path(guard, last))
                    .collect();
                (!lasts.is_empty()).then_some((guard, lasts))
            })
            .ok_or(if guards.pinned().is_empty() {
                PathError::NoGuard
            } else {
                PathError::NoLastHopBesideGuards
            })?;
        let last = *random::choose(rng, &lasts).ok_or(PathError::NoLastHop)?;
        let middles = self.draw_middles(&[guard, last], request.hops - MIN_HOPS, now, rng)?;
        let mut hops = Vec::with_capacity(request.hops);
        hops.push(guard);
        hops.extend(middles);
        hops.push(last);
        Ok(Path { hops })
    }

    /// Draws `count` relays unrelated to `ends` and to each other.
    fn draw_middles(
        &self,
        ends: &[&VerifiedDescriptor],
        count: usize,
        now: UnixTime,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<&VerifiedDescriptor>, PathError> {
        let usable: Vec<&VerifiedDescriptor> = self
            .iter()
            .filter(|relay| relay.descriptor().is_valid_at(now))
            .filter(|relay| ends.iter().all(|end| may_share_path(end, relay)))
            .collect();
        let mut most = 0;
        for _ in 0..MIDDLE_DRAWS {
            let mut chosen: Vec<&VerifiedDescriptor> = Vec::with_capacity(count);
            while chosen.len() < count {
                let candidates: Vec<&VerifiedDescriptor> = usable
                    .iter()
                    .copied()
                    .filter(|relay| chosen.iter().all(|hop| may_share_path(hop, relay)))
                    .collect();
                let Some(next) = random::choose(rng, &candidates) else {
                    break;
                };
                chosen.push(next);
            }
            if chosen.len() == count {
                return Ok(chosen);
            }
            most = most.max(chosen.len());
        }
        Err(PathError::NoMiddles {
            needed: count,
            found: most,
        })
    }
}
