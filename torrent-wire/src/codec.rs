//! The peer-wire framing: a 4-byte big-endian length, a message id, the
//! payload.
//!
//! [`Codec::decode`] takes whole frames off the front of a [`BytesMut`]:
//! `Ok(None)` means "not all here yet" (the buffer has been reserved for
//! the rest), an error means the stream is malformed. The length prefix is
//! checked against [`Codec::max_len`] before anything is reserved, and
//! payloads are split off the buffer, not copied.
//!
//! ```
//! use bytes::BytesMut;
//! use torrent_wire::codec::Codec;
//! use torrent_wire::message::Message;
//! use torrent_wire::WireError;
//!
//! let codec = Codec::default();
//! let mut buf = BytesMut::from(&[0, 0, 0, 5, 4, 0, 0][..]);
//! assert_eq!(codec.decode(&mut buf)?, None); // a have, two bytes short
//! buf.extend_from_slice(&[1, 2]);
//! assert_eq!(codec.decode(&mut buf)?, Some(Message::Have(0x0102)));
//!
//! // A 4 GiB length prefix is refused before any allocation.
//! let mut hostile = BytesMut::from(&[0xff, 0xff, 0xff, 0xff][..]);
//! assert!(matches!(codec.decode(&mut hostile), Err(WireError::TooLong { .. })));
//! # Ok::<(), WireError>(())
//! ```

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::WireError;
use crate::message::{Message, id};
use crate::session::{BLOCK_LEN, Block};

/// Bytes of the length prefix.
const PREFIX_LEN: usize = 4;

/// Reads and writes peer-wire frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codec {
    max_len: u32,
}

impl Codec {
    /// The default [`Codec::max_len`]: 256 KiB, room for the bitfield of two
    /// million pieces and far more than a 16 KiB block needs.
    pub const DEFAULT_MAX_LEN: u32 = 256 * 1024;

    /// The smallest [`Codec::max_len`] accepted: a piece message of one
    /// full block.
    pub const MIN_MAX_LEN: u32 = 1 + 8 + BLOCK_LEN;

    /// A codec that refuses frames longer than `max_len` (id and payload,
    /// not counting the prefix), raised to [`Codec::MIN_MAX_LEN`] if lower.
    pub const fn new(max_len: u32) -> Self {
        Self {
            max_len: if max_len < Self::MIN_MAX_LEN {
                Self::MIN_MAX_LEN
            } else {
                max_len
            },
        }
    }

    /// Longest frame accepted, prefix excluded.
    pub const fn max_len(&self) -> u32 {
        self.max_len
    }

    /// Takes one message off the front of `buf`.
    ///
    /// # Errors
    /// [`WireError::TooLong`] for a length over the maximum,
    /// [`WireError::PayloadLength`] for a message whose id fixes another
    /// length.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Message>, WireError> {
        let Some(prefix) = buf.first_chunk::<PREFIX_LEN>() else {
            buf.reserve(PREFIX_LEN - buf.len());
            return Ok(None);
        };
        let len = u32::from_be_bytes(*prefix);
        if len > self.max_len {
            return Err(WireError::TooLong {
                len,
                max: self.max_len,
            });
        }
        // Lossless: `len` is at most `max_len`, a `u32`.
        let total = PREFIX_LEN + len as usize;
        if buf.len() < total {
            buf.reserve(total - buf.len());
            return Ok(None);
        }
        let mut frame = buf.split_to(total);
        frame.advance(PREFIX_LEN);
        if frame.is_empty() {
            return Ok(Some(Message::KeepAlive));
        }
        let message_id = frame.get_u8();
        parse(message_id, frame.freeze()).map(Some)
    }
}

impl Default for Codec {
    /// A codec with [`Codec::DEFAULT_MAX_LEN`].
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_LEN)
    }
}

/// The message of id `message_id` with `payload`.
fn parse(message_id: u8, mut payload: Bytes) -> Result<Message, WireError> {
    let len = payload.len();
    let fixed = |name: &'static str, expected: usize| {
        if len == expected {
            Ok(())
        } else {
            Err(WireError::PayloadLength {
                message: name,
                // Frames are at most `u32::MAX` bytes.
                len: len as u32,
            })
        }
    };
    let block = |payload: &mut Bytes| Block {
        piece: payload.get_u32(),
        offset: payload.get_u32(),
        len: payload.get_u32(),
    };
    Ok(match message_id {
        id::CHOKE => fixed("choke", 0).map(|()| Message::Choke)?,
        id::UNCHOKE => fixed("unchoke", 0).map(|()| Message::Unchoke)?,
        id::INTERESTED => fixed("interested", 0).map(|()| Message::Interested)?,
        id::NOT_INTERESTED => fixed("not interested", 0).map(|()| Message::NotInterested)?,
        id::HAVE => fixed("have", 4).map(|()| Message::Have(payload.get_u32()))?,
        id::BITFIELD => Message::Bitfield(payload),
        id::REQUEST => fixed("request", 12).map(|()| Message::Request(block(&mut payload)))?,
        id::PIECE => {
            if len < 8 {
                fixed("piece", 8)?;
            }
            Message::Piece {
                piece: payload.get_u32(),
                offset: payload.get_u32(),
                data: payload,
            }
        }
        id::CANCEL => fixed("cancel", 12).map(|()| Message::Cancel(block(&mut payload)))?,
        id::PORT => fixed("port", 2).map(|()| Message::Port(payload.get_u16()))?,
        id::SUGGEST => fixed("suggest", 4).map(|()| Message::Suggest(payload.get_u32()))?,
        id::HAVE_ALL => fixed("have all", 0).map(|()| Message::HaveAll)?,
        id::HAVE_NONE => fixed("have none", 0).map(|()| Message::HaveNone)?,
        id::REJECT => fixed("reject", 12).map(|()| Message::Reject(block(&mut payload)))?,
        id::ALLOWED_FAST => {
            fixed("allowed fast", 4).map(|()| Message::AllowedFast(payload.get_u32()))?
        }
        id::EXTENDED => {
            if len < 1 {
                fixed("extended", 1)?;
            }
            Message::Extended {
                id: payload.get_u8(),
                payload,
            }
        }
        id => Message::Unknown { id, payload },
    })
}

impl Message {
    /// Appends the framed message to `out`.
    pub fn encode(&self, out: &mut impl BufMut) {
        let frame = put_header;
        let block = |out: &mut dyn BufMut, message_id: u8, block: &Block| {
            put_header(out, message_id, 12);
            out.put_u32(block.piece);
            out.put_u32(block.offset);
            out.put_u32(block.len);
        };
        let index = |out: &mut dyn BufMut, message_id: u8, index: u32| {
            put_header(out, message_id, 4);
            out.put_u32(index);
        };
        let out: &mut dyn BufMut = out;
        match self {
            Self::KeepAlive => out.put_u32(0),
            Self::Choke => frame(out, id::CHOKE, 0),
            Self::Unchoke => frame(out, id::UNCHOKE, 0),
            Self::Interested => frame(out, id::INTERESTED, 0),
            Self::NotInterested => frame(out, id::NOT_INTERESTED, 0),
            Self::Have(piece) => index(out, id::HAVE, *piece),
            Self::Bitfield(bits) => {
                frame(out, id::BITFIELD, bits.len());
                out.put_slice(bits);
            }
            Self::Request(request) => block(out, id::REQUEST, request),
            Self::Piece {
                piece,
                offset,
                data,
            } => {
                frame(out, id::PIECE, 8 + data.len());
                out.put_u32(*piece);
                out.put_u32(*offset);
                out.put_slice(data);
            }
            Self::Cancel(request) => block(out, id::CANCEL, request),
            Self::Port(port) => {
                frame(out, id::PORT, 2);
                out.put_u16(*port);
            }
            Self::Suggest(piece) => index(out, id::SUGGEST, *piece),
            Self::HaveAll => frame(out, id::HAVE_ALL, 0),
            Self::HaveNone => frame(out, id::HAVE_NONE, 0),
            Self::Reject(request) => block(out, id::REJECT, request),
            Self::AllowedFast(piece) => index(out, id::ALLOWED_FAST, *piece),
            Self::Extended {
                id: extended,
                payload,
            } => {
                frame(out, id::EXTENDED, 1 + payload.len());
                out.put_u8(*extended);
                out.put_slice(payload);
            }
            Self::Unknown {
                id: message_id,
                payload,
            } => {
                frame(out, *message_id, payload.len());
                out.put_slice(payload);
            }
        }
    }

    /// Bytes [`Message::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        let payload = match self {
            Self::KeepAlive => return PREFIX_LEN,
            Self::Choke
            | Self::Unchoke
            | Self::Interested
            | Self::NotInterested
            | Self::HaveAll
            | Self::HaveNone => 0,
            Self::Have(_) | Self::Suggest(_) | Self::AllowedFast(_) => 4,
            Self::Request(_) | Self::Cancel(_) | Self::Reject(_) => 12,
            Self::Port(_) => 2,
            Self::Bitfield(bytes) | Self::Unknown { payload: bytes, .. } => bytes.len(),
            Self::Piece { data, .. } => 8 + data.len(),
            Self::Extended { payload, .. } => 1 + payload.len(),
        };
        PREFIX_LEN + 1 + payload
    }
}

/// The length prefix and id of a message whose payload has `payload_len`
/// bytes.
fn put_header(out: &mut dyn BufMut, message_id: u8, payload_len: usize) {
    // Callers build messages within `Codec::max_len`, far below `u32::MAX`.
    out.put_u32(1 + payload_len as u32);
    out.put_u8(message_id);
}
