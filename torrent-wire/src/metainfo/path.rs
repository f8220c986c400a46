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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FilePath(Vec<String>);

impl FilePath {
    /// A path from its components, each checked.
    ///
    /// # Errors
    /// The first component that is empty, `.`, `..`, or contains a separator
    /// or NUL; or [`PathProblem::NoComponents`].
    pub fn new<S: Into<String>>(
        components: impl IntoIterator<Item = S>,
    ) -> Result<Self, PathProblem> {
        let components: Vec<String> = components.into_iter().map(Into::into).collect();
        for (index, component) in components.iter().enumerate() {
            check_component(component.as_bytes(), index)?;
        }
        if components.is_empty() {
            return Err(PathProblem::NoComponents);
        }
        Ok(Self(components))
    }

    /// A path from raw bencoded components.
    pub(crate) fn from_raw<'a>(
        components: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, PathProblem> {
        let mut checked = Vec::new();
        for (index, raw) in components.into_iter().enumerate() {
            check_component(raw, index)?;
            let text = core::str::from_utf8(raw).map_err(|_| PathProblem::NotUtf8 { index })?;
            checked.push(text.to_owned());
        }
        if checked.is_empty() {
            return Err(PathProblem::NoComponents);
        }
        Ok(Self(checked))
    }

    /// The components, outermost first.
    pub fn components(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The path for the local file system, relative.
    pub fn to_path_buf(&self) -> PathBuf {
        self.0.iter().collect()
    }

    /// `self` followed by the components of `other`.
    pub(crate) fn join(&self, other: &FilePath) -> FilePath {
        FilePath(self.0.iter().chain(&other.0).cloned().collect())
    }

    /// Whether `self` is `other` or a directory that contains it.
    pub(crate) fn is_prefix_of(&self, other: &FilePath) -> bool {
        other.0.starts_with(&self.0)
    }
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
        f.write_str(&self.0.join("/"))
    }
}
