//! A mesh's counters.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one mesh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeshStats {
    /// Links that came up with this end offering.
    pub links_dialed: u64,
    /// Links that came up with this end answering.
    pub links_answered: u64,
    /// Link set-ups that failed.
    pub set_up_failures: u64,
    /// Registrations with the signalling server.
    pub registrations: u64,
}

/// The atomics behind [`MeshStats`], bumped by the mesh's tasks.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) links_dialed: AtomicU64,
    pub(crate) links_answered: AtomicU64,
    pub(crate) set_up_failures: AtomicU64,
    pub(crate) registrations: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> MeshStats {
        MeshStats {
            links_dialed: self.links_dialed.load(Ordering::Relaxed),
            links_answered: self.links_answered.load(Ordering::Relaxed),
            set_up_failures: self.set_up_failures.load(Ordering::Relaxed),
            registrations: self.registrations.load(Ordering::Relaxed),
        }
    }
}
