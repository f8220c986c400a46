//! Strict bencode: the one wrapper over `bip_bencode`.
//!
//! [`decode`] first runs a strict scan over the raw bytes (canonical integers
//! and lengths, sorted unique keys, depth and size budgets, lengths checked as
//! `u64` before any cast), then lets `bip_bencode` build a zero-copy tree over
//! input it can no longer misread. [`Encoder`] writes canonical bencode into
//! any [`bytes::BufMut`].
//!
//! ```
//! use torrent_wire::bencode::{self, Encoder, Limits};
//!
//! let mut out = Vec::new();
//! Encoder::new(&mut out).dict(|d| {
//!     d.int(b"port", 6881).bytes(b"v", b"onionswarm");
//! });
//! assert_eq!(out, b"d4:porti6881e1:v10:onionswarme");
//!
//! let document = bencode::decode(&out, &Limits::default())?;
//! let dict = document.root().as_dict().expect("a dictionary");
//! assert_eq!(dict.int("port")?.required()?, 6881);
//!
//! // Non-canonical input is refused with a precise reason.
//! assert!(matches!(
//!     bencode::decode(b"i+5e", &Limits::default()),
//!     Err(torrent_wire::BencodeError::NonCanonicalInteger { offset: 0 })
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod encode;
pub(crate) mod validate;
mod value;

use bip_bencode::{BDecodeOpt, BencodeRef};

pub use encode::{DictEncoder, Encoder, ListEncoder};
pub use value::{Dict, Document, Field, Kind, List, Value};

use crate::error::BencodeError;

/// Budgets a decode must stay within.
///
/// Every value, dictionary key included, counts as one element. The tree
/// `bip_bencode` builds costs a few dozen bytes per element, so
/// `max_elements` bounds the memory a hostile input can make a decode use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest input accepted, in bytes.
    pub max_len: usize,
    /// Most values (keys included) in one input.
    pub max_elements: usize,
    /// Deepest nesting of lists and dictionaries.
    pub max_depth: usize,
}

impl Limits {
    /// Budgets for peer-wire and tracker messages: 1 MiB, 65,536 values,
    /// 16 levels.
    pub const MESSAGE: Self = Self {
        max_len: 1 << 20,
        max_elements: 1 << 16,
        max_depth: 16,
    };

    /// Budgets for `.torrent` files: 64 MiB (a 4 GiB torrent with 16 KiB
    /// pieces needs 5 MiB of hashes), a million values, 32 levels.
    pub const METAINFO: Self = Self {
        max_len: 64 << 20,
        max_elements: 1 << 20,
        max_depth: 32,
    };
}

impl Default for Limits {
    /// [`Limits::MESSAGE`].
    fn default() -> Self {
        Self::MESSAGE
    }
}

/// Decodes exactly one canonical bencoded value from `input`.
///
/// # Errors
/// The first reason `input` is not canonical bencode within `limits`.
pub fn decode<'a>(input: &'a [u8], limits: &Limits) -> Result<Document<'a>, BencodeError> {
    validate::validate(input, limits)?;
    // The scan enforced depth and key order; `bip_bencode` counts the root as
    // depth 0, so one more level keeps its own limit out of the way.
    let options = BDecodeOpt::new(limits.max_depth + 1, false, true);
    BencodeRef::decode(input, options)
        .map(Document::new)
        .map_err(|error| BencodeError::Decoder {
            reason: error.to_string(),
        })
}

/// Encodes `value` into a new `Vec`.
pub fn to_vec(fill: impl FnOnce(Encoder<'_, Vec<u8>>)) -> Vec<u8> {
    let mut out = Vec::new();
    fill(Encoder::new(&mut out));
    out
}
