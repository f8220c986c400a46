//! What the engine knows about one connection.

use std::collections::BTreeSet;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::{Block, PieceSet};
use crate::PeerId;
use crate::error::SessionError;
use crate::message::{ExtendedHandshake, UT_METADATA, UT_PEX};

/// The pieces a peer announced; held raw until the piece count is known
/// (a magnet download before its metadata).
#[derive(Debug, Clone)]
pub(super) enum Pieces {
    Pending {
        bitfield: Option<Bytes>,
        have_all: bool,
        haves: BTreeSet<u32>,
    },
    Known(PieceSet),
}

impl Pieces {
    pub(super) fn pending() -> Self {
        Self::announced(None, false)
    }

    /// What a bitfield, have-all or have-none message says.
    pub(super) fn announced(bitfield: Option<Bytes>, have_all: bool) -> Self {
        Self::Pending {
            bitfield,
            have_all,
            haves: BTreeSet::new(),
        }
    }

    /// Turns what was announced into a set of `count` pieces.
    pub(super) fn resolve(&mut self, count: u32) -> Result<(), SessionError> {
        let Self::Pending {
            bitfield,
            have_all,
            haves,
        } = self
        else {
            return Ok(());
        };
        let mut set = match (bitfield, *have_all) {
            (_, true) => PieceSet::full(count),
            (Some(bits), false) => PieceSet::from_wire(bits, count)?,
            (None, false) => PieceSet::empty(count),
        };
        if let Some(&index) = haves.iter().find(|&&index| index >= count) {
            return Err(SessionError::PieceIndex { index });
        }
        for &index in haves.iter() {
            set.insert(index);
        }
        *self = Self::Known(set);
        Ok(())
    }
}

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Our handshake is sent; theirs has not arrived.
    Handshaking,
    /// Both handshakes are done.
    Connected,
}

/// One connection's state, both directions.
#[derive(Debug)]
pub(super) struct Peer {
    pub phase: Phase,
    /// A message about pieces arrived after the handshake: a bitfield is
    /// too late.
    pub announced: bool,
    pub recv: BytesMut,
    pub id: Option<PeerId>,
    pub fast: bool,
    pub extended: bool,
    /// Their ids for the extensions we use, from their extended handshake.
    pub ut_metadata: Option<u8>,
    pub ut_pex: Option<u8>,
    pub metadata_size: Option<u32>,
    /// They rejected a metadata request: ask someone else.
    pub metadata_refused: bool,
    pub am_choking: bool,
    pub am_interested: bool,
    pub peer_choking: bool,
    pub peer_interested: bool,
    pub pieces: Pieces,
    /// Pieces they let us request while they choke us (BEP 6).
    pub allowed_fast: BTreeSet<u32>,
    /// Our requests to them, with when each was sent.
    pub in_flight: Vec<(Block, Instant)>,
    pub last_received: Instant,
    pub last_sent: Instant,
}

impl Peer {
    pub(super) fn new(now: Instant) -> Self {
        Self {
            phase: Phase::Handshaking,
            announced: false,
            recv: BytesMut::new(),
            id: None,
            fast: false,
            extended: false,
            ut_metadata: None,
            ut_pex: None,
            metadata_size: None,
            metadata_refused: false,
            am_choking: true,
            am_interested: false,
            peer_choking: true,
            peer_interested: false,
            pieces: Pieces::pending(),
            allowed_fast: BTreeSet::new(),
            in_flight: Vec::new(),
            last_received: now,
            last_sent: now,
        }
    }

    /// Takes in their extended handshake.
    pub(super) fn extended_handshake(&mut self, handshake: &ExtendedHandshake) {
        self.ut_metadata = handshake.id_of(UT_METADATA);
        self.ut_pex = handshake.id_of(UT_PEX);
        self.metadata_size = handshake.metadata_size;
    }

    /// The blocks requested from them.
    pub(super) fn requested(&self) -> Vec<Block> {
        self.in_flight.iter().map(|(block, _)| *block).collect()
    }

    /// Forgets a request; whether it was one.
    pub(super) fn take_request(&mut self, block: &Block) -> bool {
        let before = self.in_flight.len();
        self.in_flight.retain(|(sent, _)| sent != block);
        self.in_flight.len() != before
    }

    /// Their pieces, once known.
    pub(super) fn known_pieces(&self) -> Option<&PieceSet> {
        match &self.pieces {
            Pieces::Known(set) => Some(set),
            Pieces::Pending { .. } => None,
        }
    }
}
