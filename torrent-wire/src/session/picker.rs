//! Which blocks to request from which peer: rarest first, started pieces
//! finished first, and an endgame that asks several peers for the last
//! blocks.

use std::collections::BTreeMap;

use rand_core::Rng;

use super::PieceSet;
use crate::error::SessionError;
use crate::metainfo::Info;

/// Bytes per request: the 16 KiB block every client asks for and most
/// refuse to exceed.
pub const BLOCK_LEN: u32 = 16 * 1024;

/// Most peers one block is requested from at a time in the endgame.
const MAX_ENDGAME_DUPLICATES: u16 = 3;

/// One request's worth of a piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block {
    /// The piece.
    pub piece: u32,
    /// Byte offset inside the piece, a multiple of [`BLOCK_LEN`].
    pub offset: u32,
    /// [`BLOCK_LEN`], or less for the last block of the last piece.
    pub len: u32,
}

/// What a received block did to its piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockOutcome {
    /// Not a block that was requested, or already received (an endgame
    /// duplicate): drop the data.
    Unwanted,
    /// Stored; the piece still misses blocks.
    Accepted,
    /// The piece's last block: hash the piece, then call
    /// [`PiecePicker::piece_verified`] or [`PiecePicker::piece_failed`].
    PieceComplete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockState {
    Free,
    /// Requested from this many peers.
    Requested(u16),
    Received,
}

/// Block bookkeeping for one torrent, shared by all its peers.
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use torrent_wire::metainfo::TorrentBuilder;
/// use torrent_wire::session::{BlockOutcome, PiecePicker, PieceSet};
///
/// let torrent = TorrentBuilder::new(32 * 1024)?.single_file("a", &[1; 40_000])?;
/// let mut picker = PiecePicker::new(torrent.info());
/// let seed = PieceSet::full(2);
/// picker.add_peer(&seed);
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let blocks = picker.pick(&seed, &[], 8, &mut rng);
/// assert_eq!(blocks.len(), 3); // two blocks of piece 0 or 1, one of the other
/// for block in &blocks {
///     assert_ne!(picker.block_received(block), BlockOutcome::Unwanted);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct PiecePicker {
    layout: Layout,
    have: PieceSet,
    /// How many connected peers have each piece.
    availability: Vec<u32>,
    /// Pieces with at least one block requested, and their blocks.
    partial: BTreeMap<u32, Vec<BlockState>>,
}

impl PiecePicker {
    /// A picker for `info` with nothing downloaded yet.
    pub fn new(info: &Info) -> Self {
        let layout = Layout {
            piece_length: info.piece_length(),
            total_length: info.total_length(),
            piece_count: info.piece_count(),
        };
        Self {
            layout,
            have: PieceSet::empty(layout.piece_count),
            availability: vec![0; layout.piece_count as usize],
            partial: BTreeMap::new(),
        }
    }

    /// A picker for `info` that already has `have` (verified on disk).
    ///
    /// # Errors
    /// [`SessionError::BitfieldLength`] if `have` is not a set of
    /// `info`'s pieces.
    pub fn with_have(info: &Info, have: PieceSet) -> Result<Self, SessionError> {
        let mut picker = Self::new(info);
        if have.len() != picker.layout.piece_count {
            return Err(SessionError::BitfieldLength {
                expected: picker.have.as_wire().len(),
                len: have.as_wire().len(),
            });
        }
        picker.have = have;
        Ok(picker)
    }

    /// The verified pieces.
    pub fn have(&self) -> &PieceSet {
        &self.have
    }

    /// Whether every piece is verified.
    pub fn is_complete(&self) -> bool {
        self.have.is_full()
    }

    /// Counts a newly connected peer's pieces.
    pub fn add_peer(&mut self, pieces: &PieceSet) {
        for index in pieces.iter() {
            self.peer_has(index);
        }
    }

    /// Forgets a disconnected peer's pieces.
    pub fn remove_peer(&mut self, pieces: &PieceSet) {
        for index in pieces.iter() {
            if let Some(count) = self.availability.get_mut(index as usize) {
                *count = count.saturating_sub(1);
            }
        }
    }

    /// Counts one more peer with piece `index` (a have message).
    pub fn peer_has(&mut self, index: u32) {
        if let Some(count) = self.availability.get_mut(index as usize) {
            *count += 1;
        }
    }

    /// Up to `want` blocks to request from a peer that has `peer_pieces`
    /// and already has `in_flight` requested: blocks of started pieces
    /// first, then blocks of the rarest pieces (ties broken at random by
    /// `rng`); once every missing block is requested somewhere, blocks
    /// already requested from other peers (endgame).
    pub fn pick(
        &mut self,
        peer_pieces: &PieceSet,
        in_flight: &[Block],
        want: usize,
        rng: &mut impl Rng,
    ) -> Vec<Block> {
        let mut picked = Vec::new();
        self.pick_free_in_partial(peer_pieces, want, &mut picked);
        if picked.len() < want {
            self.pick_rarest(peer_pieces, want, rng, &mut picked);
        }
        if picked.len() < want && self.in_endgame() {
            self.pick_endgame(peer_pieces, in_flight, want, &mut picked);
        }
        picked
    }

    /// Records a received block.
    pub fn block_received(&mut self, block: &Block) -> BlockOutcome {
        if self.layout.block_len(block.piece, block.offset) != Some(block.len) {
            return BlockOutcome::Unwanted;
        }
        let Some(blocks) = self.partial.get_mut(&block.piece) else {
            return BlockOutcome::Unwanted;
        };
        let index = (block.offset / BLOCK_LEN) as usize;
        let Some(state @ BlockState::Requested(_)) = blocks.get_mut(index) else {
            return BlockOutcome::Unwanted;
        };
        *state = BlockState::Received;
        if blocks.iter().all(|state| *state == BlockState::Received) {
            BlockOutcome::PieceComplete
        } else {
            BlockOutcome::Accepted
        }
    }

    /// Gives a request back: the peer choked, rejected it, timed out or
    /// left, or it was cancelled.
    pub fn request_cancelled(&mut self, block: &Block) {
        let index = (block.offset / BLOCK_LEN) as usize;
        if let Some(state) = self
            .partial
            .get_mut(&block.piece)
            .and_then(|blocks| blocks.get_mut(index))
        {
            *state = match *state {
                BlockState::Requested(1) => BlockState::Free,
                BlockState::Requested(peers) => BlockState::Requested(peers - 1),
                other => other,
            };
        }
    }

    /// The piece hashed right; it counts as had.
    pub fn piece_verified(&mut self, piece: u32) {
        self.partial.remove(&piece);
        self.have.insert(piece);
    }

    /// The piece hashed wrong; all its blocks are needed again.
    pub fn piece_failed(&mut self, piece: u32) {
        self.partial.remove(&piece);
    }

    fn pick_free_in_partial(
        &mut self,
        peer_pieces: &PieceSet,
        want: usize,
        picked: &mut Vec<Block>,
    ) {
        self.take_started_blocks(peer_pieces, want, picked, |state, _, _| {
            let free = *state == BlockState::Free;
            if free {
                *state = BlockState::Requested(1);
            }
            free
        });
    }

    fn pick_rarest(
        &mut self,
        peer_pieces: &PieceSet,
        want: usize,
        rng: &mut impl Rng,
        picked: &mut Vec<Block>,
    ) {
        let mut candidates: Vec<(u32, u32, u32)> = peer_pieces
            .iter()
            .filter(|piece| !self.have.contains(*piece) && !self.partial.contains_key(piece))
            .map(|piece| (self.availability[piece as usize], rng.next_u32(), piece))
            .collect();
        candidates.sort_unstable();
        for (_, _, piece) in candidates {
            if picked.len() == want {
                return;
            }
            let layout = self.layout;
            let count = layout.block_count(piece);
            let mut blocks = vec![BlockState::Free; count];
            for (index, state) in blocks.iter_mut().enumerate().take(want - picked.len()) {
                *state = BlockState::Requested(1);
                picked.push(layout.block(piece, index));
            }
            self.partial.insert(piece, blocks);
        }
    }

    fn pick_endgame(
        &mut self,
        peer_pieces: &PieceSet,
        in_flight: &[Block],
        want: usize,
        picked: &mut Vec<Block>,
    ) {
        self.take_started_blocks(peer_pieces, want, picked, |state, block, picked| {
            let BlockState::Requested(peers) = state else {
                return false;
            };
            let duplicate = *peers < MAX_ENDGAME_DUPLICATES
                && !in_flight.contains(block)
                && !picked.contains(block);
            if duplicate {
                *peers += 1;
            }
            duplicate
        });
    }

    /// Offers each block of the started pieces the peer has to `take`,
    /// which updates its state and says whether to request it, until
    /// `want` blocks are picked.
    fn take_started_blocks(
        &mut self,
        peer_pieces: &PieceSet,
        want: usize,
        picked: &mut Vec<Block>,
        mut take: impl FnMut(&mut BlockState, &Block, &[Block]) -> bool,
    ) {
        let layout = self.layout;
        for (&piece, blocks) in &mut self.partial {
            if !peer_pieces.contains(piece) {
                continue;
            }
            for (index, state) in blocks.iter_mut().enumerate() {
                if picked.len() == want {
                    return;
                }
                let block = layout.block(piece, index);
                if take(state, &block, picked) {
                    picked.push(block);
                }
            }
        }
    }

    /// Every missing block has been requested from some peer.
    fn in_endgame(&self) -> bool {
        let missing = self.have.len() - self.have.count();
        missing as usize == self.partial.len()
            && self
                .partial
                .values()
                .flatten()
                .all(|state| *state != BlockState::Free)
    }
}

/// Piece and block sizes of one torrent.
#[derive(Debug, Clone, Copy)]
struct Layout {
    piece_length: u32,
    total_length: u64,
    piece_count: u32,
}

impl Layout {
    fn piece_size(self, piece: u32) -> u32 {
        let start = u64::from(piece) * u64::from(self.piece_length);
        let size = self
            .total_length
            .saturating_sub(start)
            .min(u64::from(self.piece_length));
        // At most `piece_length`, a `u32`.
        size as u32
    }

    fn block_count(self, piece: u32) -> usize {
        self.piece_size(piece).div_ceil(BLOCK_LEN) as usize
    }

    /// Block `index` of `piece`, which must exist.
    fn block(self, piece: u32, index: usize) -> Block {
        let offset = index as u32 * BLOCK_LEN;
        Block {
            piece,
            offset,
            len: (self.piece_size(piece) - offset).min(BLOCK_LEN),
        }
    }

    /// The length block `offset` of `piece` must have, if it is a block.
    fn block_len(self, piece: u32, offset: u32) -> Option<u32> {
        let size = self.piece_size(piece);
        (piece < self.piece_count && offset.is_multiple_of(BLOCK_LEN) && offset < size)
            .then(|| (size - offset).min(BLOCK_LEN))
    }
}
