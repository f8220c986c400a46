//! The [`Link`] trait: an ordered, reliable, message-oriented link to one
//! peer, with a bounded send buffer and async backpressure.
//!
//! The futures are plain `core::future::Future`s, so any executor drives
//! them: tokio natively, `wasm-bindgen-futures` in the browser. Natively the
//! futures and links are `Send` (see [`MaybeSend`]); in wasm32 they need not
//! be, because browser objects are not.

use core::future::Future;
use core::time::Duration;

use bytes::Bytes;

use crate::error::LinkError;

/// `Send` on native targets, nothing on wasm32 (where browser handles are
/// not `Send` and there is one thread).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` on native targets, nothing on wasm32 (where browser handles are
/// not `Send` and there is one thread).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` on native targets, nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}

/// `Sync` on native targets, nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// Why a link was closed. Codes are open: unknown ones are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseReason {
    /// What kind of close this was.
    pub code: CloseCode,
    /// A short human-readable detail (never message contents).
    pub detail: String,
}

impl CloseReason {
    /// A reason with `code` and `detail`.
    pub fn new(code: CloseCode, detail: impl Into<String>) -> Self {
        CloseReason {
            code,
            detail: detail.into(),
        }
    }
}

/// Longest close detail carried in-band, in bytes; longer details are cut.
pub const MAX_CLOSE_DETAIL_LEN: usize = 123;

impl CloseReason {
    /// The in-band close message the WebRTC backends send as a text message
    /// (data is always binary): `CODE:DETAIL`, the detail cut to
    /// [`MAX_CLOSE_DETAIL_LEN`] bytes on a character boundary.
    ///
    /// ```
    /// use rtc_mesh::link::{CloseCode, CloseReason};
    ///
    /// let reason = CloseReason::new(CloseCode::DEAD, "no keepalive");
    /// assert_eq!(reason.to_wire(), "3:no keepalive");
    /// assert_eq!(CloseReason::from_wire("3:no keepalive")?, reason);
    /// assert!(CloseReason::from_wire("+3:no keepalive").is_err());
    /// # Ok::<(), rtc_mesh::LinkError>(())
    /// ```
    pub fn to_wire(&self) -> String {
        let mut end = self.detail.len().min(MAX_CLOSE_DETAIL_LEN);
        while !self.detail.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}:{}", self.code.0, &self.detail[..end])
    }

    /// Parses an in-band close message; only the canonical form
    /// [`to_wire`](CloseReason::to_wire) writes is accepted.
    pub fn from_wire(text: &str) -> Result<Self, LinkError> {
        let malformed = LinkError::MalformedClose { len: text.len() };
        let (code, detail) = text.split_once(':').ok_or(malformed.clone())?;
        let code = code.parse::<u16>().map_err(|_| malformed.clone())?;
        let reason = CloseReason::new(CloseCode(code), detail);
        if reason.to_wire() != text {
            return Err(malformed);
        }
        Ok(reason)
    }
}

/// A close code; the constants are the ones this crate sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// The link is no longer needed.
    pub const NORMAL: CloseCode = CloseCode(0);
    /// The endpoint went away (dropped, shutting down).
    pub const GOING_AWAY: CloseCode = CloseCode(1);
    /// The peer broke the protocol on this link.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(2);
    /// The peer stopped answering keepalives.
    pub const DEAD: CloseCode = CloseCode(3);
}

/// Which end closed a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosedBy {
    /// This end.
    Local,
    /// The peer.
    Remote,
}

/// Counters of one link endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Payload bytes accepted by `send`.
    pub bytes_sent: u64,
    /// Payload bytes returned by `recv`.
    pub bytes_received: u64,
    /// Messages accepted by `send`.
    pub messages_sent: u64,
    /// Messages returned by `recv`.
    pub messages_received: u64,
    /// Bytes sent but not yet taken by the peer (the send buffer's fill).
    pub buffered: u64,
    /// The round-trip time, where the backend measures one.
    pub rtt: Option<Duration>,
}

/// An ordered, reliable, message-oriented link to one peer.
///
/// - `send` waits while the send buffer is full: a message is accepted when
///   it fits in the space left, or when the buffer is empty (so a message up
///   to [`max_message_len`](Link::max_message_len) always passes).
/// - Messages arrive whole, in order, exactly once, until the link closes.
/// - After [`close`](Link::close), the peer first receives every message
///   accepted before it, then [`LinkError::Closed`] with the reason.
///
/// Code written against the trait runs on every backend:
///
/// ```
/// use rtc_mesh::LinkError;
/// use rtc_mesh::link::{CloseCode, CloseReason, Link};
///
/// /// Answers every message with itself until the peer closes.
/// async fn echo(link: &impl Link) -> Result<u64, LinkError> {
///     loop {
///         match link.recv().await {
///             Ok(message) => link.send(message).await?,
///             Err(LinkError::Closed { .. }) => return Ok(link.stats().messages_sent),
///             Err(other) => return Err(other),
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), LinkError> {
/// let (a, b) = rtc_mesh::memory::pair(Default::default());
/// let client = async {
///     a.send("hello".into()).await?;
///     let reply = a.recv().await?;
///     a.close(CloseReason::new(CloseCode::NORMAL, "done"));
///     Ok::<_, LinkError>(reply)
/// };
/// let (reply, echoed) = tokio::join!(client, echo(&b));
/// assert_eq!((reply?, echoed?), ("hello".into(), 1));
/// # Ok(())
/// # }
/// ```
pub trait Link: MaybeSend + MaybeSync {
    /// Sends one message, waiting for space in the send buffer.
    fn send(&self, message: Bytes) -> impl Future<Output = Result<(), LinkError>> + MaybeSend;

    /// Receives the next message.
    fn recv(&self) -> impl Future<Output = Result<Bytes, LinkError>> + MaybeSend;

    /// Closes the link; the peer learns `reason`. Closing twice keeps the
    /// first reason.
    fn close(&self, reason: CloseReason);

    /// The endpoint's counters.
    fn stats(&self) -> LinkStats;

    /// The largest message `send` accepts.
    fn max_message_len(&self) -> usize;
}
