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
