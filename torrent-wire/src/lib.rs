#![doc = include_str!("../README.md")]

mod id;

pub use id::{InfoHash, PeerId};
