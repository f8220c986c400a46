//! Counters the signalling server keeps for metrics.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::signal::ErrorCode;

/// Every error code the server sends, in [`SignalCounters::rejected`] order.
const CODES: [ErrorCode; 9] = [
    ErrorCode::TooLarge,
    ErrorCode::Malformed,
    ErrorCode::NotRegistered,
    ErrorCode::Unexpected,
    ErrorCode::BadSignature,
    ErrorCode::AlreadyRegistered,
    ErrorCode::UnknownPeer,
    ErrorCode::RateLimited,
    ErrorCode::PeerBusy,
];

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    connections_accepted: AtomicU64,
    connections_refused: AtomicU64,
    connections_open: AtomicU64,
    registrations: AtomicU64,
    registrations_replaced: AtomicU64,
    messages_received: AtomicU64,
    messages_forwarded: AtomicU64,
    abuse_disconnects: AtomicU64,
    rejected: [AtomicU64; CODES.len()],
}

/// What happened to a connection or message, for counting.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    ConnectionAccepted,
    ConnectionRefused,
    ConnectionClosed,
    Registered,
    Replaced,
    Received,
    Forwarded,
    AbuseDisconnect,
    Rejected(ErrorCode),
}

impl Counters {
    pub(crate) fn record(&self, event: Event) {
        let counter = match event {
            Event::ConnectionAccepted => {
                self.connections_open.fetch_add(1, Ordering::Relaxed);
                &self.connections_accepted
            }
            Event::ConnectionRefused => &self.connections_refused,
            Event::ConnectionClosed => {
                self.connections_open.fetch_sub(1, Ordering::Relaxed);
                return;
            }
            Event::Registered => &self.registrations,
            Event::Replaced => &self.registrations_replaced,
            Event::Received => &self.messages_received,
            Event::Forwarded => &self.messages_forwarded,
            Event::AbuseDisconnect => &self.abuse_disconnects,
            Event::Rejected(code) => match CODES.iter().position(|&c| c == code) {
                Some(i) => &self.rejected[i],
                None => return,
            },
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> SignalCounters {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SignalCounters {
            connections_accepted: get(&self.connections_accepted),
            connections_refused: get(&self.connections_refused),
            connections_open: get(&self.connections_open),
            registrations: get(&self.registrations),
            registrations_replaced: get(&self.registrations_replaced),
            messages_received: get(&self.messages_received),
            messages_forwarded: get(&self.messages_forwarded),
            abuse_disconnects: get(&self.abuse_disconnects),
            rejected: self.rejected.each_ref().map(get),
        }
    }
}

/// A snapshot of the server's counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalCounters {
    /// WebSocket connections accepted.
    pub connections_accepted: u64,
    /// TCP connections dropped because the connection limit was reached.
    pub connections_refused: u64,
    /// Connections open now.
    pub connections_open: u64,
    /// Successful registrations.
    pub registrations: u64,
    /// Registrations that replaced the same identity's older connection.
    pub registrations_replaced: u64,
    /// Text and binary messages received.
    pub messages_received: u64,
    /// Offers, answers and candidates forwarded.
    pub messages_forwarded: u64,
    /// Connections closed for too many refused messages, an oversized
    /// message or a broken WebSocket stream.
    pub abuse_disconnects: u64,
    rejected: [u64; CODES.len()],
}

impl SignalCounters {
    /// Messages refused with `code`.
    pub fn rejected(&self, code: ErrorCode) -> u64 {
        CODES
            .iter()
            .position(|&c| c == code)
            .map_or(0, |i| self.rejected[i])
    }

    /// Messages refused with any code.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }
}
