//! [`MeshLink`]: the sending side of a mesh's link to one neighbour.
//!
//! Links carry [frames](crate::frame): onion cells and application streams
//! for the mesh's users, and link control for the mesh itself. The only
//! control message so far is the keepalive, an empty control frame;
//! non-empty control frames are reserved for later versions and ignored.

use std::sync::Arc;

use bytes::Bytes;

use crate::error::{LinkError, MeshError};
use crate::frame::{Channel, Frame, StreamId};
use crate::link::{CloseReason, Link, LinkStats};
use crate::native::NativeLink;
use crate::peer_id::PeerId;

/// A link to one neighbour, shared by everyone who sends on it. Clones are
/// handles to the same link; inbound traffic goes to the mesh's
/// [`MeshInbox`](super::MeshInbox).
#[derive(Clone)]
pub struct MeshLink {
    peer: PeerId,
    link: Arc<NativeLink>,
}

impl core::fmt::Debug for MeshLink {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MeshLink")
            .field("peer", &self.peer)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl MeshLink {
    pub(crate) fn new(peer: PeerId, link: NativeLink) -> Self {
        MeshLink {
            peer,
            link: Arc::new(link),
        }
    }

    /// The neighbour at the other end.
    pub fn peer(&self) -> PeerId {
        self.peer
    }

    /// Sends one onion cell, waiting for space in the send buffer.
    pub async fn send_onion(&self, cell: Bytes) -> Result<(), MeshError> {
        self.send(Channel::Onion, cell).await
    }

    /// Sends data on application stream `stream`, waiting for space in the
    /// send buffer.
    pub async fn send_stream(&self, stream: StreamId, data: Bytes) -> Result<(), MeshError> {
        self.send(Channel::Stream(stream), data).await
    }

    /// Sends a keepalive.
    pub(crate) async fn send_keepalive(&self) -> Result<(), MeshError> {
        self.send(Channel::Control, Bytes::new()).await
    }

    async fn send(&self, channel: Channel, payload: Bytes) -> Result<(), MeshError> {
        let frame = Frame::new(channel, payload)?;
        Ok(self.link.send(frame.to_bytes()).await?)
    }

    /// The next message on the link (for the mesh's reader only).
    pub(crate) async fn recv(&self) -> Result<Bytes, LinkError> {
        self.link.recv().await
    }

    /// Closes the link; the neighbour learns `reason`.
    pub fn close(&self, reason: CloseReason) {
        self.link.close(reason);
    }

    /// Whether the link is closed (by either end).
    pub fn is_closed(&self) -> bool {
        self.link.is_closed()
    }

    /// Waits until the link is closed and returns why.
    pub async fn closed(&self) -> LinkError {
        self.link.closed().await
    }

    /// The link's counters (keepalives included).
    pub fn stats(&self) -> LinkStats {
        self.link.stats()
    }

    /// Whether `self` and `other` are handles to the same link.
    pub fn same_link(&self, other: &MeshLink) -> bool {
        Arc::ptr_eq(&self.link, &other.link)
    }
}
