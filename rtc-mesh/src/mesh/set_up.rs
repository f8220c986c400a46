//! One link set-up with one neighbour, dialing or answering, with glare
//! resolved as [`glare`](super::glare) decides.

use std::sync::Arc;

use super::glare;
use super::inbox::Direction;
use super::node::{Node, Outcome};
use crate::error::NativeError;
use crate::native::{self, NativeLink};
use crate::peer_id::PeerId;
use crate::router::PeerSignals;
use crate::signal::Sdp;

/// How a set-up starts.
pub(crate) enum SetUp {
    /// Offer to the peer.
    Dial,
    /// Answer the peer's offer.
    Answer(Sdp),
}

/// Offers a peer may send over one set-up (it restarted, or yielded)
/// before the set-up gives up.
const MAX_RESTARTS: usize = 4;

/// Runs set-up `generation` with `peer` and publishes its outcome; ends
/// without one if the mesh shuts down first.
pub(crate) async fn run(
    node: Arc<Node>,
    peer: PeerId,
    generation: u64,
    mut signals: PeerSignals,
    how: SetUp,
    outcome: Outcome,
) {
    let negotiated = tokio::select! {
        () = node.shut_down() => return,
        negotiated = negotiate(&node, peer, &mut signals, how) => negotiated,
    };
    // The route closes before the link is published, so a later offer
    // from the peer starts a new set-up instead of reaching this one.
    drop(signals);
    outcome.send_replace(Some(node.finish(peer, generation, negotiated)));
}

async fn negotiate(
    node: &Node,
    peer: PeerId,
    signals: &mut PeerSignals,
    how: SetUp,
) -> Result<(NativeLink, Direction), NativeError> {
    let config = &node.config.links;
    let mut result = match how {
        SetUp::Dial => {
            let on_glare = glare::on_glare(&node.me, &peer);
            native::dial_with(config, signals, on_glare)
                .await
                .map(|link| (link, Direction::Dialed))
        }
        SetUp::Answer(offer) => native::answer(config, offer, signals)
            .await
            .map(|link| (link, Direction::Answered)),
    };
    // A yielding dialer answers the offer that crossed its own; an answerer
    // whose peer started over answers the newer offer.
    for _ in 0..MAX_RESTARTS {
        result = match result {
            Err(NativeError::Glare { offer }) => native::answer(config, offer, signals)
                .await
                .map(|link| (link, Direction::Answered)),
            other => return other,
        };
    }
    result
}
