//! Settings of a [`Mesh`](super::Mesh).

use std::time::Duration;

use super::backoff::Backoff;
use crate::native::NativeConfig;

/// Settings of a [`Mesh`](super::Mesh): its links, keepalive, reconnection
/// and queues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeshConfig {
    /// Settings of every link.
    pub links: NativeConfig,
    /// Time between keepalives on an otherwise quiet link.
    pub keepalive_interval: Duration,
    /// A link on which nothing arrives for this long is closed as dead.
    /// Several keepalive intervals, so one late keepalive is not a death.
    pub dead_after: Duration,
    /// Delays between attempts to restore a link that dropped.
    pub reconnect: Backoff,
    /// Attempts to restore a dropped link before giving up on the peer
    /// (a later [`Mesh::link`](super::Mesh::link) tries again).
    pub reconnect_attempts: u32,
    /// Delays between attempts to reach the signalling server; these go on
    /// as long as the mesh lives.
    pub signalling_retry: Backoff,
    /// How long one signalling connection and registration may take.
    pub signalling_connect_timeout: Duration,
    /// Time between signalling keepalives (an empty peer listing).
    pub signalling_keepalive: Duration,
    /// A signalling connection that answers nothing for this long is
    /// dropped and dialed again.
    pub signalling_dead_after: Duration,
    /// Messages queued per inbound channel (onion cells, stream data)
    /// before links stop reading, which pushes back on their senders.
    pub inbox_capacity: usize,
    /// Mesh events queued before new ones are dropped.
    pub event_capacity: usize,
}

impl Default for MeshConfig {
    /// Internet-facing defaults: [`NativeConfig::default`] links, 5 s
    /// keepalives with death after 20 s, link retries from 250 ms up to
    /// 30 s (10 attempts), signalling retries from 250 ms up to 30 s, and
    /// 15 s signalling keepalives with death after 45 s.
    fn default() -> Self {
        MeshConfig {
            links: NativeConfig::default(),
            keepalive_interval: Duration::from_secs(5),
            dead_after: Duration::from_secs(20),
            reconnect: Backoff {
                initial: Duration::from_millis(250),
                max: Duration::from_secs(30),
            },
            reconnect_attempts: 10,
            signalling_retry: Backoff {
                initial: Duration::from_millis(250),
                max: Duration::from_secs(30),
            },
            signalling_connect_timeout: Duration::from_secs(10),
            signalling_keepalive: Duration::from_secs(15),
            signalling_dead_after: Duration::from_secs(45),
            inbox_capacity: 1024,
            event_capacity: 1024,
        }
    }
}

impl MeshConfig {
    /// Loopback only ([`NativeConfig::loopback`] links, 5 s set-up timeout)
    /// with short keepalives and retries, so tests see failures and
    /// recoveries within seconds.
    pub fn loopback() -> Self {
        let quick = Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(500),
        };
        MeshConfig {
            links: NativeConfig {
                connect_timeout: Duration::from_secs(5),
                ..NativeConfig::loopback()
            },
            keepalive_interval: Duration::from_millis(500),
            dead_after: Duration::from_secs(3),
            reconnect: quick,
            reconnect_attempts: 40,
            signalling_retry: quick,
            signalling_connect_timeout: Duration::from_secs(5),
            signalling_keepalive: Duration::from_secs(1),
            signalling_dead_after: Duration::from_secs(5),
            ..MeshConfig::default()
        }
    }
}
