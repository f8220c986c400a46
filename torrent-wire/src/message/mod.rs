//! Peer-wire messages: the handshake, BEP 3's messages, BEP 6's fast
//! extension and BEP 10's extension protocol with BEP 9 ut_metadata and
//! BEP 11 ut_pex.
//!
//! [`Message`] is one length-prefixed frame; [`crate::codec::Codec`] reads
//! and writes it. An [`Message::Extended`] frame carries its payload as
//! bytes, because which extension an id means was negotiated by the two
//! peers' handshakes; [`ExtendedHandshake`], [`MetadataMessage`] and
//! [`PexMessage`] read those payloads.
//!
//! ```
//! use bytes::BytesMut;
//! use torrent_wire::codec::Codec;
//! use torrent_wire::message::{ExtendedHandshake, Message, UT_METADATA};
//!
//! let mut handshake = ExtendedHandshake::default();
//! handshake.extensions.insert(UT_METADATA.to_owned(), 3);
//! handshake.metadata_size = Some(31_337);
//!
//! let mut wire = BytesMut::new();
//! Message::Have(7).encode(&mut wire);
//! handshake.to_message().encode(&mut wire);
//!
//! let codec = Codec::default();
//! assert_eq!(codec.decode(&mut wire)?, Some(Message::Have(7)));
//! let Some(Message::Extended { id: 0, payload }) = codec.decode(&mut wire)? else {
//!     panic!("an extended handshake");
//! };
//! assert_eq!(ExtendedHandshake::decode(&payload)?, handshake);
//! assert_eq!(codec.decode(&mut wire)?, None); // nothing left
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod extended;
mod handshake;
mod metadata;
mod pex;

use bytes::{Bytes, BytesMut};

pub use extended::{EXTENDED_HANDSHAKE_ID, ExtendedHandshake, UT_METADATA, UT_PEX};
pub use handshake::{HANDSHAKE_LEN, Handshake, PROTOCOL, Reserved};
pub use metadata::{MAX_METADATA_SIZE, METADATA_PIECE_LEN, MetadataMessage};
pub use pex::{PexFlags, PexMessage, PexPeer};

use crate::bencode::{self, Dict, Limits};
use crate::error::ExtensionError;
use crate::session::Block;

/// One peer-wire message after the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A frame of length zero.
    KeepAlive,
    /// The sender will not serve requests (BEP 3, id 0).
    Choke,
    /// The sender will serve requests (id 1).
    Unchoke,
    /// The sender wants pieces the receiver has (id 2).
    Interested,
    /// The sender wants nothing from the receiver (id 3).
    NotInterested,
    /// The sender now has this piece (id 4).
    Have(u32),
    /// The pieces the sender has, right after the handshake (id 5); the raw
    /// payload, read with [`crate::session::PieceSet::from_wire`] once the
    /// piece count is known.
    Bitfield(Bytes),
    /// Asks for a block (id 6).
    Request(Block),
    /// A block of a piece (id 7); `data` shares the decoder's buffer.
    Piece {
        /// The piece.
        piece: u32,
        /// Byte offset inside the piece.
        offset: u32,
        /// The block's bytes.
        data: Bytes,
    },
    /// Withdraws a request (id 8).
    Cancel(Block),
    /// The sender's DHT port (id 9).
    Port(u16),
    /// BEP 6: the receiver might want this piece (id 13).
    Suggest(u32),
    /// BEP 6: the sender has every piece, in place of a bitfield (id 14).
    HaveAll,
    /// BEP 6: the sender has no piece, in place of a bitfield (id 15).
    HaveNone,
    /// BEP 6: the sender will not serve this request (id 16).
    Reject(Block),
    /// BEP 6: the receiver may request this piece even while choked (id 17).
    AllowedFast(u32),
    /// BEP 10 (id 20): extended message `id`, where 0 is the extended
    /// handshake and other ids are the ones the receiver assigned in its
    /// handshake's `m`.
    Extended {
        /// The extended message id.
        id: u8,
        /// The payload after the id.
        payload: Bytes,
    },
    /// A message id this crate does not know, kept so that callers can
    /// ignore it or log it.
    Unknown {
        /// The message id.
        id: u8,
        /// The payload after the id.
        payload: Bytes,
    },
}

/// Reads an extension payload that must be one bencoded dictionary.
fn read_dict<T>(
    payload: &[u8],
    read: impl FnOnce(Dict<'_, '_>) -> Result<T, ExtensionError>,
) -> Result<T, ExtensionError> {
    let document = bencode::decode(payload, &Limits::MESSAGE)?;
    read(
        document
            .root()
            .as_dict()
            .ok_or(ExtensionError::NotADictionary)?,
    )
}

impl Message {
    /// An extended message `id` whose payload `fill` writes.
    pub(crate) fn extended(id: u8, fill: impl FnOnce(&mut BytesMut)) -> Self {
        let mut payload = BytesMut::new();
        fill(&mut payload);
        Self::Extended {
            id,
            payload: payload.freeze(),
        }
    }
}

/// Message ids on the wire.
pub(crate) mod id {
    pub const CHOKE: u8 = 0;
    pub const UNCHOKE: u8 = 1;
    pub const INTERESTED: u8 = 2;
    pub const NOT_INTERESTED: u8 = 3;
    pub const HAVE: u8 = 4;
    pub const BITFIELD: u8 = 5;
    pub const REQUEST: u8 = 6;
    pub const PIECE: u8 = 7;
    pub const CANCEL: u8 = 8;
    pub const PORT: u8 = 9;
    pub const SUGGEST: u8 = 13;
    pub const HAVE_ALL: u8 = 14;
    pub const HAVE_NONE: u8 = 15;
    pub const REJECT: u8 = 16;
    pub const ALLOWED_FAST: u8 = 17;
    pub const EXTENDED: u8 = 20;
}
