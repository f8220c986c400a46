#![doc = include_str!("../README.md")]

pub mod cell;
pub mod circuit;
mod codec;
pub mod crypto;
pub mod directory;
mod error;
pub mod flow;
pub mod handshake;
mod identity;
mod link;
pub mod relay;
pub mod relay_msg;
#[cfg(feature = "sim")]
pub mod sim;

pub use cell::{
    CELL_BODY_LEN, CELL_LEN, Cell, CellCommand, CircId, CircIdSpace, CreateBody, CreatedBody,
    DestroyBody, DestroyReason,
};
pub use error::{CellError, CircuitError, CryptoError, Error, Limit, RelayMessageError, Truncated};
pub use error::{DescriptorError, DescriptorList, PathError};
pub use error::{HandshakeError, NoiseError};
pub use handshake::{ClientHandshake, OnionKeyring, OnionSecret};
pub use identity::{KEY_LEN, OnionKey, RelayId};
pub use link::{LinkId, Output};
pub use relay_msg::{
    EndReason, MAX_RELAY_DATA, RelayCommand, RelayMessage, ServiceCommand, StreamId, Target,
};
