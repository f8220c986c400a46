//! [`WebLink`]: the [`Link`] over one open browser data channel.

use core::future::poll_fn;
use core::time::Duration;
use std::rc::{Rc, Weak};

use bytes::Bytes;
use wasm_bindgen::JsValue;

use super::config::WebConfig;
use super::convert::rtt_from_seconds;
use super::js::{settle, sleep};
use super::peer::Peer;
use crate::error::LinkError;
use crate::link::{CloseCode, CloseReason, Link, LinkStats};

/// How often the RTT is read from `getStats`.
const STATS_INTERVAL: Duration = Duration::from_secs(1);

/// One end of a link over a browser data channel. Data travels as binary
/// messages, the close reason as one text message after them. Dropping it
/// closes the link as `GOING_AWAY`.
///
/// ```ignore
/// // Needs wasm32 and a browser: the module is not compiled on the host.
/// use rtc_mesh::link::Link;
/// use rtc_mesh::web::WebLink;
///
/// /// A one-line summary of the link's counters.
/// fn summary(link: &WebLink) -> String {
///     let stats = link.stats();
///     let rtt = stats.rtt.map_or("unknown".to_owned(), |rtt| format!("{rtt:?}"));
///     format!("{} bytes out, {} in, rtt {rtt}", stats.bytes_sent, stats.bytes_received)
/// }
/// ```
pub struct WebLink {
    peer: Rc<Peer>,
    max_message_len: usize,
}

impl WebLink {
    /// The link over `peer`'s open channel; the set-up is the only caller.
    pub(crate) fn new(peer: Rc<Peer>, config: &WebConfig) -> Self {
        peer.establish();
        wasm_bindgen_futures::spawn_local(watch_rtt(Rc::downgrade(&peer)));
        WebLink {
            peer,
            max_message_len: config.max_message_len,
        }
    }

    /// Whether the link is closed (by either end).
    pub fn is_closed(&self) -> bool {
        self.peer.link.borrow().closed_error().is_some()
    }

    /// Waits until the link is closed and returns why.
    pub async fn closed(&self) -> LinkError {
        poll_fn(|cx| self.peer.link.borrow_mut().poll_closed(cx)).await
    }
}

impl Link for WebLink {
    async fn send(&self, message: Bytes) -> Result<(), LinkError> {
        let len = message.len();
        if len > self.max_message_len {
            return Err(LinkError::MessageTooLong {
                len,
                max: self.max_message_len,
            });
        }
        let peer = &self.peer;
        loop {
            poll_fn(|cx| {
                let buffered = peer.dc.buffered_amount() as usize;
                peer.link.borrow_mut().poll_send(cx, buffered, len)
            })
            .await?;
            if peer.dc.send_with_u8_array(&message).is_ok() {
                peer.link.borrow_mut().sent(len);
                return Ok(());
            }
            // The channel is gone; the next round returns the close.
            peer.remote_closed(CloseReason::new(CloseCode::GOING_AWAY, "channel closed"));
        }
    }

    async fn recv(&self) -> Result<Bytes, LinkError> {
        poll_fn(|cx| self.peer.link.borrow_mut().poll_recv(cx)).await
    }

    fn close(&self, reason: CloseReason) {
        self.peer.close(reason);
    }

    fn stats(&self) -> LinkStats {
        let buffered = u64::from(self.peer.dc.buffered_amount());
        self.peer.link.borrow().stats(buffered, self.peer.rtt.get())
    }

    fn max_message_len(&self) -> usize {
        self.max_message_len
    }
}

impl Drop for WebLink {
    fn drop(&mut self) {
        self.close(CloseReason::new(CloseCode::GOING_AWAY, "endpoint dropped"));
    }
}

/// Reads the RTT every [`STATS_INTERVAL`] until the link closes or is
/// gone.
async fn watch_rtt(peer: Weak<Peer>) {
    loop {
        let _ = sleep(STATS_INTERVAL).await;
        let Some(peer) = peer.upgrade() else {
            return;
        };
        if peer.link.borrow().closed_error().is_some() {
            return;
        }
        if let Ok(report) = settle(peer.pc.get_stats()).await
            && let Some(rtt) = succeeded_pair_rtt(&report)
        {
            peer.rtt.set(Some(rtt));
        }
    }
}

/// The `currentRoundTripTime` of the first succeeded candidate pair in an
/// `RTCStatsReport` (iterable over `[id, stats]` entries).
fn succeeded_pair_rtt(report: &JsValue) -> Option<Duration> {
    let field =
        |stats: &JsValue, key: &str| js_sys::Reflect::get(stats, &JsValue::from_str(key)).ok();
    let entries = js_sys::try_iter(report).ok().flatten()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| js_sys::Reflect::get_u32(&entry, 1).ok())
        .filter(|stats| {
            field(stats, "type").and_then(|v| v.as_string()).as_deref() == Some("candidate-pair")
                && field(stats, "state").and_then(|v| v.as_string()).as_deref() == Some("succeeded")
        })
        .find_map(|stats| {
            field(&stats, "currentRoundTripTime")?
                .as_f64()
                .and_then(rtt_from_seconds)
        })
}
