//! What a swarm engine hands back to its driver.

use std::net::SocketAddr;

use bytes::Bytes;

use crate::metainfo::Info;
use crate::{Error, PeerId};

/// A connection the engine knows, named by the driver's
/// [`super::Swarm::add_peer`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerKey(pub(crate) u64);

/// One thing for the driver to do.
#[derive(Debug)]
pub enum Output {
    /// Send `data` to `peer`, in order after earlier transmits.
    Transmit {
        /// The connection.
        peer: PeerKey,
        /// Bytes for its stream.
        data: Bytes,
    },
    /// Close the connection to `peer`; the engine has already forgotten it.
    Disconnect {
        /// The connection.
        peer: PeerKey,
        /// Why.
        reason: Error,
    },
    /// Something happened.
    Event(Event),
    /// The torrent cannot go on: storage refused a write.
    Failed(Error),
}

/// What happened in the swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A peer finished its handshake.
    PeerConnected {
        /// The connection.
        peer: PeerKey,
        /// Its peer id.
        id: PeerId,
    },
    /// A piece hashed right and was written to storage.
    PieceVerified(u32),
    /// A piece hashed wrong; its blocks are downloaded again.
    PieceFailed(u32),
    /// A peer sent data that failed verification and is banned.
    PeerBanned {
        /// The connection, now closed.
        peer: PeerKey,
        /// Its peer id, refused from now on.
        id: PeerId,
    },
    /// Every piece is verified.
    Complete,
    /// The info dictionary of a magnet download arrived and matches the
    /// info-hash; attach storage with [`super::Swarm::attach_storage`].
    MetadataReady(Box<Info>),
    /// Peers learnt over ut_pex, for the driver to dial if it wishes.
    PeersDiscovered(Vec<SocketAddr>),
}

impl From<Event> for Output {
    fn from(event: Event) -> Self {
        Self::Event(event)
    }
}
