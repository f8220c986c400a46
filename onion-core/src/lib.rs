#![doc = include_str!("../README.md")]

pub mod cell;
mod codec;
pub mod crypto;
mod error;
mod identity;
pub mod relay_msg;

pub use cell::{
    CELL_BODY_LEN, CELL_LEN, Cell, CellCommand, CircId, CircIdSpace, CreateBody, CreatedBody,
    DestroyBody, DestroyReason,
};
pub use error::{CellError, CryptoError, Error, RelayMessageError, Truncated};
pub use identity::{KEY_LEN, OnionKey, RelayId};
pub use relay_msg::{
    EndReason, MAX_RELAY_DATA, RelayCommand, RelayMessage, ServiceCommand, StreamId, Target,
};
