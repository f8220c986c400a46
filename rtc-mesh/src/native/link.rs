//! [`NativeLink`]: the [`Link`] over one open, pre-negotiated webrtc data
//! channel.
//!
//! Data travels as binary messages. A close travels in-band as one text
//! message ([`CloseReason::to_wire`]) after every message accepted before
//! it; the closing end waits (at most [`LINGER`]) until SCTP has delivered
//! them, then closes the peer connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::peer_connection::{PeerConnection, RTCPeerConnectionState, StatsSelector};

pub use crate::datachannel::LINGER;
use crate::error::LinkError;
use crate::link::{CloseCode, CloseReason, ClosedBy, Link, LinkStats};
/// How often the buffered bytes and the RTT are read from the stack.
const STATS_INTERVAL: Duration = Duration::from_millis(250);
/// How often a closing end checks whether everything was delivered.
const DRAIN_POLL: Duration = Duration::from_millis(2);

#[derive(Default)]
struct Counters {
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    messages_sent: AtomicU64,
    messages_received: AtomicU64,
    buffered: AtomicU64,
    /// Microseconds; 0 while unknown.
    rtt_micros: AtomicU64,
}

struct Shared {
    pc: Arc<dyn PeerConnection>,
    dc: Arc<dyn DataChannel>,
    /// Set once, by whichever end closes first.
    closed: watch::Sender<Option<LinkError>>,
    counters: Counters,
    max_message_len: usize,
    runtime: Handle,
}

impl Shared {
    fn closed_error(&self) -> Option<LinkError> {
        self.closed.borrow().clone()
    }

    /// Records the close; true if this call closed the link.
    fn mark_closed(&self, by: ClosedBy, reason: CloseReason) -> bool {
        self.closed.send_if_modified(|closed| {
            if closed.is_some() {
                return false;
            }
            *closed = Some(LinkError::Closed { by, reason });
            true
        })
    }

    /// The peer closed or the connection died: release the stack.
    fn remote_closed(self: &Arc<Self>, reason: CloseReason) {
        if self.mark_closed(ClosedBy::Remote, reason) {
            self.runtime.spawn(teardown(Arc::clone(self), None));
        }
    }
}

/// Sends the close message (if any), waits for delivery, closes the stack.
async fn teardown(shared: Arc<Shared>, wire: Option<String>) {
    if let Some(wire) = wire {
        let deadline = Instant::now() + LINGER;
        if let Ok(Ok(())) = tokio::time::timeout(LINGER, shared.dc.send_text(&wire)).await {
            while Instant::now() < deadline {
                match shared.dc.outstanding_bytes().await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => tokio::time::sleep(DRAIN_POLL).await,
                }
            }
        }
    }
    let _ = shared.dc.close().await;
    let _ = shared.pc.close().await;
}

/// Resolves once the link is closed (or its state is gone).
async fn until_closed(closed: &mut watch::Receiver<Option<LinkError>>) {
    let _ = closed.wait_for(Option::is_some).await;
}

/// Keeps the stats fresh and notices a dead connection, until the link
/// closes.
async fn monitor(shared: Arc<Shared>, mut state: watch::Receiver<RTCPeerConnectionState>) {
    let mut closed = shared.closed.subscribe();
    let mut tick = tokio::time::interval(STATS_INTERVAL);
    loop {
        tokio::select! {
            _ = until_closed(&mut closed) => return,
            changed = state.changed() => {
                let failed = changed.is_err() || matches!(
                    *state.borrow_and_update(),
                    RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed
                );
                if failed {
                    shared.remote_closed(CloseReason::new(CloseCode::GOING_AWAY, "connection lost"));
                    return;
                }
            }
            _ = tick.tick() => refresh_stats(&shared).await,
        }
    }
}

async fn refresh_stats(shared: &Shared) {
    if let Ok(outstanding) = shared.dc.outstanding_bytes().await {
        shared
            .counters
            .buffered
            .store(outstanding as u64, Ordering::Relaxed);
    }
    let report = shared
        .pc
        .get_stats(Instant::now(), StatsSelector::None)
        .await;
    let rtt = report
        .candidate_pairs()
        .map(|pair| pair.current_round_trip_time)
        .find(|rtt| rtt.is_finite() && *rtt > 0.0);
    if let Some(rtt) = rtt {
        let micros = (rtt * 1e6).clamp(1.0, u64::MAX as f64) as u64;
        shared.counters.rtt_micros.store(micros, Ordering::Relaxed);
    }
}

/// One end of a link over a webrtc data channel. Dropping it closes the
/// link as `GOING_AWAY`.
pub struct NativeLink {
    shared: Arc<Shared>,
    monitor: JoinHandle<()>,
}

impl NativeLink {
    /// Wraps an open channel; the set-up in `connect` is the only caller.
    pub(crate) fn new(
        pc: Arc<dyn PeerConnection>,
        dc: Arc<dyn DataChannel>,
        state: watch::Receiver<RTCPeerConnectionState>,
        max_message_len: usize,
    ) -> Self {
        let runtime = Handle::current();
        let shared = Arc::new(Shared {
            pc,
            dc,
            closed: watch::Sender::new(None),
            counters: Counters::default(),
            max_message_len,
            runtime: runtime.clone(),
        });
        let monitor = runtime.spawn(monitor(Arc::clone(&shared), state));
        NativeLink { shared, monitor }
    }

    /// Whether the link is closed (by either end).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.borrow().is_some()
    }

    /// Waits until the link is closed and returns why.
    pub async fn closed(&self) -> LinkError {
        let mut closed = self.shared.closed.subscribe();
        match closed.wait_for(Option::is_some).await {
            Ok(error) => error.clone().unwrap_or_else(gone),
            Err(_) => gone(),
        }
    }
}

/// The error for a link whose state is gone (cannot happen while `self`
/// holds the sender, but is not worth a panic).
fn gone() -> LinkError {
    LinkError::Closed {
        by: ClosedBy::Local,
        reason: CloseReason::new(CloseCode::GOING_AWAY, "link dropped"),
    }
}

impl Link for NativeLink {
    async fn send(&self, message: Bytes) -> Result<(), LinkError> {
        let shared = &self.shared;
        let len = message.len();
        if len > shared.max_message_len {
            return Err(LinkError::MessageTooLong {
                len,
                max: shared.max_message_len,
            });
        }
        if let Some(error) = shared.closed_error() {
            return Err(error);
        }
        let mut closed = shared.closed.subscribe();
        let sent = tokio::select! {
            biased;
            sent = shared.dc.send(BytesMut::from(message)) => sent,
            _ = until_closed(&mut closed) => return Err(shared.closed_error().unwrap_or_else(gone)),
        };
        if sent.is_err() {
            shared.remote_closed(CloseReason::new(CloseCode::GOING_AWAY, "channel closed"));
            return Err(shared.closed_error().unwrap_or_else(gone));
        }
        shared
            .counters
            .bytes_sent
            .fetch_add(len as u64, Ordering::Relaxed);
        shared
            .counters
            .messages_sent
            .fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn recv(&self) -> Result<Bytes, LinkError> {
        let shared = &self.shared;
        let mut closed = shared.closed.subscribe();
        loop {
            // A remote close is recorded only when its in-band message
            // arrives, after every message sent before it.
            if let Some(error) = shared.closed_error() {
                return Err(error);
            }
            let event = tokio::select! {
                event = shared.dc.poll() => event,
                _ = until_closed(&mut closed) => continue,
            };
            match event {
                Some(DataChannelEvent::OnMessage(message)) if !message.is_string => {
                    let counters = &shared.counters;
                    counters
                        .bytes_received
                        .fetch_add(message.data.len() as u64, Ordering::Relaxed);
                    counters.messages_received.fetch_add(1, Ordering::Relaxed);
                    return Ok(message.data.freeze());
                }
                Some(DataChannelEvent::OnMessage(message)) => {
                    let reason = core::str::from_utf8(&message.data)
                        .ok()
                        .and_then(|text| CloseReason::from_wire(text).ok())
                        .unwrap_or_else(|| {
                            CloseReason::new(CloseCode::PROTOCOL_ERROR, "malformed close message")
                        });
                    shared.remote_closed(reason);
                }
                Some(DataChannelEvent::OnClose) | None => {
                    shared.remote_closed(CloseReason::new(CloseCode::GOING_AWAY, "channel closed"));
                }
                Some(_) => {}
            }
        }
    }

    fn close(&self, reason: CloseReason) {
        let wire = reason.to_wire();
        if self.shared.mark_closed(ClosedBy::Local, reason) {
            self.shared
                .runtime
                .spawn(teardown(Arc::clone(&self.shared), Some(wire)));
        }
    }

    fn stats(&self) -> LinkStats {
        let counters = &self.shared.counters;
        let rtt = counters.rtt_micros.load(Ordering::Relaxed);
        LinkStats {
            bytes_sent: counters.bytes_sent.load(Ordering::Relaxed),
            bytes_received: counters.bytes_received.load(Ordering::Relaxed),
            messages_sent: counters.messages_sent.load(Ordering::Relaxed),
            messages_received: counters.messages_received.load(Ordering::Relaxed),
            buffered: counters.buffered.load(Ordering::Relaxed),
            rtt: (rtt != 0).then(|| Duration::from_micros(rtt)),
        }
    }

    fn max_message_len(&self) -> usize {
        self.shared.max_message_len
    }
}

impl Drop for NativeLink {
    fn drop(&mut self) {
        self.monitor.abort();
        self.close(CloseReason::new(CloseCode::GOING_AWAY, "endpoint dropped"));
    }
}
