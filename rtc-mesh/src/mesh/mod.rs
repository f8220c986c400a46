//! [`Mesh`]: one node's links to its neighbours, by peer id, over native
//! WebRTC links set up through a signalling server.
//!
//! - **On demand.** [`Mesh::link`] returns the open link to a peer, joins a
//!   set-up already in progress, or dials one through the signalling
//!   server. Offers from other nodes are answered and their links kept the
//!   same way; a new offer from a peer that already has a link replaces it
//!   (the peer restarted or gave the old link up).
//! - **Routing.** Inbound frames go to one bounded queue per channel in
//!   the [`MeshInbox`]: onion cells, application-stream data, and events.
//!   A full queue stops the links from reading, which pushes back on the
//!   senders instead of dropping messages. Link control (keepalives) stays
//!   inside the mesh.
//! - **Glare.** When two nodes dial each other at once, the lower peer id
//!   keeps its offer and the higher answers it: perfect negotiation with
//!   the roles fixed by id, so the pair agrees without a message and ends
//!   with one link (see `glare.rs`).
//! - **Liveness.** Both ends send a keepalive every
//!   [`MeshConfig::keepalive_interval`]; a link that hears nothing for
//!   [`MeshConfig::dead_after`] is closed as [`CloseCode::DEAD`](crate::link::CloseCode::DEAD).
//!   The signalling connection is probed the same way.
//! - **Reconnection.** A link that the peer did not close on purpose (it
//!   went away, or died) is dialed again with bounded, jittered backoff
//!   ([`MeshConfig::reconnect`]); the signalling connection is dialed again
//!   for as long as the mesh lives, and the node re-registers, so a
//!   restarted server at the same address is picked up. Links stay up
//!   while the signalling connection is away.
//!
//! ```no_run
//! use bytes::Bytes;
//! use ed25519_dalek::SigningKey;
//! use rtc_mesh::mesh::{Mesh, MeshConfig};
//! use rtc_mesh::server::{SignalServer, SignalServerConfig};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server_config = SignalServerConfig::default();
//! let realm = server_config.realm.clone();
//! let server = SignalServer::bind("127.0.0.1:0".parse()?, server_config).await?;
//! let url = format!("ws://{}", server.local_addr());
//!
//! let start = |seed| {
//!     let key = SigningKey::from_bytes(&[seed; 32]);
//!     Mesh::start(&url, key, realm.clone(), MeshConfig::loopback())
//! };
//! let (alice, _alice_inbox) = start(1);
//! let (bob, mut bob_inbox) = start(2);
//! bob.registered().await?;
//!
//! // Alice links to Bob by his id; Bob's mesh answers by itself.
//! let to_bob = alice.link(bob.me()).await?;
//! to_bob.send_onion(Bytes::from_static(&[0; 514])).await?;
//! let cell = bob_inbox.onion.recv().await.ok_or("bob's mesh stopped")?;
//! assert_eq!(cell.from, alice.me());
//! # Ok(())
//! # }
//! ```

mod backoff;
mod config;
mod glare;
mod inbox;
mod link;
mod node;
mod pump;
mod reconnect;
mod set_up;
mod signalling;
mod stats;

use std::sync::Arc;

use ed25519_dalek::SigningKey;

pub use backoff::Backoff;
pub use config::MeshConfig;
pub use inbox::{Direction, MeshEvent, MeshInbox, OnionCell, StreamData};
pub use link::MeshLink;
pub use stats::MeshStats;

use crate::error::MeshError;
use crate::peer_id::PeerId;
use crate::signal::Realm;

/// One node's mesh: its signalling connection and its links by peer id.
/// Dropping it closes every link ([`CloseCode::GOING_AWAY`](crate::link::CloseCode::GOING_AWAY))
/// and the signalling connection.
pub struct Mesh {
    node: Arc<node::Node>,
}

impl Mesh {
    /// Starts a mesh on the current tokio runtime that registers with the
    /// signalling server at `url` (`ws://…`) as `key`'s identity in
    /// `realm`, and returns it with the queues its inbound traffic and
    /// events arrive on. Registration goes on in the background: see
    /// [`registered`](Mesh::registered).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn start(
        url: &str,
        key: SigningKey,
        realm: Realm,
        config: MeshConfig,
    ) -> (Mesh, MeshInbox) {
        let (sinks, inbox) = inbox::Sinks::new(config.inbox_capacity, config.event_capacity);
        let node = Arc::new(node::Node::new(key, url.to_owned(), realm, config, sinks));
        tokio::spawn(signalling::run(Arc::clone(&node)));
        (Mesh { node }, inbox)
    }

    /// This node's peer id.
    pub fn me(&self) -> PeerId {
        self.node.me
    }

    /// Waits until the mesh is registered with the signalling server, at
    /// most [`NativeConfig::connect_timeout`](crate::native::NativeConfig::connect_timeout).
    pub async fn registered(&self) -> Result<(), MeshError> {
        self.node.registered().await
    }

    /// Whether the mesh is registered with the signalling server now.
    pub fn is_registered(&self) -> bool {
        self.node.router.borrow().is_some()
    }

    /// The link to `peer`: the open one, the one being set up (by either
    /// end), or a new one dialed through the signalling server.
    pub async fn link(&self, peer: PeerId) -> Result<MeshLink, MeshError> {
        self.node.link(peer).await
    }

    /// The open link to `peer`, without dialing.
    pub fn existing(&self, peer: &PeerId) -> Option<MeshLink> {
        self.node.existing(peer)
    }

    /// The peers with an open link.
    pub fn neighbours(&self) -> Vec<PeerId> {
        self.node.neighbours()
    }

    /// The mesh's counters.
    pub fn stats(&self) -> MeshStats {
        self.node.counters.snapshot()
    }
}

impl Drop for Mesh {
    fn drop(&mut self) {
        self.node.stop();
    }
}
