//! Wall-clock time as descriptors state it: whole seconds since the Unix
//! epoch. The crate reads no clock; callers pass `now`.

use core::time::Duration;

/// A moment in wall-clock time, in whole seconds since 1970-01-01 UTC.
///
/// ```
/// use core::time::Duration;
/// use onion_core::directory::UnixTime;
///
/// let noon = UnixTime::from_secs(1_800_000_000);
/// assert_eq!(noon.saturating_add(Duration::from_secs(60)).as_secs(), 1_800_000_060);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The moment `secs` seconds after the epoch.
    pub const fn from_secs(secs: u64) -> Self {
        UnixTime(secs)
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// `self + duration` in whole seconds, or the last representable
    /// moment if that overflows.
    pub fn saturating_add(self, duration: Duration) -> Self {
        UnixTime(self.0.saturating_add(duration.as_secs()))
    }

    /// How long after `earlier` this moment is; zero if it is not after it.
    pub fn saturating_since(self, earlier: UnixTime) -> Duration {
        Duration::from_secs(self.0.saturating_sub(earlier.0))
    }
}
