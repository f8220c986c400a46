//! The one data channel of every WebRTC link, as both backends open and
//! use it, so that browsers and native peers link with each other.
//!
//! - One reliable, ordered channel, pre-negotiated: both ends create it on
//!   stream [`CHANNEL_ID`] before the offer, so no DCEP exchange is needed.
//! - Data travels as binary messages; text messages are the protocol's.
//!   A pre-negotiated channel opens at the offerer first, and a message
//!   that reaches an end not yet open is lost, so the answerer sends
//!   [`READY`] as soon as its end opens and the offerer's link is up only
//!   once it arrives. The close reason ([`CloseReason::to_wire`]) is the
//!   last text message; the closing end waits at most [`LINGER`] for it
//!   to be delivered.
//! - Remote candidates that arrive before the answer wait for it, at most
//!   [`MAX_EARLY_CANDIDATES`] of them.
//! - When both ends dial at once, one yields and the other insists
//!   ([`OnGlare`]).
//!
//! [`CloseReason::to_wire`]: crate::link::CloseReason::to_wire

use core::time::Duration;

/// The stream id of the one pre-negotiated channel of every link.
pub const CHANNEL_ID: u16 = 0;
/// The channel's label.
pub const CHANNEL_LABEL: &str = "onionswarm";
/// The text message an answerer sends first on its open channel.
pub const READY: &str = "ready";
/// Longest a closing end waits for its last messages to be delivered.
pub const LINGER: Duration = Duration::from_secs(2);
/// Remote candidates a set-up keeps while the remote description is not
/// set yet.
pub const MAX_EARLY_CANDIDATES: usize = 64;

/// What a dialing end does when an offer from the peer it dials arrives
/// before the answer (glare: both ends dialed at once).
///
/// ```
/// use rtc_mesh::datachannel::OnGlare;
///
/// // The two ends must disagree; the mesh decides by comparing peer ids.
/// fn on_glare(mine: &[u8], theirs: &[u8]) -> OnGlare {
///     if mine < theirs { OnGlare::Insist } else { OnGlare::Yield }
/// }
/// assert_ne!(on_glare(b"a", b"b"), on_glare(b"b", b"a"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnGlare {
    /// Give up this end's offer and fail with the backend's `Glare` error,
    /// which carries the peer's offer to answer (the "polite" peer of
    /// perfect negotiation).
    Yield,
    /// Keep this end's offer and ignore the peer's, which yields in turn
    /// (the "impolite" peer).
    Insist,
}
