//! A relay's limits and timeouts.

use core::time::Duration;

use crate::flow::CIRCUIT_WINDOW;

/// A relay's limits and timeouts. The defaults suit a relay in a mesh of
/// browsers and native peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelayConfig {
    /// Circuits the relay carries at once; a CREATE beyond is destroyed
    /// with `RESOURCE_LIMIT`.
    pub max_circuits: usize,
    /// Streams one circuit may open at this relay.
    pub max_streams_per_circuit: usize,
    /// Cells one circuit may have waiting to be polled, both directions
    /// together. A circuit over it is destroyed: a client that ignores its
    /// windows, or a link the caller stopped draining, cannot make the
    /// relay grow.
    pub max_queued_cells: usize,
    /// How long an EXTEND may wait for its link and CREATED before the
    /// client gets a TRUNCATED.
    pub extend_timeout: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            max_circuits: 8192,
            max_streams_per_circuit: 64,
            // A full circuit window in one direction plus its SENDMEs and
            // control cells in the other: honest traffic never reaches it.
            max_queued_cells: usize::from(CIRCUIT_WINDOW) + 64,
            extend_timeout: Duration::from_secs(10),
        }
    }
}
