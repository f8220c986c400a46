//! File paths inside a torrent, validated so that joining one onto a target
//! directory can never leave it.

use core::fmt;
use std::path::PathBuf;

use crate::error::PathProblem;

/// A relative file path made of validated components.
///
/// Every component is non-empty UTF-8, neither `.` nor `..`, and free of
/// `/`, `\` and NUL, so [`FilePath::to_path_buf`] is always a relative path
/// below whatever directory it is joined to, on every platform.
///
/// ```
/// use torrent_wire::metainfo::FilePath;
///
/// let path = FilePath::new(["album", "01 intro.flac"])?;
/// assert_eq!(path.to_string(), "album/01 intro.flac");
/// assert!(FilePath::new(["..", "etc", "passwd"]).is_err());
/// assert!(FilePath::new(["/etc/passwd"]).is_err());
/// # Ok::<(), torrent_wire::PathProblem>(())
/// ```
///
/// Held as one string with `/` between components (no component contains
/// one), so a torrent's file list costs one allocation per file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilePath(String);

/// Separates components inside [`FilePath`]'s string.
const SEPARATOR: char = '/';

impl FilePath {
    /// A path from its components, each checked.
    ///
    /// # Errors
    /// The first component that is empty, `.`, `..`, or contains a separator
    /// or NUL; or [`PathProblem::NoComponents`].
    pub fn new<S: AsRef<str>>(
        components: impl IntoIterator<Item = S>,
    ) -> Result<Self, PathProblem> {
        let mut path = String::new();
        for (index, component) in components.into_iter().enumerate() {
            push(&mut path, component.as_ref().as_bytes(), index)?;
        }
        Self::nonempty(path)
    }

    /// A path from raw bencoded components.
    pub(crate) fn from_raw<'a>(
        components: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, PathProblem> {
        let mut path = String::new();
        for (index, raw) in components.into_iter().enumerate() {
            push(&mut path, raw, index)?;
        }
        Self::nonempty(path)
    }

    fn nonempty(path: String) -> Result<Self, PathProblem> {
        if path.is_empty() {
            return Err(PathProblem::NoComponents);
        }
        Ok(Self(path))
    }

    /// The components, outermost first.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split(SEPARATOR)
    }

    /// The path for the local file system, relative.
    pub fn to_path_buf(&self) -> PathBuf {
        self.components().collect()
    }

    /// `self` followed by the components of `other`.
    pub(crate) fn join(&self, other: &FilePath) -> FilePath {
        FilePath(format!("{}{SEPARATOR}{}", self.0, other.0))
    }

    /// A copy of `self` with room for `more` bytes of further components
    /// (their separators included).
    pub(crate) fn with_room(&self, more: usize) -> FilePath {
        let mut path = String::with_capacity(self.0.len() + more);
        path.push_str(&self.0);
        FilePath(path)
    }

    /// Appends raw component `index` of a path being read.
    pub(crate) fn push_raw(&mut self, raw: &[u8], index: usize) -> Result<(), PathProblem> {
        push(&mut self.0, raw, index)
    }

    /// Whether `self` is `other` or a directory that contains it.
    pub(crate) fn is_prefix_of(&self, other: &FilePath) -> bool {
        other
            .0
            .strip_prefix(&self.0)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(SEPARATOR))
    }

    /// The bytes with each separator as NUL, which no component holds:
    /// comparing these compares the paths component by component.
    fn order_key(&self) -> impl Iterator<Item = u8> {
        self.0
            .bytes()
            .map(|byte| if byte == SEPARATOR as u8 { 0 } else { byte })
    }
}

/// Component by component, as the list of components would compare: a
/// directory sorts right before what it contains.
impl Ord for FilePath {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.order_key().cmp(other.order_key())
    }
}

impl PartialOrd for FilePath {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Checks `raw` as component `index` and appends it to `path`.
fn push(path: &mut String, raw: &[u8], index: usize) -> Result<(), PathProblem> {
    check_component(raw, index)?;
    let text = core::str::from_utf8(raw).map_err(|_| PathProblem::NotUtf8 { index })?;
    if !path.is_empty() {
        path.push(SEPARATOR);
    }
    path.push_str(text);
    Ok(())
}

fn check_component(component: &[u8], index: usize) -> Result<(), PathProblem> {
    match component {
        [] => Err(PathProblem::EmptyComponent { index }),
        b"." | b".." => Err(PathProblem::DotComponent { index }),
        _ if component
            .iter()
            .any(|&byte| matches!(byte, b'/' | b'\\' | 0)) =>
        {
            Err(PathProblem::Separator { index })
        }
        _ => Ok(()),
    }
}

impl fmt::Display for FilePath {
    /// The components joined with `/`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
