//! The `memory` backend: two linked [`MemoryLink`] endpoints in one process,
//! with the same buffering and close semantics as the real backends. For
//! tests; it needs no runtime.
//!
//! ```
//! use bytes::Bytes;
//! use rtc_mesh::link::Link;
//! use rtc_mesh::memory::{MemoryConfig, pair};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), rtc_mesh::LinkError> {
//! let (a, b) = pair(MemoryConfig::default());
//! a.send(Bytes::from_static(b"ping")).await?;
//! assert_eq!(b.recv().await?, Bytes::from_static(b"ping"));
//! # Ok(())
//! # }
//! ```

use core::future::poll_fn;
use core::task::{Context, Poll};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;

use crate::error::LinkError;
use crate::link::{CloseCode, CloseReason, ClosedBy, Link, LinkStats};
use crate::waiters::Waiters;

/// Sizes of a memory link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryConfig {
    /// Bytes each direction buffers before `send` waits.
    pub send_buffer: usize,
    /// Largest message accepted.
    pub max_message_len: usize,
}

impl Default for MemoryConfig {
    /// A 256 KiB send buffer and 64 KiB messages, like the WebRTC backends.
    fn default() -> Self {
        MemoryConfig {
            send_buffer: 256 * 1024,
            max_message_len: 64 * 1024 + crate::frame::MAX_FRAME_HEADER,
        }
    }
}

/// One direction of the pair: what one endpoint sent and the other has not
/// read yet.
#[derive(Default)]
struct Direction {
    queue: VecDeque<Bytes>,
    buffered: usize,
    senders: Waiters,
    receivers: Waiters,
    stats: LinkStats,
}

struct Shared {
    config: MemoryConfig,
    /// `directions[i]` carries messages sent by endpoint `i`.
    directions: [Direction; 2],
    /// The endpoint that closed and why.
    closed: Option<(usize, CloseReason)>,
}

impl Shared {
    fn closed_error(&self, me: usize) -> Option<LinkError> {
        self.closed
            .as_ref()
            .map(|(closer, reason)| LinkError::Closed {
                by: if *closer == me {
                    ClosedBy::Local
                } else {
                    ClosedBy::Remote
                },
                reason: reason.clone(),
            })
    }
}

/// One end of a memory link.
pub struct MemoryLink {
    shared: Arc<Mutex<Shared>>,
    me: usize,
}

/// Two endpoints linked to each other.
pub fn pair(config: MemoryConfig) -> (MemoryLink, MemoryLink) {
    let shared = Arc::new(Mutex::new(Shared {
        config,
        directions: Default::default(),
        closed: None,
    }));
    (
        MemoryLink {
            shared: Arc::clone(&shared),
            me: 0,
        },
        MemoryLink { shared, me: 1 },
    )
}

impl MemoryLink {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        message: &mut Option<Bytes>,
    ) -> Poll<Result<(), LinkError>> {
        let mut shared = self.lock();
        if let Some(error) = shared.closed_error(self.me) {
            return Poll::Ready(Err(error));
        }
        let Some(len) = message.as_ref().map(Bytes::len) else {
            return Poll::Ready(Ok(()));
        };
        let capacity = shared.config.send_buffer;
        let out = &mut shared.directions[self.me];
        if out.buffered != 0 && out.buffered.saturating_add(len) > capacity {
            out.senders.register(cx.waker());
            return Poll::Pending;
        }
        if let Some(message) = message.take() {
            out.queue.push_back(message);
        }
        out.buffered += len;
        out.stats.bytes_sent += len as u64;
        out.stats.messages_sent += 1;
        out.receivers.wake();
        Poll::Ready(Ok(()))
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<Bytes, LinkError>> {
        let mut shared = self.lock();
        let closed = shared.closed_error(self.me);
        // What the peer sent before it closed still arrives; after a local
        // close nothing more is read.
        let local_close = matches!(
            closed,
            Some(LinkError::Closed {
                by: ClosedBy::Local,
                ..
            })
        );
        let peer = 1 - self.me;
        let incoming = &mut shared.directions[peer];
        match incoming.queue.pop_front().filter(|_| !local_close) {
            Some(message) => {
                incoming.buffered -= message.len();
                incoming.senders.wake();
                let stats = &mut shared.directions[self.me].stats;
                stats.bytes_received += message.len() as u64;
                stats.messages_received += 1;
                Poll::Ready(Ok(message))
            }
            None => match closed {
                Some(error) => Poll::Ready(Err(error)),
                None => {
                    incoming.receivers.register(cx.waker());
                    Poll::Pending
                }
            },
        }
    }
}

impl Link for MemoryLink {
    async fn send(&self, message: Bytes) -> Result<(), LinkError> {
        let max = self.max_message_len();
        if message.len() > max {
            return Err(LinkError::MessageTooLong {
                len: message.len(),
                max,
            });
        }
        let mut message = Some(message);
        poll_fn(|cx| self.poll_send(cx, &mut message)).await
    }

    async fn recv(&self) -> Result<Bytes, LinkError> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn close(&self, reason: CloseReason) {
        let mut shared = self.lock();
        if shared.closed.is_some() {
            return;
        }
        shared.closed = Some((self.me, reason));
        for direction in &mut shared.directions {
            direction.senders.wake();
            direction.receivers.wake();
        }
    }

    fn stats(&self) -> LinkStats {
        let shared = self.lock();
        LinkStats {
            buffered: shared.directions[self.me].buffered as u64,
            ..shared.directions[self.me].stats
        }
    }

    fn max_message_len(&self) -> usize {
        self.lock().config.max_message_len
    }
}

impl Drop for MemoryLink {
    /// A dropped endpoint closes the link as `GOING_AWAY`.
    fn drop(&mut self) {
        self.close(CloseReason::new(CloseCode::GOING_AWAY, "endpoint dropped"));
    }
}
