//! Creating torrents: laying files out and hashing their pieces.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

use super::parse::{lay_out, piece_length};
use super::{FilePath, Info, InfoFields, MAX_PIECE_LENGTH, MIN_PIECE_LENGTH, Metainfo};
use crate::error::{CreateError, MetainfoError};

/// Builds a [`Metainfo`] from content in memory or on disk.
///
/// Files of a directory are ordered by name, byte-wise, at every level, so
/// the same tree always gives the same info-hash.
///
/// ```
/// use torrent_wire::metainfo::{FilePath, TorrentBuilder};
///
/// let torrent = TorrentBuilder::new(32 * 1024)?
///     .comment("two files")
///     .multi_file(
///         "album",
///         &[
///             (FilePath::new(["a.txt"])?, &b"first"[..]),
///             (FilePath::new(["disc 2", "b.txt"])?, &b"second"[..]),
///         ],
///     )?;
/// let files = torrent.info().files();
/// assert_eq!(files[1].path.to_string(), "album/disc 2/b.txt");
/// assert_eq!(files[1].offset, 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TorrentBuilder {
    piece_length: u32,
    private: bool,
    announce_list: Vec<Vec<String>>,
    web_seeds: Vec<String>,
    comment: Option<String>,
    created_by: Option<String>,
    creation_date: Option<i64>,
}

impl TorrentBuilder {
    /// A builder for torrents with `piece_length`-byte pieces.
    ///
    /// # Errors
    /// [`MetainfoError::PieceLength`] unless `piece_length` is a power of
    /// two from [`MIN_PIECE_LENGTH`] to [`MAX_PIECE_LENGTH`].
    pub fn new(piece_length: u32) -> Result<Self, MetainfoError> {
        Ok(Self {
            piece_length: self::piece_length(i64::from(piece_length))?,
            private: false,
            announce_list: Vec::new(),
            web_seeds: Vec::new(),
            comment: None,
            created_by: None,
            creation_date: None,
        })
    }

    /// Adds a tracker in a tier of its own; the first becomes `announce`.
    pub fn tracker(self, url: impl Into<String>) -> Self {
        self.tracker_tier([url])
    }

    /// Adds a tier of trackers (BEP 12).
    pub fn tracker_tier<S: Into<String>>(mut self, urls: impl IntoIterator<Item = S>) -> Self {
        self.announce_list
            .push(urls.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a web seed (BEP 19).
    pub fn web_seed(mut self, url: impl Into<String>) -> Self {
        self.web_seeds.push(url.into());
        self
    }

    /// Sets `comment`.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Sets `created by`.
    pub fn created_by(mut self, program: impl Into<String>) -> Self {
        self.created_by = Some(program.into());
        self
    }

    /// Sets `creation date`, seconds since the Unix epoch.
    pub fn creation_date(mut self, seconds: i64) -> Self {
        self.creation_date = Some(seconds);
        self
    }

    /// Sets the `private` flag (BEP 27).
    pub fn private(mut self, private: bool) -> Self {
        self.private = private;
        self
    }

    /// A single-file torrent of `data`.
    ///
    /// # Errors
    /// An unsafe `name` or empty `data`.
    pub fn single_file(self, name: &str, data: &[u8]) -> Result<Metainfo, MetainfoError> {
        let path = FilePath::new([name]).map_err(MetainfoError::Name)?;
        let mut hasher = PieceHasher::new(self.piece_length);
        hasher.update(data);
        self.finish(path.clone(), vec![(path, len(data))], false, hasher)
    }

    /// A multi-file torrent named `name`, of `files` in the order given.
    ///
    /// # Errors
    /// An unsafe `name`, colliding paths or empty content.
    pub fn multi_file(
        self,
        name: &str,
        files: &[(FilePath, &[u8])],
    ) -> Result<Metainfo, MetainfoError> {
        let name = FilePath::new([name]).map_err(MetainfoError::Name)?;
        let mut hasher = PieceHasher::new(self.piece_length);
        let mut layout = Vec::with_capacity(files.len());
        for (path, data) in files {
            hasher.update(data);
            layout.push((name.join(path), len(data)));
        }
        self.finish(name, layout, true, hasher)
    }

    /// A torrent of the file or directory at `path`, streamed from disk.
    /// A directory becomes a multi-file torrent named after it.
    ///
    /// # Errors
    /// Unreadable or non-regular entries, names that are not UTF-8 or not
    /// safe, a file that changes while it is hashed, or empty content.
    pub fn from_path(self, path: &Path) -> Result<Metainfo, CreateError> {
        let root = fs::canonicalize(path).map_err(io_error(path))?;
        let name = root
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or_else(|| CreateError::NotUtf8 { path: root.clone() })?;
        let name = FilePath::new([name]).map_err(MetainfoError::Name)?;
        let metadata = fs::symlink_metadata(&root).map_err(io_error(&root))?;
        let multi_file = metadata.is_dir();
        let mut files = Vec::new();
        if multi_file {
            walk(&root, &name, &mut files)?;
        } else if metadata.is_file() {
            files.push((root.clone(), name.clone(), metadata.len()));
        } else {
            return Err(CreateError::NotARegularFile { path: root });
        }
        let mut hasher = PieceHasher::new(self.piece_length);
        let mut buffer = vec![0; READ_BUFFER_LEN];
        for (path, _, length) in &files {
            hash_file(path, *length, &mut hasher, &mut buffer)?;
        }
        let layout = files.into_iter().map(|(_, path, length)| (path, length));
        Ok(self.finish(name, layout.collect(), multi_file, hasher)?)
    }

    fn finish(
        self,
        name: FilePath,
        layout: Vec<(FilePath, u64)>,
        multi_file: bool,
        hasher: PieceHasher,
    ) -> Result<Metainfo, MetainfoError> {
        let (files, total_length) = lay_out(layout)?;
        let pieces = hasher.finish();
        super::parse::check_piece_count(total_length, self.piece_length, pieces.len())?;
        let info = Info::encode_new(InfoFields {
            name: name.to_string(),
            piece_length: self.piece_length,
            pieces: pieces.as_flattened().to_vec().into(),
            files,
            multi_file,
            private: self.private,
            total_length,
        });
        Ok(Metainfo {
            info,
            announce: self.announce_list.iter().flatten().next().cloned(),
            announce_list: self.announce_list,
            web_seeds: self.web_seeds,
            comment: self.comment,
            created_by: self.created_by,
            creation_date: self.creation_date,
        })
    }
}

/// A piece length that gives a torrent of `total_length` bytes between
/// about 1,000 and 2,000 pieces, within the accepted range.
///
/// ```
/// use torrent_wire::metainfo::suggested_piece_length;
///
/// assert_eq!(suggested_piece_length(1 << 20), 16 * 1024);
/// assert_eq!(suggested_piece_length(4 << 30), 4 << 20);
/// ```
pub fn suggested_piece_length(total_length: u64) -> u32 {
    const TARGET_PIECES: u64 = 1024;
    let ideal = (total_length / TARGET_PIECES).max(1).next_power_of_two();
    let clamped = ideal.clamp(u64::from(MIN_PIECE_LENGTH), u64::from(MAX_PIECE_LENGTH));
    u32::try_from(clamped).unwrap_or(MAX_PIECE_LENGTH)
}

/// Large enough to keep SHA-1 fed, small enough to stay in cache.
const READ_BUFFER_LEN: usize = 1 << 20;

/// Hashes a byte stream that runs across file boundaries into pieces.
struct PieceHasher {
    piece_length: usize,
    current: Sha1,
    filled: usize,
    hashes: Vec<[u8; 20]>,
}

impl PieceHasher {
    fn new(piece_length: u32) -> Self {
        Self {
            piece_length: piece_length as usize,
            current: Sha1::new(),
            filled: 0,
            hashes: Vec::new(),
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = data.len().min(self.piece_length - self.filled);
            let (head, rest) = data.split_at(take);
            self.current.update(head);
            self.filled += take;
            if self.filled == self.piece_length {
                self.hashes.push(self.current.finalize_reset().into());
                self.filled = 0;
            }
            data = rest;
        }
    }

    fn finish(mut self) -> Vec<[u8; 20]> {
        if self.filled > 0 {
            self.hashes.push(self.current.finalize().into());
        }
        self.hashes
    }
}

/// Collects the regular files under `dir`, sorted by name at every level,
/// without following symbolic links.
fn walk(
    dir: &Path,
    prefix: &FilePath,
    files: &mut Vec<(PathBuf, FilePath, u64)>,
) -> Result<(), CreateError> {
    let mut entries = fs::read_dir(dir)
        .and_then(|entries| entries.collect::<io::Result<Vec<_>>>())
        .map_err(io_error(dir))?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|_| CreateError::NotUtf8 { path: path.clone() })?;
        let relative =
            prefix.join(
                &FilePath::new([name]).map_err(|problem| MetainfoError::Path {
                    file: files.len(),
                    problem,
                })?,
            );
        let file_type = entry.file_type().map_err(io_error(&path))?;
        if file_type.is_dir() {
            walk(&path, &relative, files)?;
        } else if file_type.is_file() {
            let length = entry.metadata().map_err(io_error(&path))?.len();
            files.push((path, relative, length));
        } else {
            return Err(CreateError::NotARegularFile { path });
        }
    }
    Ok(())
}

/// Feeds exactly `length` bytes of the file at `path` to `hasher`.
fn hash_file(
    path: &Path,
    length: u64,
    hasher: &mut PieceHasher,
    buffer: &mut [u8],
) -> Result<(), CreateError> {
    let file = File::open(path).map_err(io_error(path))?;
    // One byte more than expected reveals a file that grew.
    let mut reader = file.take(length.saturating_add(1));
    let mut read_total = 0u64;
    loop {
        let read = reader.read(buffer).map_err(io_error(path))?;
        if read == 0 {
            break;
        }
        read_total += len(&buffer[..read]);
        if read_total > length {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    if read_total != length {
        return Err(CreateError::Changed {
            path: path.to_owned(),
        });
    }
    Ok(())
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> CreateError + '_ {
    move |source| CreateError::Io {
        path: path.to_owned(),
        source,
    }
}

fn len(data: &[u8]) -> u64 {
    data.len() as u64
}
