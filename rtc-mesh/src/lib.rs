#![doc = include_str!("../README.md")]

mod error;
pub mod frame;
mod hex;
pub mod link;
pub mod memory;
mod peer_id;
pub mod signal;

pub use error::{Error, FrameError, JsonError, LinkError, SignalError};
pub use peer_id::{PEER_ID_LEN, PeerId};
