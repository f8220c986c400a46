//! What the driver reports while it runs.

use std::io;

use crate::Error;
use crate::session::{Event, PeerKey};

/// One thing that happened in a driven swarm.
#[derive(Debug)]
#[non_exhaustive]
pub enum DriverEvent {
    /// Something the swarm engine reports.
    Swarm(Event),
    /// A connection closed; the engine has forgotten it.
    Closed {
        /// The connection.
        peer: PeerKey,
        /// Why.
        reason: CloseReason,
    },
}

/// Why a connection closed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CloseReason {
    /// The engine dropped the peer: it broke the protocol, was banned or
    /// went idle.
    Engine(Error),
    /// Reading or writing the stream failed.
    Io(io::Error),
    /// The peer closed the stream.
    Eof,
}
