//! Bounded, jittered exponential backoff between reconnection attempts.

use std::time::Duration;

/// How long to wait between attempts: `initial`, doubling per failed
/// attempt up to `max`, each delay drawn at random from its upper half so
/// that nodes which lost a link or server together do not retry in step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The delay before the first retry (before jitter).
    pub initial: Duration,
    /// The longest delay (before jitter).
    pub max: Duration,
}

/// The attempts of one reconnection, counting up from zero.
#[derive(Clone, Debug)]
pub(crate) struct Retry {
    backoff: Backoff,
    failures: u32,
}

impl Retry {
    pub(crate) fn new(backoff: Backoff) -> Self {
        Retry {
            backoff,
            failures: 0,
        }
    }

    /// How many delays were handed out since the last reset.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// Forgets earlier failures (after a success).
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    /// The delay before the next attempt; `random` picks the point in the
    /// upper half of the current step.
    pub(crate) fn next_delay(&mut self, random: u32) -> Duration {
        let doubled = self
            .backoff
            .initial
            .saturating_mul(1 << self.failures.min(30));
        let step = doubled.min(self.backoff.max);
        self.failures = self.failures.saturating_add(1);
        let half = step / 2;
        half + half.mul_f64(f64::from(random) / f64::from(u32::MAX))
    }

    /// [`next_delay`](Retry::next_delay) with a fresh random draw; without
    /// an OS random source the delay is the step itself.
    pub(crate) fn next_random_delay(&mut self) -> Duration {
        let mut random = [0xff; 4];
        // No randomness only loses the jitter, not the bound.
        let _ = getrandom::fill(&mut random);
        self.next_delay(u32::from_be_bytes(random))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(1),
    };

    #[test]
    fn delays_double_from_initial_up_to_max() {
        let mut retry = Retry::new(BACKOFF);
        let full: Vec<_> = (0..6).map(|_| retry.next_delay(u32::MAX)).collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(
            full,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
        assert_eq!(retry.failures(), 6);
    }

    #[test]
    fn jitter_stays_in_the_upper_half_of_each_step() {
        let mut retry = Retry::new(BACKOFF);
        assert_eq!(retry.next_delay(0), Duration::from_millis(50));
        let middle = retry.next_delay(u32::MAX / 2);
        assert!(middle > Duration::from_millis(149) && middle < Duration::from_millis(151));
    }

    #[test]
    fn many_failures_never_overflow_past_max() {
        let mut retry = Retry::new(BACKOFF);
        for _ in 0..1000 {
            assert!(retry.next_random_delay() <= BACKOFF.max);
        }
    }

    #[test]
    fn reset_starts_again_from_initial() {
        let mut retry = Retry::new(BACKOFF);
        for _ in 0..5 {
            retry.next_delay(0);
        }
        retry.reset();
        assert_eq!(retry.next_delay(u32::MAX), BACKOFF.initial);
    }
}
