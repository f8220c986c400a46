#![doc = include_str!("../README.md")]

pub mod bencode;
mod error;
mod id;

pub use error::{BencodeError, Error, FieldError, FieldProblem};
pub use id::{InfoHash, PeerId};

#[cfg(fuzzing)]
pub mod fuzzing;
