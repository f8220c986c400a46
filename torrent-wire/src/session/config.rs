//! What a swarm engine may do: pipeline depth, upload slots, timeouts.

use std::time::Duration;

use crate::PeerId;

/// Settings of a [`super::Swarm`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SwarmConfig {
    /// The id sent in our handshakes.
    pub peer_id: PeerId,
    /// Most requests outstanding at one peer.
    pub pipeline_depth: usize,
    /// Most peers unchoked at once.
    pub upload_slots: usize,
    /// A request unanswered this long is given to another peer.
    pub request_timeout: Duration,
    /// A keep-alive goes to a peer we sent nothing for this long.
    pub keep_alive: Duration,
    /// A peer that sent nothing for this long is dropped.
    pub idle_timeout: Duration,
    /// `v` of our extended handshake.
    pub client: String,
}

impl SwarmConfig {
    /// Defaults that suit loopback and the open internet alike: 64
    /// requests deep, 8 upload slots, 20 s request timeout, keep-alives
    /// after 60 s, peers dropped after 150 s of silence.
    pub fn new(peer_id: PeerId) -> Self {
        Self {
            peer_id,
            pipeline_depth: 64,
            upload_slots: 8,
            request_timeout: Duration::from_secs(20),
            keep_alive: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(150),
            client: concat!("onionswarm/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}
