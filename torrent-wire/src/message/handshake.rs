//! The 68-byte handshake that opens every peer connection (BEP 3), with the
//! reserved bits of BEP 10 and BEP 6.

use bytes::{Buf, BufMut, BytesMut};

use crate::error::WireError;
use crate::{InfoHash, PeerId};

/// The protocol string, after its length byte.
pub const PROTOCOL: &[u8; 19] = b"BitTorrent protocol";

/// Bytes in a handshake.
pub const HANDSHAKE_LEN: usize = 1 + PROTOCOL.len() + 8 + 20 + 20;

/// The handshake's eight reserved bytes: feature bits, all kept as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Reserved(pub [u8; 8]);

/// BEP 10 extension protocol: byte 5, bit 0x10.
const EXTENDED: (usize, u8) = (5, 0x10);
/// BEP 6 fast extension: byte 7, bit 0x04.
const FAST: (usize, u8) = (7, 0x04);

impl Reserved {
    /// The bits this crate speaks: BEP 10 and BEP 6.
    pub const fn ours() -> Self {
        let mut bytes = [0; 8];
        bytes[EXTENDED.0] |= EXTENDED.1;
        bytes[FAST.0] |= FAST.1;
        Self(bytes)
    }

    /// Whether the sender speaks the extension protocol (BEP 10).
    pub const fn extended(self) -> bool {
        self.0[EXTENDED.0] & EXTENDED.1 != 0
    }

    /// Whether the sender speaks the fast extension (BEP 6).
    pub const fn fast(self) -> bool {
        self.0[FAST.0] & FAST.1 != 0
    }
}

/// A peer's handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Handshake {
    /// Feature bits.
    pub reserved: Reserved,
    /// The torrent the connection is for.
    pub info_hash: InfoHash,
    /// The sender's id.
    pub peer_id: PeerId,
}

impl Handshake {
    /// Our handshake for `info_hash`, announcing BEP 10 and BEP 6.
    pub const fn new(info_hash: InfoHash, peer_id: PeerId) -> Self {
        Self {
            reserved: Reserved::ours(),
            info_hash,
            peer_id,
        }
    }

    /// Appends the handshake to `out`.
    pub fn encode(&self, out: &mut impl BufMut) {
        out.put_u8(PROTOCOL.len() as u8);
        out.put_slice(PROTOCOL);
        out.put_slice(&self.reserved.0);
        out.put_slice(&self.info_hash.0);
        out.put_slice(&self.peer_id.0);
    }

    /// Takes a handshake off the front of `buf`, or returns `Ok(None)` and
    /// leaves `buf` alone until all 68 bytes are there.
    ///
    /// # Errors
    /// [`WireError::Protocol`] as soon as the bytes received cannot begin
    /// a BitTorrent handshake.
    pub fn decode(buf: &mut BytesMut) -> Result<Option<Self>, WireError> {
        let seen = buf.len().min(1 + PROTOCOL.len());
        if let Some(&pstr_len) = buf.first()
            && (pstr_len as usize != PROTOCOL.len() || buf[1..seen] != PROTOCOL[..seen - 1])
        {
            return Err(WireError::Protocol { pstr_len });
        }
        if buf.len() < HANDSHAKE_LEN {
            buf.reserve(HANDSHAKE_LEN - buf.len());
            return Ok(None);
        }
        buf.advance(1 + PROTOCOL.len());
        let mut reserved = [0; 8];
        buf.copy_to_slice(&mut reserved);
        let mut info_hash = [0; 20];
        buf.copy_to_slice(&mut info_hash);
        let mut peer_id = [0; 20];
        buf.copy_to_slice(&mut peer_id);
        Ok(Some(Self {
            reserved: Reserved(reserved),
            info_hash: InfoHash(info_hash),
            peer_id: PeerId(peer_id),
        }))
    }
}
