//! What the browser hands over, made into the crate's types: connection
//! states, candidates, descriptions, the RTT of a stats report and the
//! peer's in-band close message.

use core::time::Duration;

use crate::error::WebError;
use crate::link::{CloseCode, CloseReason};
use crate::signal::{BoundedString, IceCandidate, Sdp};

/// `RTCPeerConnection.connectionState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PeerState {
    New,
    Connecting,
    Connected,
    Disconnected,
    Failed,
    Closed,
}

impl PeerState {
    /// The connection is gone for good: `disconnected` may still recover,
    /// `failed` and `closed` do not.
    pub(crate) fn is_dead(self) -> bool {
        matches!(self, PeerState::Failed | PeerState::Closed)
    }
}

/// A gathered candidate (`RTCIceCandidate.toJSON()`'s fields) as a
/// signalling candidate. The empty candidate that marks the end of
/// gathering, and a candidate too long for signalling, give `None`; an
/// over-long `sdpMid` is left out, as the native backend does.
pub(crate) fn local_candidate(
    candidate: String,
    sdp_mid: Option<String>,
    sdp_mline_index: Option<u16>,
) -> Option<IceCandidate> {
    if candidate.is_empty() {
        return None;
    }
    Some(IceCandidate {
        candidate: BoundedString::new(candidate).ok()?,
        sdp_mid: sdp_mid.and_then(|mid| BoundedString::new(mid).ok()),
        sdp_mline_index,
    })
}

/// The local description's SDP, if it fits in a signalling message.
pub(crate) fn local_description(sdp: String) -> Result<Sdp, WebError> {
    let len = sdp.len();
    Sdp::new(sdp).map_err(|_| WebError::TooLong {
        what: "description",
        len,
    })
}

/// A stats report's `currentRoundTripTime` (seconds): known only if it is
/// a positive, finite, representable duration.
pub(crate) fn rtt_from_seconds(seconds: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|rtt| !rtt.is_zero())
}

/// The reason in the peer's in-band close message; one that is not in
/// canonical form is a protocol error.
pub(crate) fn remote_close_reason(text: &str) -> CloseReason {
    CloseReason::from_wire(text)
        .unwrap_or_else(|_| CloseReason::new(CloseCode::PROTOCOL_ERROR, "malformed close message"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::BrowserError;
    use crate::signal::{MAX_CANDIDATE_LEN, MAX_SDP_LEN, MAX_SDP_MID_LEN};

    const HOST: &str = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host";

    #[test]
    fn only_failed_and_closed_connections_are_dead() {
        let dead = [
            PeerState::New,
            PeerState::Connecting,
            PeerState::Connected,
            PeerState::Disconnected,
            PeerState::Failed,
            PeerState::Closed,
        ]
        .map(PeerState::is_dead);
        assert_eq!(dead, [false, false, false, false, true, true]);
    }

    #[test]
    fn gathered_candidate_keeps_its_fields() {
        let candidate = local_candidate(HOST.into(), Some("0".into()), Some(0));
        let candidate = candidate.expect("a host candidate");
        assert_eq!(candidate.candidate.as_str(), HOST);
        assert_eq!(
            candidate.sdp_mid.map(BoundedString::into_string),
            Some("0".into())
        );
        assert_eq!(candidate.sdp_mline_index, Some(0));
    }

    #[test]
    fn end_of_candidates_marker_is_not_signalled() {
        assert_eq!(
            local_candidate(String::new(), Some("0".into()), Some(0)),
            None
        );
    }

    #[test]
    fn candidate_too_long_for_signalling_is_skipped() {
        let long = "a".repeat(MAX_CANDIDATE_LEN + 1);
        assert_eq!(local_candidate(long, None, Some(0)), None);
    }

    #[test]
    fn overlong_media_id_is_left_out() {
        let mid = "m".repeat(MAX_SDP_MID_LEN + 1);
        let candidate = local_candidate(HOST.into(), Some(mid), Some(0)).expect("candidate");
        assert_eq!(candidate.sdp_mid, None);
    }

    #[test]
    fn description_longer_than_signalling_allows_is_an_error() {
        let sdp = "v".repeat(MAX_SDP_LEN + 1);
        let error = local_description(sdp).expect_err("too long");
        assert!(matches!(
            error,
            WebError::TooLong { what: "description", len } if len == MAX_SDP_LEN + 1
        ));
        assert_eq!(
            local_description("v=0\r\n".into())
                .map(Sdp::into_string)
                .ok(),
            Some("v=0\r\n".into())
        );
    }

    #[test]
    fn rtt_is_known_only_when_positive_and_finite() {
        assert_eq!(
            rtt_from_seconds(0.0125),
            Some(Duration::from_micros(12_500))
        );
        for unknown in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e30] {
            assert_eq!(rtt_from_seconds(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn close_message_in_canonical_form_gives_its_reason() {
        assert_eq!(
            remote_close_reason("3:no keepalive"),
            CloseReason::new(CloseCode::DEAD, "no keepalive")
        );
    }

    #[test]
    fn malformed_close_message_is_a_protocol_error() {
        for text in ["ready", "+3:x", "03:x", ""] {
            assert_eq!(
                remote_close_reason(text).code,
                CloseCode::PROTOCOL_ERROR,
                "{text:?}"
            );
        }
    }

    #[test]
    fn browser_error_shows_its_name_and_message() {
        let error = BrowserError::new("InvalidStateError".into(), "channel is closing".into());
        assert_eq!(error.name(), "InvalidStateError");
        assert_eq!(error.message(), "channel is closing");
        assert_eq!(
            WebError::from(error).to_string(),
            "browser: InvalidStateError: channel is closing"
        );
    }
}
