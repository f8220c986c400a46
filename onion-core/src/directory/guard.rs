//! Guard pinning: a client enters the network through the same few relays
//! for a long period, so a hostile relay gets to be its first hop only if
//! it was drawn at the start of a period, not on every circuit.

use core::time::Duration;

use rand_core::CryptoRng;

use super::relation::may_share_path;
use super::{Directory, RelayFlags, UnixTime, VerifiedDescriptor, random};
use crate::RelayId;

/// How long a guard stays pinned unless it leaves the directory. Tor keeps
/// its guards for months; so do we.
pub const DEFAULT_GUARD_PERIOD: Duration = Duration::from_secs(60 * 24 * 60 * 60);
/// How many guards a [`GuardSet`] pins by default: the first is used, the
/// others stand in when it cannot start the path asked for.
pub const DEFAULT_GUARDS: usize = 3;

/// A guard and when it was pinned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinnedGuard {
    /// The guard relay.
    pub relay: RelayId,
    /// When it was chosen; it is re-picked once the period has passed.
    pub pinned_at: UnixTime,
}

/// The guards a client has pinned, in the order they are tried. The caller
/// keeps it across path selections, and across restarts by saving what
/// [`pinned`](GuardSet::pinned) shows and passing it to
/// [`restore`](GuardSet::restore).
#[derive(Clone, Debug)]
pub struct GuardSet {
    period: Duration,
    size: usize,
    pinned: Vec<PinnedGuard>,
}

impl Default for GuardSet {
    fn default() -> Self {
        GuardSet::new(DEFAULT_GUARD_PERIOD, DEFAULT_GUARDS)
    }
}

impl GuardSet {
    /// An empty set that pins `size` guards (at least one) for `period`.
    pub fn new(period: Duration, size: usize) -> Self {
        GuardSet {
            period,
            size: size.max(1),
            pinned: Vec::new(),
        }
    }

    /// A set that pins `size` guards for `period`, starting from guards
    /// pinned before (as [`pinned`](GuardSet::pinned) showed them); any past
    /// `size` are dropped. The next path selection unpins those that have
    /// expired or left the directory.
    pub fn restore(
        period: Duration,
        size: usize,
        pinned: impl IntoIterator<Item = PinnedGuard>,
    ) -> Self {
        let mut set = GuardSet::new(period, size);
        set.pinned = pinned.into_iter().take(set.size).collect();
        set
    }

    /// How long a guard stays pinned.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The guards pinned now, in the order they are tried.
    pub fn pinned(&self) -> &[PinnedGuard] {
        &self.pinned
    }

    /// Unpins guards whose period has passed or that are no longer usable
    /// guards in `directory` at `now`, then pins new ones, each drawn
    /// uniformly from the usable guards that may share a path with every
    /// guard already pinned, until the set is full or none is left.
    pub(crate) fn refresh(
        &mut self,
        directory: &Directory,
        now: UnixTime,
        rng: &mut impl CryptoRng,
    ) {
        let period = self.period;
        self.pinned.retain(|guard| {
            now.saturating_since(guard.pinned_at) < period
                && directory
                    .get(&guard.relay)
                    .is_some_and(|relay| is_usable_guard(relay, now))
        });
        while self.pinned.len() < self.size {
            let candidates: Vec<&VerifiedDescriptor> = directory
                .with_flags(RelayFlags::GUARD)
                .filter(|relay| is_usable_guard(relay, now))
                .filter(|relay| {
                    self.pinned_relays(directory)
                        .all(|g| may_share_path(g, relay))
                })
                .collect();
            let Some(chosen) = random::choose(rng, &candidates) else {
                break;
            };
            self.pinned.push(PinnedGuard {
                relay: *chosen.identity(),
                pinned_at: now,
            });
        }
    }

    /// The descriptors of the pinned guards, in order.
    pub(crate) fn pinned_relays<'d>(
        &self,
        directory: &'d Directory,
    ) -> impl Iterator<Item = &'d VerifiedDescriptor> {
        self.pinned
            .iter()
            .filter_map(move |guard| directory.get(&guard.relay))
    }
}

fn is_usable_guard(relay: &VerifiedDescriptor, now: UnixTime) -> bool {
    relay.descriptor().flags.contains(RelayFlags::GUARD) && relay.descriptor().is_valid_at(now)
}
