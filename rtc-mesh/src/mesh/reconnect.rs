//! Restoring a link that dropped: bounded, jittered retries until a link
//! to the peer is up again, by this end's dial or by the peer's.

use std::sync::Arc;

use super::backoff::Retry;
use super::inbox::MeshEvent;
use super::node::Node;
use crate::peer_id::PeerId;

/// Dials `peer` again after each backoff delay until a link is up, the
/// attempts run out or the mesh shuts down.
pub(crate) async fn run(node: Arc<Node>, peer: PeerId) {
    let mut retry = Retry::new(node.config.reconnect);
    while retry.failures() < node.config.reconnect_attempts {
        tokio::select! {
            () = node.shut_down() => return,
            () = tokio::time::sleep(retry.next_random_delay()) => {}
        }
        if node.existing(&peer).is_some() || node.link(peer).await.is_ok() {
            return;
        }
    }
    node.sinks.event(MeshEvent::GaveUp { peer });
}
