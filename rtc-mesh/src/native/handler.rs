//! The peer-connection event handler: hands gathered candidates and
//! connection states to the link's set-up and link tasks. Callbacks run on
//! the webrtc driver, so they only queue.

use tokio::sync::{mpsc, watch};
use webrtc::peer_connection::{
    PeerConnectionEventHandler, RTCPeerConnectionIceEvent, RTCPeerConnectionState,
};

use crate::signal::{BoundedString, IceCandidate};

/// Queues what the driver reports.
pub(crate) struct Handler {
    pub(crate) candidates: mpsc::UnboundedSender<IceCandidate>,
    pub(crate) state: watch::Sender<RTCPeerConnectionState>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        let Ok(init) = event.candidate.to_json() else {
            return;
        };
        // A candidate too long for signalling is skipped; others remain.
        let Ok(candidate) = BoundedString::new(init.candidate) else {
            return;
        };
        let sdp_mid = init.sdp_mid.and_then(|mid| BoundedString::new(mid).ok());
        let _ = self.candidates.send(IceCandidate {
            candidate,
            sdp_mid,
            sdp_mline_index: init.sdp_mline_index,
        });
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.state.send_replace(state);
    }
}
