//! Framing of typed channels on one link.
//!
//! A frame is `kind: u8`, then for stream frames a non-zero `stream id: u32`,
//! then `length: u32` and `length` payload bytes (big-endian integers).
//! Channels: [`Channel::Control`] (link control), [`Channel::Onion`] (onion
//! cells) and [`Channel::Stream`] (application streams by id). Payloads are at
//! most [`MAX_FRAME_PAYLOAD`] bytes; the length is checked before anything is
//! buffered for it.
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use rtc_mesh::frame::{Channel, Decoded, Frame, StreamId};
//!
//! let stream = StreamId::new(7).expect("non-zero");
//! let frame = Frame::new(Channel::Stream(stream), Bytes::from_static(b"hi"))?;
//! let mut wire = BytesMut::new();
//! frame.encode(&mut wire);
//!
//! let mut partial = BytesMut::from(&wire[..4]);
//! assert!(matches!(Frame::decode(&mut partial)?, Decoded::NeedMore { .. }));
//! assert_eq!(Frame::decode(&mut wire)?, Decoded::Frame(frame));
//! # Ok::<(), rtc_mesh::FrameError>(())
//! ```

use core::num::NonZeroU32;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::FrameError;

/// Largest payload of one frame, in bytes.
pub const MAX_FRAME_PAYLOAD: usize = 64 * 1024;
/// Longest frame header, in bytes (a stream frame's).
pub const MAX_FRAME_HEADER: usize = 9;

const KIND_CONTROL: u8 = 0;
const KIND_ONION: u8 = 1;
const KIND_STREAM: u8 = 2;

/// An application stream's id on a link (never zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(NonZeroU32);

impl StreamId {
    /// The stream id `id`, if it is not zero.
    pub fn new(id: u32) -> Option<Self> {
        NonZeroU32::new(id).map(StreamId)
    }

    /// The id as a number.
    pub fn get(self) -> u32 {
        self.0.get()
    }
}

/// The channel a frame belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Link control (keepalive, close, negotiation).
    Control,
    /// Onion cells.
    Onion,
    /// One application stream.
    Stream(StreamId),
}

impl Channel {
    fn header_len(self) -> usize {
        match self {
            Channel::Stream(_) => MAX_FRAME_HEADER,
            Channel::Control | Channel::Onion => 5,
        }
    }
}

/// One frame: a channel and its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    channel: Channel,
    payload: Bytes,
}

/// What [`Frame::decode`] found at the front of a buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A whole frame, removed from the buffer.
    Frame(Frame),
    /// The buffer holds the start of a valid frame but not all of it.
    NeedMore {
        /// At least this many more bytes are needed.
        at_least: usize,
    },
}

/// A frame's header, read and checked.
struct Header {
    channel: Channel,
    header_len: usize,
    payload_len: usize,
}

/// Reads the header at the front of `src`; `Ok(Err(n))` means `n` more
/// bytes are needed to finish it.
fn read_header(src: &[u8]) -> Result<Result<Header, usize>, FrameError> {
    let Some((&kind, rest)) = src.split_first() else {
        return Ok(Err(1));
    };
    let (channel, rest) = match kind {
        KIND_CONTROL => (Channel::Control, rest),
        KIND_ONION => (Channel::Onion, rest),
        KIND_STREAM => {
            let Some((id, rest)) = rest.split_first_chunk::<4>() else {
                return Ok(Err(MAX_FRAME_HEADER - src.len()));
            };
            let id = StreamId::new(u32::from_be_bytes(*id)).ok_or(FrameError::ZeroStreamId)?;
            (Channel::Stream(id), rest)
        }
        kind => return Err(FrameError::UnknownChannel { kind }),
    };
    let header_len = channel.header_len();
    let Some((len, _)) = rest.split_first_chunk::<4>() else {
        return Ok(Err(header_len - src.len()));
    };
    let len = u32::from_be_bytes(*len);
    let payload_len = usize::try_from(len)
        .ok()
        .filter(|&len| len <= MAX_FRAME_PAYLOAD)
        .ok_or(FrameError::PayloadTooLong {
            len: u64::from(len),
            max: MAX_FRAME_PAYLOAD,
        })?;
    Ok(Ok(Header {
        channel,
        header_len,
        payload_len,
    }))
}

impl Frame {
    /// A frame on `channel`, if `payload` fits in one.
    pub fn new(channel: Channel, payload: Bytes) -> Result<Self, FrameError> {
        if payload.len() > MAX_FRAME_PAYLOAD {
            return Err(FrameError::PayloadTooLong {
                len: payload.len() as u64,
                max: MAX_FRAME_PAYLOAD,
            });
        }
        Ok(Frame { channel, payload })
    }

    /// The channel.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The payload.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// The channel and payload.
    pub fn into_parts(self) -> (Channel, Bytes) {
        (self.channel, self.payload)
    }

    /// The frame's length on the wire.
    pub fn encoded_len(&self) -> usize {
        self.channel.header_len() + self.payload.len()
    }

    /// Appends the frame to `dst`.
    pub fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(self.encoded_len());
        match self.channel {
            Channel::Control => dst.put_u8(KIND_CONTROL),
            Channel::Onion => dst.put_u8(KIND_ONION),
            Channel::Stream(id) => {
                dst.put_u8(KIND_STREAM);
                dst.put_u32(id.get());
            }
        }
        // Frame::new keeps the payload within MAX_FRAME_PAYLOAD < 2^32.
        dst.put_u32(self.payload.len() as u32);
        dst.put_slice(&self.payload);
    }

    /// The frame as one link message.
    pub fn to_bytes(&self) -> Bytes {
        let mut dst = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut dst);
        dst.freeze()
    }

    /// Takes the frame at the front of a stream buffer without copying its
    /// payload, or says how much more is needed; bytes after it stay.
    pub fn decode(src: &mut BytesMut) -> Result<Decoded, FrameError> {
        let header = match read_header(src)? {
            Ok(header) => header,
            Err(at_least) => return Ok(Decoded::NeedMore { at_least }),
        };
        let total = header.header_len + header.payload_len;
        if src.len() < total {
            return Ok(Decoded::NeedMore {
                at_least: total - src.len(),
            });
        }
        src.advance(header.header_len);
        let payload = src.split_to(header.payload_len).freeze();
        Ok(Decoded::Frame(Frame {
            channel: header.channel,
            payload,
        }))
    }

    /// Decodes a link message that must hold exactly one frame.
    pub fn decode_message(message: Bytes) -> Result<Self, FrameError> {
        let header = match read_header(&message)? {
            Ok(header) => header,
            Err(needed) => return Err(FrameError::Truncated { needed }),
        };
        let total = header.header_len + header.payload_len;
        match message.len().cmp(&total) {
            core::cmp::Ordering::Less => Err(FrameError::Truncated {
                needed: total - message.len(),
            }),
            core::cmp::Ordering::Greater => Err(FrameError::TrailingBytes {
                len: message.len() - total,
            }),
            core::cmp::Ordering::Equal => Ok(Frame {
                channel: header.channel,
                payload: message.slice(header.header_len..),
            }),
        }
    }
}
