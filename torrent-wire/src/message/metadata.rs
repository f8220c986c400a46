//! BEP 9 ut_metadata: fetching the info dictionary from peers in 16 KiB
//! pieces, for downloads that start from a magnet link.

use bytes::{BufMut, Bytes};

use super::Message;
use crate::bencode::{self, Encoder, Limits};
use crate::error::{BencodeError, ExtensionError};

/// Bytes per metadata piece; only the last piece may be shorter.
pub const METADATA_PIECE_LEN: u32 = 16 * 1024;

/// Largest metadata accepted: 16 MiB holds the hashes of a 4 GiB torrent
/// with 16 KiB pieces three times over.
pub const MAX_METADATA_SIZE: u32 = 16 << 20;

const REQUEST: i64 = 0;
const DATA: i64 = 1;
const REJECT: i64 = 2;

/// A ut_metadata message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataMessage {
    /// Asks for a piece of the metadata.
    Request {
        /// The piece.
        piece: u32,
    },
    /// A piece of the metadata.
    Data {
        /// The piece.
        piece: u32,
        /// Bytes of the whole metadata.
        total_size: u32,
        /// The piece's bytes; shares the message's buffer.
        data: Bytes,
    },
    /// The sender will not send this piece.
    Reject {
        /// The piece.
        piece: u32,
    },
}

/// Length piece `piece` of metadata of `total_size` bytes must have.
pub(crate) fn piece_len(total_size: u32, piece: u32) -> Option<usize> {
    let start = piece.checked_mul(METADATA_PIECE_LEN)?;
    (start < total_size).then(|| (total_size - start).min(METADATA_PIECE_LEN) as usize)
}

impl MetadataMessage {
    /// Reads the payload of an extended message sent under ut_metadata's id.
    ///
    /// # Errors
    /// [`ExtensionError::Bencode`] or a field error for a malformed
    /// dictionary, [`ExtensionError::UnknownMetadataType`] for a type to
    /// ignore, [`ExtensionError::MetadataSize`] for a `total_size` of zero
    /// or over [`MAX_METADATA_SIZE`], and [`ExtensionError::MetadataPiece`]
    /// for data that is not exactly its piece.
    pub fn decode(payload: &Bytes) -> Result<Self, ExtensionError> {
        // A data message is a dictionary followed by raw bytes.
        let dict_len = match bencode::decode(payload, &Limits::MESSAGE) {
            Err(BencodeError::TrailingData { offset }) => offset,
            _ => payload.len(),
        };
        let data = payload.slice(dict_len..);
        super::read_dict(&payload[..dict_len], |root| {
            let piece = root.uint("piece")?.required()?;
            match root.int("msg_type")?.required()? {
                REQUEST => Ok(Self::Request { piece }),
                REJECT => Ok(Self::Reject { piece }),
                DATA => {
                    let size: i64 = root.int("total_size")?.required()?;
                    let total_size = u32::try_from(size)
                        .ok()
                        .filter(|&size| (1..=MAX_METADATA_SIZE).contains(&size))
                        .ok_or(ExtensionError::MetadataSize {
                            size: size.max(0) as u64,
                            max: MAX_METADATA_SIZE,
                        })?;
                    if piece_len(total_size, piece) != Some(data.len()) {
                        return Err(ExtensionError::MetadataPiece {
                            piece,
                            len: data.len(),
                        });
                    }
                    Ok(Self::Data {
                        piece,
                        total_size,
                        data,
                    })
                }
                msg_type => Err(ExtensionError::UnknownMetadataType { msg_type }),
            }
        })
    }

    /// Appends the payload to `out`.
    pub fn encode(&self, out: &mut impl BufMut) {
        let (msg_type, piece, data) = match self {
            Self::Request { piece } => (REQUEST, *piece, None),
            Self::Reject { piece } => (REJECT, *piece, None),
            Self::Data {
                piece,
                total_size,
                data,
            } => (DATA, *piece, Some((*total_size, data))),
        };
        Encoder::new(out).dict(|dict| {
            dict.int(b"msg_type", msg_type)
                .int(b"piece", i64::from(piece));
            if let Some((total_size, _)) = data {
                dict.int(b"total_size", i64::from(total_size));
            }
        });
        if let Some((_, data)) = data {
            out.put_slice(data);
        }
    }

    /// The extended message that carries this one to a peer that assigned
    /// ut_metadata the id `id`.
    pub fn to_message(&self, id: u8) -> Message {
        Message::extended(id, |out| self.encode(out))
    }
}
