#![doc = include_str!("../README.md")]

pub mod bencode;
mod error;
mod id;
pub mod magnet;
pub mod metainfo;
pub mod session;
pub mod storage;
pub mod tracker;

pub use error::{BencodeError, Error, FieldError, FieldProblem};
pub use error::{
    CreateError, MagnetError, MetainfoError, PathProblem, SessionError, StorageError, TrackerError,
};
pub use id::{InfoHash, PeerId};

#[cfg(fuzzing)]
pub mod fuzzing;
