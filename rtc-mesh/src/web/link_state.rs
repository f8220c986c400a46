//! The bookkeeping of one web link in plain Rust: received messages
//! waiting for `recv`, the close, the send window and the counters. The
//! browser glue feeds it; it never calls into the browser.
//!
//! Backpressure follows the [`Link`](crate::link::Link) rule with the data
//! channel's `bufferedAmount` as the buffer's fill: a message is sent when
//! it fits in the space left, or when nothing is buffered. A waiting
//! sender is woken by `bufferedamountlow`, whose threshold
//! ([`low_threshold`]) leaves room for the largest message.

use core::task::{Context, Poll};
use std::collections::VecDeque;

use bytes::Bytes;

use crate::error::LinkError;
use crate::link::{CloseReason, ClosedBy, LinkStats};
use crate::waiters::Waiters;

/// The `bufferedAmountLowThreshold` at which any message up to
/// `max_message_len` fits again in a `send_buffer` (0, the empty buffer,
/// when a message is as large as the whole buffer).
pub(crate) fn low_threshold(send_buffer: usize, max_message_len: usize) -> u32 {
    u32::try_from(send_buffer.saturating_sub(max_message_len)).unwrap_or(u32::MAX)
}

/// One link's state.
pub(crate) struct LinkState {
    send_buffer: usize,
    inbox: VecDeque<Bytes>,
    closed: Option<LinkError>,
    receivers: Waiters,
    senders: Waiters,
    /// Tasks waiting for the close itself.
    closers: Waiters,
    /// Counters; `buffered` and `rtt` come from the browser.
    stats: LinkStats,
}

impl LinkState {
    /// An open link whose sends wait beyond `send_buffer` buffered bytes.
    pub(crate) fn new(send_buffer: usize) -> Self {
        LinkState {
            send_buffer,
            inbox: VecDeque::new(),
            closed: None,
            receivers: Waiters::default(),
            senders: Waiters::default(),
            closers: Waiters::default(),
            stats: LinkStats::default(),
        }
    }

    /// Why the link is closed, if it is.
    pub(crate) fn closed_error(&self) -> Option<LinkError> {
        self.closed.clone()
    }

    fn closed_locally(&self) -> bool {
        matches!(
            self.closed,
            Some(LinkError::Closed {
                by: ClosedBy::Local,
                ..
            })
        )
    }

    /// Records the close and wakes every waiting task; true if this call
    /// closed the link (the first reason stays).
    pub(crate) fn close(&mut self, by: ClosedBy, reason: CloseReason) -> bool {
        if self.closed.is_some() {
            return false;
        }
        self.closed = Some(LinkError::Closed { by, reason });
        self.receivers.wake();
        self.senders.wake();
        self.closers.wake();
        true
    }

    /// Why the link closed, or `Pending` until it does.
    pub(crate) fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<LinkError> {
        match self.closed_error() {
            Some(error) => Poll::Ready(error),
            None => {
                self.closers.register(cx.waker());
                Poll::Pending
            }
        }
    }

    /// Queues a message from the peer; after a local close nothing more is
    /// read.
    pub(crate) fn deliver(&mut self, message: Bytes) {
        if self.closed_locally() {
            return;
        }
        self.inbox.push_back(message);
        self.receivers.wake();
    }

    /// The next message: what the peer sent before it closed still
    /// arrives, then the close.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Bytes, LinkError>> {
        if let Some(error) = self.closed.clone().filter(|_| self.closed_locally()) {
            return Poll::Ready(Err(error));
        }
        if let Some(message) = self.inbox.pop_front() {
            self.stats.bytes_received += message.len() as u64;
            self.stats.messages_received += 1;
            return Poll::Ready(Ok(message));
        }
        match self.closed_error() {
            Some(error) => Poll::Ready(Err(error)),
            None => {
                self.receivers.register(cx.waker());
                Poll::Pending
            }
        }
    }

    /// Whether a message of `len` bytes may be sent now that `buffered`
    /// bytes are in the channel; `Pending` until the senders are woken.
    pub(crate) fn poll_send(
        &mut self,
        cx: &mut Context<'_>,
        buffered: usize,
        len: usize,
    ) -> Poll<Result<(), LinkError>> {
        if let Some(error) = self.closed_error() {
            return Poll::Ready(Err(error));
        }
        if buffered == 0 || buffered.saturating_add(len) <= self.send_buffer {
            return Poll::Ready(Ok(()));
        }
        self.senders.register(cx.waker());
        Poll::Pending
    }

    /// Counts a message the channel accepted.
    pub(crate) fn sent(&mut self, len: usize) {
        self.stats.bytes_sent += len as u64;
        self.stats.messages_sent += 1;
    }

    /// The buffer drained below the threshold: waiting senders look again.
    pub(crate) fn wake_senders(&mut self) {
        self.senders.wake();
    }

    /// The counters, with the browser's `buffered` and `rtt` filled in.
    pub(crate) fn stats(&self, buffered: u64, rtt: Option<core::time::Duration>) -> LinkStats {
        LinkStats {
            buffered,
            rtt,
            ..self.stats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::CloseCode;
    use crate::waiters::counting;

    fn bye() -> CloseReason {
        CloseReason::new(CloseCode::NORMAL, "bye")
    }

    #[test]
    fn threshold_leaves_room_for_the_largest_message() {
        assert_eq!(low_threshold(256 * 1024, 64 * 1024), 192 * 1024);
        assert_eq!(low_threshold(16 * 1024, 64 * 1024), 0);
        assert_eq!(low_threshold(usize::MAX, 0), u32::MAX);
    }

    #[test]
    fn send_passes_while_the_message_fits_or_nothing_is_buffered() {
        let (_, waker) = counting::waker();
        let mut cx = Context::from_waker(&waker);
        let mut state = LinkState::new(1000);
        assert!(state.poll_send(&mut cx, 0, 5000).is_ready(), "empty buffer");
        assert!(
            state.poll_send(&mut cx, 600, 400).is_ready(),
            "exactly full"
        );
        assert!(state.poll_send(&mut cx, 601, 400).is_pending(), "over");
        assert!(
            state.poll_send(&mut cx, usize::MAX, 1).is_pending(),
            "no overflow"
        );
    }

    #[test]
    fn waiting_sender_is_woken_when_the_buffer_drains() {
        let (count, waker) = counting::waker();
        let mut cx = Context::from_waker(&waker);
        let mut state = LinkState::new(1000);
        assert!(state.poll_send(&mut cx, 900, 200).is_pending());
        state.wake_senders();
        assert_eq!(count.get(), 1);
        assert_eq!(state.poll_send(&mut cx, 700, 200), Poll::Ready(Ok(())));
    }

    #[test]
    fn close_wakes_waiting_senders_receivers_and_closers_with_the_error() {
        let (count, waker) = counting::waker();
        let mut cx = Context::from_waker(&waker);
        let mut state = LinkState::new(1000);
        assert!(state.poll_send(&mut cx, 900, 200).is_pending());
        assert!(state.poll_recv(&mut cx).is_pending());
        assert!(state.poll_closed(&mut cx).is_pending());
        assert!(state.close(ClosedBy::Local, bye()));
        assert_eq!(count.get(), 3);
        let closed = LinkError::Closed {
            by: ClosedBy::Local,
            reason: bye(),
        };
        assert_eq!(state.poll_closed(&mut cx), Poll::Ready(closed.clone()));
        assert_eq!(
            state.poll_send(&mut cx, 0, 1),
            Poll::Ready(Err(closed.clone()))
        );
        assert_eq!(state.poll_recv(&mut cx), Poll::Ready(Err(closed)));
    }

    #[test]
    fn first_close_reason_stays() {
        let mut state = LinkState::new(1000);
        assert!(state.close(ClosedBy::Remote, bye()));
        assert!(!state.close(ClosedBy::Local, CloseReason::new(CloseCode::DEAD, "late")));
        assert_eq!(
            state.closed_error(),
            Some(LinkError::Closed {
                by: ClosedBy::Remote,
                reason: bye()
            })
        );
    }

    #[test]
    fn messages_before_a_remote_close_still_arrive_in_order() {
        let (_, waker) = counting::waker();
        let mut cx = Context::from_waker(&waker);
        let mut state = LinkState::new(1000);
        state.deliver(Bytes::from_static(b"one"));
        state.deliver(Bytes::from_static(b"two"));
        state.close(ClosedBy::Remote, bye());
        assert_eq!(
            state.poll_recv(&mut cx),
            Poll::Ready(Ok(Bytes::from_static(b"one")))
        );
        assert_eq!(
            state.poll_recv(&mut cx),
            Poll::Ready(Ok(Bytes::from_static(b"two")))
        );
        assert!(matches!(
            state.poll_recv(&mut cx),
            Poll::Ready(Err(LinkError::Closed {
                by: ClosedBy::Remote,
                ..
            }))
        ));
    }

    #[test]
    fn nothing_is_read_after_a_local_close() {
        let (_, waker) = counting::waker();
        let mut cx = Context::from_waker(&waker);
        let mut state = LinkState::new(1000);
        state.deliver(Bytes::from_static(b"unread"));
        state.close(ClosedBy::Local, bye());
        state.deliver(Bytes::from_static(b"late"));
        assert!(matches!(
            state.poll_recv(&mut cx),
            Poll::Ready(Err(LinkError::Closed {
                by: ClosedBy::Local,
                ..
            }))
        ));
    }

    #[test]
    fn delivery_wakes_a_waiting_receiver() {
        let (count, waker) = counting::waker();
        let mut cx = Context::from_waker(&waker);
        let mut state = LinkState::new(1000);
        assert!(state.poll_recv(&mut cx).is_pending());
        state.deliver(Bytes::from_static(b"hi"));
        assert_eq!(count.get(), 1);
    }

    #[test]
    fn stats_count_payload_both_ways() {
        let (_, waker) = counting::waker();
        let mut cx = Context::from_waker(&waker);
        let mut state = LinkState::new(1000);
        state.sent(10);
        state.sent(5);
        state.deliver(Bytes::from_static(b"abc"));
        assert!(state.poll_recv(&mut cx).is_ready());
        let rtt = Some(core::time::Duration::from_millis(3));
        assert_eq!(
            state.stats(7, rtt),
            LinkStats {
                bytes_sent: 15,
                bytes_received: 3,
                messages_sent: 2,
                messages_received: 1,
                buffered: 7,
                rtt,
            }
        );
    }
}
