//! `.torrent` files (BitTorrent v1 metainfo, BEP 3): parsing, validation,
//! encoding and creation.
//!
//! A parsed [`Info`] keeps the exact bytes of the info dictionary it came
//! from, so its [`InfoHash`] is the SHA-1 of what the author signed off on,
//! and re-encoding a [`Metainfo`] never changes it. [`Metainfo::from_shared`]
//! parses without copying: the info dictionary and the piece hashes stay
//! slices of the input, and the info-hash is computed when first asked for. Validation rejects
//! everything a client could be tricked by: piece counts that do not match
//! the length, file paths that climb out of the download directory, files
//! that collide with one another.
//!
//! ```
//! use torrent_wire::metainfo::{Metainfo, TorrentBuilder};
//!
//! let torrent = TorrentBuilder::new(16 * 1024)?
//!     .tracker("http://127.0.0.1:6969/announce")
//!     .single_file("hello.txt", b"hello, swarm")?;
//! let bytes = torrent.to_bytes();
//!
//! let parsed = Metainfo::from_bytes(&bytes)?;
//! assert_eq!(parsed.info_hash(), torrent.info_hash());
//! assert_eq!(parsed.info().total_length(), 12);
//! assert_eq!(parsed.info().piece_count(), 1);
//! # Ok::<(), torrent_wire::MetainfoError>(())
//! ```

mod create;
mod encode;
mod parse;
mod path;

use std::sync::OnceLock;

use bytes::Bytes;

pub use create::{TorrentBuilder, suggested_piece_length};
pub use path::FilePath;

use crate::InfoHash;

/// Smallest accepted `piece length`: one 16 KiB request block, the minimum
/// BEP 52 sets and libtorrent enforces.
pub const MIN_PIECE_LENGTH: u32 = 16 * 1024;

/// Largest accepted `piece length`.
pub const MAX_PIECE_LENGTH: u32 = 256 * 1024 * 1024;

/// A `.torrent` file: the info dictionary and the metadata around it.
///
/// Only [`Metainfo::info`] is covered by the info-hash; the other fields
/// can be changed freely before [`Metainfo::to_bytes`]. Top-level keys this
/// type does not model are dropped on re-encoding; the info dictionary is
/// always kept byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metainfo {
    info: Info,
    /// `announce`: the primary tracker.
    pub announce: Option<String>,
    /// `announce-list` (BEP 12): tiers of tracker URLs, tried in order.
    pub announce_list: Vec<Vec<String>>,
    /// `url-list` (BEP 19): web seeds.
    pub web_seeds: Vec<String>,
    /// `comment`.
    pub comment: Option<String>,
    /// `created by`.
    pub created_by: Option<String>,
    /// `creation date`, seconds since the Unix epoch.
    pub creation_date: Option<i64>,
}

/// A validated info dictionary.
#[derive(Debug, Clone)]
pub struct Info {
    fields: InfoFields,
    raw: Bytes,
    /// SHA-1 of `raw`, computed on first use: parsing a torrent costs no
    /// more than decoding it.
    info_hash: OnceLock<InfoHash>,
}

/// Everything an info dictionary says follows from its bytes.
impl PartialEq for Info {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for Info {}

/// What an info dictionary says, validated; [`Info`] adds its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct InfoFields {
    name: String,
    piece_length: u32,
    /// The concatenated 20-byte SHA-1s, a multiple of 20 bytes long.
    pieces: Bytes,
    files: Vec<FileEntry>,
    multi_file: bool,
    private: bool,
    total_length: u64,
}

/// One file of a torrent's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Where the file goes, relative to the download directory: the
    /// torrent's name, then (for a multi-file torrent) the file's path.
    pub path: FilePath,
    /// Length in bytes.
    pub length: u64,
    /// Offset of the file's first byte in the torrent's content.
    pub offset: u64,
}

impl Metainfo {
    /// Metainfo around `info`, with no trackers or other metadata.
    pub fn new(info: Info) -> Self {
        Self {
            info,
            announce: None,
            announce_list: Vec::new(),
            web_seeds: Vec::new(),
            comment: None,
            created_by: None,
            creation_date: None,
        }
    }

    /// The info dictionary.
    pub fn info(&self) -> &Info {
        &self.info
    }

    /// The torrent's v1 info-hash.
    pub fn info_hash(&self) -> InfoHash {
        self.info.info_hash()
    }

    /// Every tracker URL, `announce-list` tiers first (BEP 12 says to
    /// ignore `announce` when they exist), duplicates removed.
    pub fn trackers(&self) -> Vec<&str> {
        let mut urls: Vec<&str> = Vec::new();
        let listed = self.announce_list.iter().flatten();
        let primary = self
            .announce
            .iter()
            .filter(|_| self.announce_list.is_empty());
        for url in listed.chain(primary) {
            if !urls.contains(&url.as_str()) {
                urls.push(url);
            }
        }
        urls
    }
}

impl Info {
    /// `fields` with the bencoded dictionary they were read from or
    /// written to.
    fn seal(fields: InfoFields, raw: Bytes) -> Self {
        Self {
            fields,
            raw,
            info_hash: OnceLock::new(),
        }
    }

    /// The suggested name of the file or top directory.
    pub fn name(&self) -> &str {
        &self.fields.name
    }

    /// Bytes per piece; every piece but the last has exactly this length.
    pub fn piece_length(&self) -> u32 {
        self.fields.piece_length
    }

    /// Number of pieces.
    pub fn piece_count(&self) -> u32 {
        // Parsing and building both refuse more than `u32::MAX` pieces.
        u32::try_from(self.piece_hashes().len()).unwrap_or(u32::MAX)
    }

    /// The SHA-1 of piece `index`.
    pub fn piece_hash(&self, index: u32) -> Option<&[u8; 20]> {
        self.piece_hashes().get(usize::try_from(index).ok()?)
    }

    fn piece_hashes(&self) -> &[[u8; 20]] {
        self.fields.pieces.as_chunks().0
    }

    /// Length of piece `index`: [`Info::piece_length`], or less for the last.
    pub fn piece_size(&self, index: u32) -> Option<u32> {
        if index >= self.piece_count() {
            return None;
        }
        let start = u64::from(index) * u64::from(self.fields.piece_length);
        // `index` is below the piece count, so `start` is below the total.
        let size = (self.fields.total_length - start).min(u64::from(self.fields.piece_length));
        u32::try_from(size).ok()
    }

    /// Where piece `index` lies in the content, in bytes.
    pub fn piece_range(&self, index: u32) -> Option<core::ops::Range<u64>> {
        let size = self.piece_size(index)?;
        let start = u64::from(index) * u64::from(self.fields.piece_length);
        Some(start..start + u64::from(size))
    }

    /// The files, in content order. A single-file torrent has one, whose
    /// path is the torrent's name.
    pub fn files(&self) -> &[FileEntry] {
        &self.fields.files
    }

    /// Whether the info dictionary uses the multi-file layout (`files`),
    /// even if it lists a single file.
    pub fn is_multi_file(&self) -> bool {
        self.fields.multi_file
    }

    /// The `private` flag (BEP 27): peers only from the torrent's trackers.
    pub fn is_private(&self) -> bool {
        self.fields.private
    }

    /// Sum of all file lengths.
    pub fn total_length(&self) -> u64 {
        self.fields.total_length
    }

    /// The exact bencoded info dictionary, as hashed and as sent over
    /// ut_metadata (BEP 9).
    pub fn as_bytes(&self) -> &Bytes {
        &self.raw
    }

    /// The SHA-1 of [`Info::as_bytes`], hashed on the first call.
    pub fn info_hash(&self) -> InfoHash {
        *self.info_hash.get_or_init(|| InfoHash(sha1(&self.raw)))
    }
}

/// SHA-1 of `bytes`, with the `sha1` crate's SHA-NI / assembly fast path.
pub(crate) fn sha1(bytes: &[u8]) -> [u8; 20] {
    use sha1::Digest;
    sha1::Sha1::digest(bytes).into()
}
