//! What one link set-up exchanges with its peer through the signalling
//! server, whichever backend and transport carry it.

use super::bounded::Sdp;
use super::message::{ErrorCode, IceCandidate};

/// One signalling message between this end and one peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// An SDP offer.
    Offer(Sdp),
    /// An SDP answer.
    Answer(Sdp),
    /// A trickled ICE candidate.
    Candidate(IceCandidate),
}

/// What a link set-up hears from its peer's signalling path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A signal from the peer.
    Signal(Signal),
    /// The server refused a message this end sent to the peer.
    Refused(ErrorCode),
}
