//! The replay filter of one onion key: the ephemeral keys of every CREATE
//! accepted under it.

use std::collections::HashSet;

use crate::cell::CREATE_HANDSHAKE_LEN;
use crate::error::HandshakeError;

/// How many leading bytes of an ephemeral key the filter stores. Honest
/// ephemerals are uniform, so two share 16 bytes with probability 2⁻¹²⁸; a
/// crafted collision only makes its own crafter's CREATE look replayed.
const ENTRY_LEN: usize = 16;

/// The ephemeral keys seen under one onion key, at most `capacity` of them.
///
/// The filter must remember every ephemeral for as long as its onion key is
/// accepted, so it never forgets one: when it is full it refuses new
/// handshakes (fail closed) until the key is rotated out.
pub(super) struct ReplayFilter {
    seen: HashSet<[u8; ENTRY_LEN]>,
    capacity: usize,
}

impl ReplayFilter {
    pub(super) fn new(capacity: usize) -> Self {
        ReplayFilter {
            seen: HashSet::new(),
            capacity,
        }
    }

    /// Fails if the CREATE's ephemeral was seen or the filter is full.
    pub(super) fn check(&self, create: &[u8; CREATE_HANDSHAKE_LEN]) -> Result<(), HandshakeError> {
        if self.seen.contains(&entry(create)) {
            Err(HandshakeError::Replayed)
        } else if self.seen.len() >= self.capacity {
            Err(HandshakeError::ReplayFilterFull {
                capacity: self.capacity,
            })
        } else {
            Ok(())
        }
    }

    /// Records the ephemeral of a CREATE that passed [`check`](Self::check)
    /// and was then authenticated.
    pub(super) fn insert(&mut self, create: &[u8; CREATE_HANDSHAKE_LEN]) {
        if self.seen.len() < self.capacity {
            self.seen.insert(entry(create));
        }
    }

    /// How many more handshakes the filter can take.
    pub(super) fn remaining(&self) -> usize {
        self.capacity.saturating_sub(self.seen.len())
    }
}

/// The filter entry of a CREATE: the start of its ephemeral key, which is
/// the start of the Noise message.
fn entry(create: &[u8; CREATE_HANDSHAKE_LEN]) -> [u8; ENTRY_LEN] {
    *create
        .first_chunk()
        .expect("a CREATE handshake is longer than a filter entry")
}
