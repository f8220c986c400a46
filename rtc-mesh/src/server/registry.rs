//! Which connection speaks for which registered identity.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;

use crate::peer_id::PeerId;
use crate::signal::{Descriptor, MAX_PEER_LIST};

/// What a connection task is asked to send or do.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// A server message, already encoded.
    Text(String),
    /// Another connection registered the same identity: close.
    Replaced,
}

struct Entry {
    connection: u64,
    outbound: mpsc::Sender<Outbound>,
    descriptor: Option<Descriptor>,
}

/// Why a message could not be queued for a peer.
pub(crate) enum Undeliverable {
    /// The peer is not registered.
    Unknown,
    /// The peer's queue is full.
    Busy,
}

/// The registered peers.
#[derive(Default)]
pub(crate) struct Registry(Mutex<HashMap<PeerId, Entry>>);

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<PeerId, Entry>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Binds `peer` to `connection`; tells the connection it replaces, if
    /// any, to close, and returns whether there was one.
    pub(crate) fn register(
        &self,
        peer: PeerId,
        connection: u64,
        outbound: mpsc::Sender<Outbound>,
    ) -> bool {
        let old = self.lock().insert(
            peer,
            Entry {
                connection,
                outbound,
                descriptor: None,
            },
        );
        match old {
            Some(old) if old.connection != connection => {
                // A full queue means the old connection is stuck; it is
                // unregistered already and its own limits end it.
                let _ = old.outbound.try_send(Outbound::Replaced);
                true
            }
            _ => false,
        }
    }

    /// Removes `peer` if `connection` still holds it.
    pub(crate) fn unregister(&self, peer: &PeerId, connection: u64) {
        let mut peers = self.lock();
        if peers.get(peer).is_some_and(|e| e.connection == connection) {
            peers.remove(peer);
        }
    }

    /// Queues `text` for `peer`.
    pub(crate) fn deliver(&self, peer: &PeerId, text: String) -> Result<(), Undeliverable> {
        let peers = self.lock();
        let entry = peers.get(peer).ok_or(Undeliverable::Unknown)?;
        entry
            .outbound
            .try_send(Outbound::Text(text))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => Undeliverable::Busy,
                mpsc::error::TrySendError::Closed(_) => Undeliverable::Unknown,
            })
    }

    /// Up to `limit` (at most [`MAX_PEER_LIST`]) registered peers other than
    /// `asker`.
    pub(crate) fn list(&self, asker: &PeerId, limit: u16) -> Vec<PeerId> {
        let limit = usize::from(limit).min(MAX_PEER_LIST);
        self.lock()
            .keys()
            .filter(|&peer| peer != asker)
            .take(limit)
            .copied()
            .collect()
    }

    /// Sets `peer`'s descriptor while `connection` holds it.
    pub(crate) fn publish(&self, peer: &PeerId, connection: u64, descriptor: Descriptor) {
        if let Some(entry) = self
            .lock()
            .get_mut(peer)
            .filter(|e| e.connection == connection)
        {
            entry.descriptor = Some(descriptor);
        }
    }

    /// `peer`'s descriptor, if it is registered and published one.
    pub(crate) fn descriptor(&self, peer: &PeerId) -> Option<Descriptor> {
        self.lock().get(peer).and_then(|e| e.descriptor.clone())
    }
}
