//! Content held in memory, for tests and for small torrents.

use super::{Storage, check_range};
use crate::error::StorageError;
use crate::metainfo::Info;

/// A torrent's content in one buffer, zero until written.
#[derive(Debug, Clone)]
pub struct MemoryStorage {
    content: Vec<u8>,
}

impl MemoryStorage {
    /// Room for all of `info`'s content.
    ///
    /// # Errors
    /// [`StorageError::TooLarge`] if the content does not fit in memory.
    pub fn new(info: &Info) -> Result<Self, StorageError> {
        let total = info.total_length();
        let too_large = || StorageError::TooLarge { total };
        let len = usize::try_from(total).map_err(|_| too_large())?;
        let mut content = Vec::new();
        content.try_reserve_exact(len).map_err(|_| too_large())?;
        content.resize(len, 0);
        Ok(Self { content })
    }

    /// Storage that already holds `content` (a seed).
    ///
    /// # Errors
    /// [`StorageError::OutOfRange`] unless `content` is exactly as long as
    /// `info` says.
    pub fn with_content(info: &Info, content: Vec<u8>) -> Result<Self, StorageError> {
        if content.len() as u64 != info.total_length() {
            return Err(StorageError::OutOfRange {
                offset: 0,
                len: content.len(),
                total: info.total_length(),
            });
        }
        Ok(Self { content })
    }

    /// The whole content.
    pub fn content(&self) -> &[u8] {
        &self.content
    }
}

impl Storage for MemoryStorage {
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        check_range(offset, data.len(), self.content.len() as u64)?;
        let start = offset as usize;
        self.content[start..start + data.len()].copy_from_slice(data);
        Ok(())
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        check_range(offset, buf.len(), self.content.len() as u64)?;
        let start = offset as usize;
        buf.copy_from_slice(&self.content[start..start + buf.len()]);
        Ok(())
    }
}
