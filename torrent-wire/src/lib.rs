#![doc = include_str!("../README.md")]

pub mod bencode;
pub mod codec;
mod compact;
mod error;
mod id;
pub mod magnet;
pub mod message;
pub mod metainfo;
pub mod session;
pub mod storage;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod tracker;

pub use error::{BencodeError, Error, FieldError, FieldProblem};
pub use error::{
    CreateError, ExtensionError, MagnetError, MetainfoError, PathProblem, SessionError,
    StorageError, TrackerError, WireError,
};
pub use id::{InfoHash, PeerId};

#[cfg(fuzzing)]
pub mod fuzzing;
