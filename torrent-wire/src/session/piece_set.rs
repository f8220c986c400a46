//! A set of piece indices, stored as the BitTorrent bitfield.

use crate::error::SessionError;

/// Which pieces of a torrent someone has, as BEP 3's bitfield: piece 0 is
/// the high bit of the first byte.
///
/// ```
/// use torrent_wire::session::PieceSet;
///
/// let mut pieces = PieceSet::empty(10);
/// pieces.insert(0);
/// pieces.insert(9);
/// assert_eq!(pieces.as_wire(), [0b1000_0000, 0b0100_0000]);
/// assert_eq!(PieceSet::from_wire(pieces.as_wire(), 10)?, pieces);
/// // Spare bits past the last piece must be zero.
/// assert!(PieceSet::from_wire(&[0, 1], 10).is_err());
/// # Ok::<(), torrent_wire::SessionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PieceSet {
    bits: Vec<u8>,
    len: u32,
    count: u32,
}

impl PieceSet {
    /// No pieces of `len`.
    pub fn empty(len: u32) -> Self {
        Self {
            bits: vec![0; wire_len(len)],
            len,
            count: 0,
        }
    }

    /// All pieces of `len` (a seed; BEP 6's have-all).
    pub fn full(len: u32) -> Self {
        let mut set = Self::empty(len);
        set.bits.fill(0xff);
        set.clear_spare_bits();
        set.count = len;
        set
    }

    /// Reads a bitfield message's payload for a torrent of `len` pieces.
    ///
    /// # Errors
    /// [`SessionError::BitfieldLength`] unless the payload has exactly
    /// `ceil(len / 8)` bytes; [`SessionError::BitfieldSpareBits`] if a bit
    /// past the last piece is set.
    pub fn from_wire(payload: &[u8], len: u32) -> Result<Self, SessionError> {
        if payload.len() != wire_len(len) {
            return Err(SessionError::BitfieldLength {
                expected: wire_len(len),
                len: payload.len(),
            });
        }
        let mut set = Self {
            bits: payload.to_vec(),
            len,
            count: payload.iter().map(|byte| byte.count_ones()).sum(),
        };
        let before = set.bits.last().copied();
        set.clear_spare_bits();
        if set.bits.last().copied() != before {
            return Err(SessionError::BitfieldSpareBits);
        }
        Ok(set)
    }

    /// The bitfield message's payload.
    pub fn as_wire(&self) -> &[u8] {
        &self.bits
    }

    /// Number of pieces of the torrent.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the torrent has no pieces at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of pieces in the set.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether every piece is in the set.
    pub fn is_full(&self) -> bool {
        self.count == self.len
    }

    /// Whether piece `index` is in the set; `false` past the end.
    pub fn contains(&self, index: u32) -> bool {
        let (byte, mask) = locate(index);
        index < self.len && self.bits.get(byte).is_some_and(|bits| bits & mask != 0)
    }

    /// Adds piece `index`; returns whether it was new. Indices past the end
    /// are ignored and return `false`.
    pub fn insert(&mut self, index: u32) -> bool {
        if index >= self.len || self.contains(index) {
            return false;
        }
        let (byte, mask) = locate(index);
        self.bits[byte] |= mask;
        self.count += 1;
        true
    }

    /// Removes piece `index`; returns whether it was there.
    pub fn remove(&mut self, index: u32) -> bool {
        if !self.contains(index) {
            return false;
        }
        let (byte, mask) = locate(index);
        self.bits[byte] &= !mask;
        self.count -= 1;
        true
    }

    /// The pieces in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len).filter(|&index| self.contains(index))
    }

    fn clear_spare_bits(&mut self) {
        let spare = (8 - self.len % 8) % 8;
        if let Some(last) = self.bits.last_mut() {
            *last &= 0xffu8 << spare;
        }
    }
}

fn wire_len(len: u32) -> usize {
    len.div_ceil(8) as usize
}

fn locate(index: u32) -> (usize, u8) {
    ((index / 8) as usize, 0x80 >> (index % 8))
}
