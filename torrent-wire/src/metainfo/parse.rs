//! Decoding and validating metainfo.

use bytes::Bytes;

use super::{
    FileEntry, FilePath, Info, InfoFields, MAX_PIECE_LENGTH, MIN_PIECE_LENGTH, Metainfo, sha1,
};
use crate::InfoHash;
use crate::bencode::{self, Dict, Limits, List};
use crate::error::{FieldError, FieldProblem, MetainfoError, PathProblem};

impl Metainfo {
    /// Parses and validates a `.torrent` file, copying it once; see
    /// [`Metainfo::from_shared`] to parse without copying.
    ///
    /// # Errors
    /// The first reason the input is not canonical bencode within
    /// [`Limits::METAINFO`] or not a valid v1 torrent.
    pub fn from_bytes(input: &[u8]) -> Result<Self, MetainfoError> {
        Self::from_shared(Bytes::copy_from_slice(input))
    }

    /// Parses and validates a `.torrent` file held in `input`, which the
    /// result keeps slices of instead of copying.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use torrent_wire::metainfo::{Metainfo, TorrentBuilder};
    ///
    /// let torrent = TorrentBuilder::new(16 * 1024)?.single_file("a", &[1; 40_000])?;
    /// let file = Bytes::from(torrent.to_bytes());
    /// let parsed = Metainfo::from_shared(file.clone())?;
    /// assert_eq!(parsed.info_hash(), torrent.info_hash());
    /// // The info dictionary is a view into `file`, not a copy.
    /// assert!(file.as_ptr_range().contains(&parsed.info().as_bytes().as_ptr()));
    /// # Ok::<(), torrent_wire::MetainfoError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Metainfo::from_bytes`].
    pub fn from_shared(input: Bytes) -> Result<Self, MetainfoError> {
        let document = bencode::decode(&input, &Limits::METAINFO)?;
        let root = document
            .root()
            .as_dict()
            .ok_or(MetainfoError::NotADictionary)?;
        let info = Info::from_dict(root.dict("info")?.required()?, &input)?;
        Ok(Self {
            info,
            announce: owned(root.str("announce")?.optional()),
            announce_list: tiers(root)?,
            web_seeds: web_seeds(root)?,
            comment: owned(root.str("comment")?.optional()),
            created_by: owned(root.str("created by")?.optional()),
            creation_date: root.int("creation date")?.optional(),
        })
    }
}

impl Info {
    /// Parses and validates a bencoded info dictionary on its own, as
    /// received over ut_metadata.
    ///
    /// # Errors
    /// As [`Metainfo::from_bytes`].
    pub fn from_bytes(input: &[u8]) -> Result<Self, MetainfoError> {
        Self::from_shared(Bytes::copy_from_slice(input))
    }

    /// [`Info::from_bytes`] without copying `input`.
    ///
    /// # Errors
    /// As [`Metainfo::from_bytes`].
    pub fn from_shared(input: Bytes) -> Result<Self, MetainfoError> {
        let document = bencode::decode(&input, &Limits::METAINFO)?;
        let dict = document
            .root()
            .as_dict()
            .ok_or(MetainfoError::NotADictionary)?;
        Self::from_dict(dict, &input)
    }

    /// [`Info::from_bytes`], after checking that `input` hashes to
    /// `expected` — the check a magnet-link download must make.
    ///
    /// # Errors
    /// [`MetainfoError::InfoHashMismatch`], or as [`Info::from_bytes`].
    pub fn from_bytes_verified(input: &[u8], expected: InfoHash) -> Result<Self, MetainfoError> {
        let actual = InfoHash(sha1(input));
        if actual != expected {
            return Err(MetainfoError::InfoHashMismatch {
                expected: expected.to_hex(),
                actual: actual.to_hex(),
            });
        }
        let info = Self::from_bytes(input)?;
        // The hash of the bytes just checked; no need to hash them again.
        let _ = info.info_hash.set(actual);
        Ok(info)
    }

    /// The info dictionary `dict`, decoded from `source`.
    fn from_dict(dict: Dict<'_, '_>, source: &Bytes) -> Result<Self, MetainfoError> {
        let name = dict.bytes("name")?.required()?;
        let name = FilePath::from_raw([name]).map_err(MetainfoError::Name)?;
        let piece_length = piece_length(dict.int("piece length")?.required()?)?;
        let pieces = dict.bytes("pieces")?.required()?;
        if pieces.len() % 20 != 0 {
            return Err(MetainfoError::PiecesNotHashes { len: pieces.len() });
        }
        let private = match dict.int("private")?.optional() {
            None | Some(0) => false,
            Some(1) => true,
            Some(_) => return Err(FieldError::new("private", FieldProblem::OutOfRange).into()),
        };
        let (files, multi_file) = match (
            dict.uint::<u64>("length")?.optional(),
            dict.list("files")?.optional(),
        ) {
            (Some(length), None) => (vec![(name.clone(), length)], false),
            (None, Some(files)) => (file_list(&name, files)?, true),
            _ => return Err(MetainfoError::AmbiguousLayout),
        };
        let (files, total_length) = lay_out(files)?;
        check_piece_count(total_length, piece_length, pieces.len() / 20)?;
        // Both slices borrow from `source`: `bencode::decode` copies nothing.
        let fields = InfoFields {
            name: name.to_string(),
            piece_length,
            pieces: source.slice_ref(pieces),
            files,
            multi_file,
            private,
            total_length,
        };
        Ok(Self::seal(fields, source.slice_ref(dict.raw())))
    }
}

pub(super) fn piece_length(value: i64) -> Result<u32, MetainfoError> {
    u32::try_from(value)
        .ok()
        .filter(|length| {
            length.is_power_of_two() && (MIN_PIECE_LENGTH..=MAX_PIECE_LENGTH).contains(length)
        })
        .ok_or(MetainfoError::PieceLength {
            value,
            min: MIN_PIECE_LENGTH,
            max: MAX_PIECE_LENGTH,
        })
}

/// The `files` list of a multi-file torrent, each path under `name`.
fn file_list(name: &FilePath, files: List<'_, '_>) -> Result<Vec<(FilePath, u64)>, MetainfoError> {
    if files.is_empty() {
        return Err(MetainfoError::NoFiles);
    }
    let not_dicts = FieldError::new(
        "files",
        FieldProblem::WrongType {
            expected: "a list of dictionaries",
        },
    );
    let not_strings = FieldError::new(
        "path",
        FieldProblem::WrongType {
            expected: "a list of strings",
        },
    );
    files
        .iter()
        .enumerate()
        .map(|(file, entry)| {
            let entry = entry.as_dict().ok_or(not_dicts.clone())?;
            let length = entry.uint::<u64>("length")?.required()?;
            let components = entry.list("path")?.required()?;
            let path_problem = |problem| MetainfoError::Path { file, problem };
            if components.is_empty() {
                return Err(path_problem(PathProblem::NoComponents));
            }
            // A component's span, `<len>:<bytes>`, outgrows the component
            // and its separator.
            let mut path = name.with_room(components.iter().map(|c| c.raw().len()).sum());
            for (index, component) in components.iter().enumerate() {
                let raw = component.as_bytes().ok_or(not_strings.clone())?;
                path.push_raw(raw, index).map_err(path_problem)?;
            }
            Ok((path, length))
        })
        .collect()
}

/// Gives each file its content offset, checks the total and that no two
/// paths collide.
pub(super) fn lay_out(files: Vec<(FilePath, u64)>) -> Result<(Vec<FileEntry>, u64), MetainfoError> {
    let mut offset = 0u64;
    let mut entries = Vec::with_capacity(files.len());
    for (path, length) in files {
        entries.push(FileEntry {
            path,
            length,
            offset,
        });
        offset = offset
            .checked_add(length)
            .ok_or(MetainfoError::LengthOverflow)?;
    }
    if offset == 0 {
        return Err(MetainfoError::Empty);
    }
    // Bencode integers are `i64`; a larger total could not be written back.
    if i64::try_from(offset).is_err() {
        return Err(MetainfoError::LengthOverflow);
    }
    check_collisions(&entries)?;
    Ok((entries, offset))
}

/// In sorted order every path that a path is a prefix of follows it
/// directly, so comparing neighbours finds every collision.
fn check_collisions(files: &[FileEntry]) -> Result<(), MetainfoError> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    // Torrent makers list files sorted; then the sort is one pass.
    order.sort_by(|&a, &b| files[a].path.cmp(&files[b].path).then(a.cmp(&b)));
    for pair in order.windows(2) {
        let (first, second) = (pair[0], pair[1]);
        if files[first].path.is_prefix_of(&files[second].path) {
            return Err(MetainfoError::PathCollision {
                file: first.max(second),
                other: first.min(second),
            });
        }
    }
    Ok(())
}

pub(super) fn check_piece_count(
    total_length: u64,
    piece_length: u32,
    actual: usize,
) -> Result<(), MetainfoError> {
    let expected = total_length.div_ceil(u64::from(piece_length));
    if u64::try_from(actual).ok() != Some(expected) || u32::try_from(actual).is_err() {
        return Err(MetainfoError::PieceCount { expected, actual });
    }
    Ok(())
}

fn owned(text: Option<&str>) -> Option<String> {
    text.map(str::to_owned)
}

/// `announce-list`: a list of tiers, each a list of URLs.
fn tiers(root: Dict<'_, '_>) -> Result<Vec<Vec<String>>, FieldError> {
    let Some(tiers) = root.list("announce-list")?.optional() else {
        return Ok(Vec::new());
    };
    let malformed = FieldError::new(
        "announce-list",
        FieldProblem::WrongType {
            expected: "a list of lists of UTF-8 strings",
        },
    );
    tiers
        .iter()
        .map(|tier| {
            let tier = tier.as_list().ok_or(malformed.clone())?;
            strings(tier).ok_or(malformed.clone())
        })
        .collect()
}

/// `url-list`: one URL or a list of them (BEP 19).
fn web_seeds(root: Dict<'_, '_>) -> Result<Vec<String>, FieldError> {
    let malformed = FieldError::new(
        "url-list",
        FieldProblem::WrongType {
            expected: "a UTF-8 string or a list of them",
        },
    );
    let Some(value) = root.get(b"url-list") else {
        return Ok(Vec::new());
    };
    if let Some(list) = value.as_list() {
        return strings(list).ok_or(malformed);
    }
    let url = value
        .as_bytes()
        .and_then(|bytes| core::str::from_utf8(bytes).ok());
    url.map(|url| vec![url.to_owned()]).ok_or(malformed)
}

fn strings(list: List<'_, '_>) -> Option<Vec<String>> {
    list.iter()
        .map(|item| {
            let bytes = item.as_bytes()?;
            core::str::from_utf8(bytes).ok().map(str::to_owned)
        })
        .collect()
}
