//! ICE settings the WebRTC backends share.

/// A STUN or TURN server for ICE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IceServer {
    /// `stun:` / `turn:` URLs of the server.
    pub urls: Vec<String>,
    /// TURN user name (empty for STUN).
    pub username: String,
    /// TURN credential (empty for STUN).
    pub credential: String,
}
