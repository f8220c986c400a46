//! The signalling path a web link set-up talks to its peer through.

use core::future::Future;

use crate::signal::{Inbound, Signal};

/// The signalling path to one peer for one link set-up: whatever carries
/// [`Signal`]s to the peer and back (a WebSocket to the signalling server,
/// a circuit, a test double).
///
/// ```ignore
/// // Compiled only for wasm32 with the `web` feature, so not on the host.
/// use std::collections::VecDeque;
/// use std::future::ready;
///
/// use rtc_mesh::signal::{Inbound, Signal};
/// use rtc_mesh::web::SignalPath;
///
/// /// A path that replays what it was given and keeps what was sent.
/// struct Replay {
///     sent: std::cell::RefCell<Vec<Signal>>,
///     inbound: VecDeque<Inbound>,
/// }
///
/// impl SignalPath for Replay {
///     fn send(&self, signal: Signal) -> bool {
///         self.sent.borrow_mut().push(signal);
///         true
///     }
///
///     fn recv(&mut self) -> impl Future<Output = Option<Inbound>> {
///         ready(self.inbound.pop_front())
///     }
/// }
/// ```
pub trait SignalPath {
    /// Sends `signal` to the peer without waiting; false once the path is
    /// gone.
    fn send(&self, signal: Signal) -> bool;

    /// The next message from the peer; `None` once the path is gone.
    ///
    /// Must be cancel-safe: the set-up drops the future when something
    /// else happens first, and a message must not be lost then.
    fn recv(&mut self) -> impl Future<Output = Option<Inbound>>;
}
