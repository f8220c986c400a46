//! A token bucket: a burst of messages, refilled at a steady rate.

use std::time::{Duration, Instant};

/// How many messages (or refusals) a connection may have, and how fast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Messages allowed at once after a quiet period.
    pub burst: u32,
    /// Messages allowed per second, sustained.
    pub per_second: u32,
}

/// One connection's bucket. Time comes in as `now`.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    /// Tokens in thousandths, so slow refill rates stay exact enough.
    millitokens: u64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(limit: RateLimit, now: Instant) -> Self {
        TokenBucket {
            limit,
            millitokens: u64::from(limit.burst) * 1000,
            last: now,
        }
    }

    /// Takes one token if there is one.
    pub(crate) fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now
            .saturating_duration_since(self.last)
            .min(Duration::from_secs(3600));
        self.last = now;
        let refill = elapsed.as_millis() as u64 * u64::from(self.limit.per_second);
        let cap = u64::from(self.limit.burst) * 1000;
        self.millitokens = self.millitokens.saturating_add(refill).min(cap);
        match self.millitokens.checked_sub(1000) {
            Some(left) => {
                self.millitokens = left;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_refills_it() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(
            RateLimit {
                burst: 3,
                per_second: 10,
            },
            start,
        );
        assert_eq!((0..5).filter(|_| bucket.allow(start)).count(), 3);
        assert!(!bucket.allow(start + Duration::from_millis(99)));
        assert!(bucket.allow(start + Duration::from_millis(200)));
        let later = start + Duration::from_secs(60);
        assert_eq!(
            (0..10).filter(|_| bucket.allow(later)).count(),
            3,
            "refill stops at the burst"
        );
    }

    /// The server's default refusal budget, fresh at `start`.
    fn default_refusals(start: Instant) -> (RateLimit, TokenBucket) {
        let limit = crate::server::SignalServerConfig::default().refusals;
        (limit, TokenBucket::new(limit, start))
    }

    #[test]
    fn refusals_spread_at_the_default_refill_rate_never_run_out() {
        let start = Instant::now();
        let (limit, mut budget) = default_refusals(start);
        let spacing = Duration::from_secs(1) / limit.per_second;
        assert!((1..=100u32).all(|n| budget.allow(start + spacing * n)));
    }

    #[test]
    fn retries_of_an_offline_peer_never_run_out_of_the_default_refusals() {
        // A mesh node redialing a peer that went offline: an offer and a
        // candidate refused per dial, dials doubling from 250 ms up to 30 s
        // apart (MeshConfig's reconnect backoff, lower end of its jitter),
        // and started over a hundred times.
        let start = Instant::now();
        let (_, mut budget) = default_refusals(start);
        let mut now = start;
        let mut refused = 0;
        for _ in 0..100 {
            let mut delay = Duration::from_millis(125);
            for _ in 0..10 {
                now += delay;
                delay = (delay * 2).min(Duration::from_secs(15));
                refused += 2;
                assert!(budget.allow(now) && budget.allow(now), "{refused}");
            }
        }
    }

    #[test]
    fn a_flood_runs_out_of_the_default_refusals_after_the_burst() {
        let start = Instant::now();
        let (limit, mut budget) = default_refusals(start);
        let allowed = (0..1000).take_while(|_| budget.allow(start)).count();
        assert_eq!(allowed, limit.burst as usize);
    }
}
