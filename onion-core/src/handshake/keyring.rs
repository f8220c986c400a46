//! A relay's onion keys, current and previous, each with its replay filter:
//! the relay-side entry point of the handshake.

use rand_core::CryptoRng;

use super::replay::ReplayFilter;
use super::{OnionSecret, relay};
use crate::cell::{CreateBody, CreatedBody};
use crate::crypto::HopKeys;
use crate::error::HandshakeError;
use crate::identity::OnionKey;

/// Handshakes each onion key accepts before its replay filter is full:
/// 2²⁰, about 12 CREATEs a second for a day. A full filter takes 34 MiB
/// (2²¹ hash-table slots of a 16-byte entry and a control byte).
pub const DEFAULT_REPLAY_CAPACITY: usize = 1 << 20;

/// One onion key and the ephemerals of the handshakes it accepted.
struct Period {
    secret: OnionSecret,
    replay: ReplayFilter,
}

impl Period {
    fn new(secret: OnionSecret, capacity: usize) -> Self {
        Period {
            secret,
            replay: ReplayFilter::new(capacity),
        }
    }
}

/// A relay's onion keys and their replay filters.
///
/// The relay publishes its current onion key and keeps accepting the
/// previous one while clients' directories catch up. Each key has its own
/// replay filter, which lives exactly as long as the key: a CREATE replayed
/// after its key was rotated out fails for want of the key, so the filters
/// never need to forget an ephemeral. [`rotate`](Self::rotate) drops the
/// oldest key together with its filter; rotate on the directory's schedule,
/// or sooner when [`remaining_capacity`](Self::remaining_capacity) runs low.
#[derive(Debug)]
pub struct OnionKeyring {
    current: Period,
    previous: Option<Period>,
    capacity: usize,
}

impl OnionKeyring {
    /// A keyring holding `secret`, with [`DEFAULT_REPLAY_CAPACITY`].
    pub fn new(secret: OnionSecret) -> Self {
        Self::with_replay_capacity(secret, DEFAULT_REPLAY_CAPACITY)
    }

    /// A keyring whose keys each accept at most `capacity` handshakes.
    pub fn with_replay_capacity(secret: OnionSecret, capacity: usize) -> Self {
        OnionKeyring {
            current: Period::new(secret, capacity),
            previous: None,
            capacity,
        }
    }

    /// The onion key to publish in the relay's descriptor.
    pub fn current_key(&self) -> OnionKey {
        self.current.secret.public()
    }

    /// Makes `next` the current key; the current key becomes the previous
    /// one, and the previous key and its replay filter are dropped (wiped).
    pub fn rotate(&mut self, next: OnionSecret) {
        let old = core::mem::replace(&mut self.current, Period::new(next, self.capacity));
        self.previous = Some(old);
    }

    /// How many more handshakes the current key accepts.
    pub fn remaining_capacity(&self) -> usize {
        self.current.replay.remaining()
    }

    /// Processes a CREATE: returns the CREATED body to send back and the new
    /// hop's keys.
    ///
    /// Fails, with nothing recorded, if the CREATE names an onion key this
    /// relay does not hold, reuses an ephemeral key already accepted under
    /// that onion key, finds the filter full, or does not authenticate.
    pub fn accept_create(
        &mut self,
        create: &CreateBody,
        rng: &mut impl CryptoRng,
    ) -> Result<(CreatedBody, HopKeys), HandshakeError> {
        let period = self.period_mut(&create.onion_key)?;
        period.replay.check(&create.handshake)?;
        let reply = relay::respond(&period.secret, &create.handshake, rng)?;
        period.replay.insert(&create.handshake);
        Ok(reply)
    }

    fn period_mut(&mut self, key: &OnionKey) -> Result<&mut Period, HandshakeError> {
        if self.current.secret.public() == *key {
            return Ok(&mut self.current);
        }
        match &mut self.previous {
            Some(previous) if previous.secret.public() == *key => Ok(previous),
            _ => Err(HandshakeError::UnknownOnionKey { onion_key: *key }),
        }
    }
}

impl core::fmt::Debug for Period {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Period")
            .field("onion_key", &self.secret.public())
            .field("remaining", &self.replay.remaining())
            .finish()
    }
}
