//! Where a torrent's content lives while it is downloaded and seeded.
//!
//! The swarm engine addresses content by byte offset; a [`Storage`] maps
//! offsets to memory ([`MemoryStorage`]) or to the torrent's files under a
//! download directory ([`FileStorage`]).
//!
//! ```
//! use torrent_wire::metainfo::TorrentBuilder;
//! use torrent_wire::storage::{MemoryStorage, Storage, piece_is_intact};
//!
//! let torrent = TorrentBuilder::new(16 * 1024)?.single_file("a.bin", &[7; 20_000])?;
//! let info = torrent.info();
//! let mut storage = MemoryStorage::new(info)?;
//! assert!(!piece_is_intact(&mut storage, info, 1)?);
//! storage.write(16 * 1024, &[7; 20_000 - 16 * 1024])?;
//! assert!(piece_is_intact(&mut storage, info, 1)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod file;
mod memory;

pub use file::FileStorage;
pub use memory::MemoryStorage;

use crate::error::StorageError;
use crate::metainfo::Info;

/// Byte-addressed access to a torrent's content.
pub trait Storage {
    /// Writes `data` at byte `offset` of the content.
    ///
    /// # Errors
    /// [`StorageError::OutOfRange`] past the end of the content, or the
    /// backend's own failure.
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), StorageError>;

    /// Fills `buf` from byte `offset` of the content. Bytes never written
    /// read as zero.
    ///
    /// # Errors
    /// [`StorageError::OutOfRange`] past the end of the content, or the
    /// backend's own failure.
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError>;
}

/// Whether piece `index` in `storage` hashes to its SHA-1 in `info`: the
/// recheck a client runs before seeding files it already has.
///
/// # Errors
/// [`StorageError::OutOfRange`] for an index past the last piece, or the
/// storage's failure.
pub fn piece_is_intact(
    storage: &mut impl Storage,
    info: &Info,
    index: u32,
) -> Result<bool, StorageError> {
    let (Some(range), Some(expected)) = (info.piece_range(index), info.piece_hash(index)) else {
        return Err(StorageError::OutOfRange {
            offset: u64::from(index) * u64::from(info.piece_length()),
            len: 0,
            total: info.total_length(),
        });
    };
    let mut piece = vec![0; (range.end - range.start) as usize];
    storage.read(range.start, &mut piece)?;
    Ok(crate::metainfo::sha1(&piece) == *expected)
}

/// Checks that `len` bytes at `offset` lie within `total`.
fn check_range(offset: u64, len: usize, total: u64) -> Result<(), StorageError> {
    let end = offset.checked_add(len as u64);
    if end.is_none_or(|end| end > total) {
        return Err(StorageError::OutOfRange { offset, len, total });
    }
    Ok(())
}
