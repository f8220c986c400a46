//! The sans-IO swarm engine: a [`Swarm`] runs every peer connection of a
//! torrent over a [`crate::storage::Storage`], with the [`PiecePicker`]
//! choosing blocks and [`PieceSet`]s recording who has what.
//!
//! The engine reads no clock and opens no socket. The driver contract,
//! as in quinn-proto and str0m: after every call that takes input
//! ([`Swarm::add_peer`], [`Swarm::handle_input`], [`Swarm::handle_timeout`],
//! [`Swarm::remove_peer`], [`Swarm::attach_storage`]), drain
//! [`Swarm::poll_output`] until it returns `None`, then sleep until
//! [`Swarm::poll_timeout`] or the next input.

mod config;
mod event;
mod metadata;
mod peer;
mod picker;
mod piece_set;
mod swarm;
mod verify;

pub use config::SwarmConfig;
pub use event::{Event, Output, PeerKey};
pub use picker::{BLOCK_LEN, Block, BlockOutcome, PiecePicker};
pub use piece_set::PieceSet;
pub use swarm::Swarm;
