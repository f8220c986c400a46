//! Content in the torrent's own files under a download directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{Storage, check_range};
use crate::error::StorageError;
use crate::metainfo::{FileEntry, Info};

/// The files of a torrent under a download directory.
///
/// Every path comes from a validated [`crate::metainfo::FilePath`], so none
/// climbs out of the directory; and no file or directory on the way may be
/// a symbolic link, so a link planted in the directory cannot redirect a
/// write either. Files are created, empty, when the storage is; a read of
/// bytes never written returns zeros.
#[derive(Debug)]
pub struct FileStorage {
    files: Vec<(PathBuf, FileEntry)>,
    total: u64,
}

impl FileStorage {
    /// Creates the directories and files of `info` under `root` (which must
    /// exist), keeping what they already hold.
    ///
    /// # Errors
    /// [`StorageError::Symlink`] for a link where a file or directory goes,
    /// or the file system's refusal.
    pub fn create(root: &Path, info: &Info) -> Result<Self, StorageError> {
        let mut files = Vec::with_capacity(info.files().len());
        for entry in info.files() {
            let mut path = root.to_path_buf();
            let components: Vec<&str> = entry.path.components().collect();
            let (file_name, directories) = components
                .split_last()
                .expect("a FilePath has at least one component");
            for directory in directories {
                path.push(directory);
                match fs::symlink_metadata(&path) {
                    Ok(metadata) if metadata.file_type().is_symlink() => {
                        return Err(StorageError::Symlink { path });
                    }
                    Ok(_) => {}
                    Err(error) if error.kind() == io::ErrorKind::NotFound => {
                        fs::create_dir(&path).map_err(io_error(&path))?;
                    }
                    Err(error) => return Err(io_error(&path)(error)),
                }
            }
            path.push(file_name);
            if fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.file_type().is_symlink()) {
                return Err(StorageError::Symlink { path });
            }
            let file = open(&path)?;
            // A file longer than the torrent says is cut back to its size.
            let on_disk = file.metadata().map_err(io_error(&path))?.len();
            if on_disk > entry.length {
                file.set_len(entry.length).map_err(io_error(&path))?;
            }
            files.push((path, entry.clone()));
        }
        Ok(Self {
            files,
            total: info.total_length(),
        })
    }

    /// Runs `io` on each part of `offset..offset + len` that falls in one
    /// file: the open file, the offset inside it, and the part's position
    /// in the caller's buffer. Files are opened per call, which keeps the
    /// number of open descriptors at one whatever the torrent's file count.
    fn each_span(
        &self,
        offset: u64,
        len: usize,
        mut io: impl FnMut(&mut File, u64, core::ops::Range<usize>) -> io::Result<()>,
    ) -> Result<(), StorageError> {
        check_range(offset, len, self.total)?;
        let end = offset + len as u64;
        // Files are in content order, so the first one that ends after
        // `offset` is where the range starts.
        let first = self
            .files
            .partition_point(|(_, entry)| entry.offset + entry.length <= offset);
        for (path, entry) in &self.files[first..] {
            if entry.offset >= end {
                break;
            }
            let start = offset.max(entry.offset);
            let stop = end.min(entry.offset + entry.length);
            if start == stop {
                continue;
            }
            let buffer = (start - offset) as usize..(stop - offset) as usize;
            let mut file = open(path)?;
            io(&mut file, start - entry.offset, buffer).map_err(io_error(path))?;
        }
        Ok(())
    }
}

impl Storage for FileStorage {
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        self.each_span(offset, data.len(), |file, at, span| {
            file.seek(SeekFrom::Start(at))?;
            file.write_all(&data[span])
        })
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        self.each_span(offset, buf.len(), |file, at, span| {
            let target = &mut buf[span];
            file.seek(SeekFrom::Start(at))?;
            // Past the end of what was written so far reads as zeros.
            let mut filled = 0;
            while filled < target.len() {
                match file.read(&mut target[filled..])? {
                    0 => break,
                    read => filled += read,
                }
            }
            target[filled..].fill(0);
            Ok(())
        })
    }
}

fn open(path: &Path) -> Result<File, StorageError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io_error(path))
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_owned(),
        source,
    }
}
