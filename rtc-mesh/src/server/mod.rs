//! The signalling server: WebSocket on tokio, authenticated registration,
//! forwarding only between registered peers.
//!
//! - A client registers as a [`PeerId`](crate::PeerId) only by signing the server's fresh
//!   challenge with that identity's key (see [`crate::signal`]). That is
//!   where an id is checked as an Ed25519 key: messages parse ids by
//!   format only, and a forwarding target resolves only if it registered.
//! - Offers, answers and candidates go only to registered peers, stamped
//!   with the sender's authenticated id; to any other id the sender gets
//!   [`ErrorCode::UnknownPeer`](crate::signal::ErrorCode::UnknownPeer).
//! - **Re-registration replaces.** A second connection that proves the same
//!   identity takes the registration over and the older connection is
//!   closed. Only the key holder can do this, and it lets a restarted node
//!   come back at once instead of waiting for its dead connection to time
//!   out.
//! - Per connection: a message-size limit (an oversized message closes the
//!   connection), a token-bucket rate limit, a registration deadline, and a
//!   second token bucket for refused messages: a connection refused faster
//!   than that budget refills is closed.
//! - Logs carry connection numbers, peer fingerprints and error codes only,
//!   never message contents.
//!
//! ```
//! use rtc_mesh::server::{SignalServer, SignalServerConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), rtc_mesh::SignalServerError> {
//! let server = SignalServer::bind("127.0.0.1:0".parse().expect("address"), SignalServerConfig::default()).await?;
//! let url = format!("ws://{}", server.local_addr());
//! assert!(url.starts_with("ws://127.0.0.1:"));
//! assert_eq!(server.counters().connections_accepted, 0);
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod counters;
mod rate;
mod registry;
mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

pub use counters::SignalCounters;
pub use rate::RateLimit;

use crate::error::SignalServerError;
use crate::signal::{MAX_SIGNAL_MESSAGE_LEN, Realm};

/// The server's limits and identity.
#[derive(Clone, Debug)]
pub struct SignalServerConfig {
    /// The realm clients sign into (normally the public URL).
    pub realm: Realm,
    /// Largest WebSocket message accepted; larger ones close the connection.
    pub max_message_len: usize,
    /// Messages per connection.
    pub rate: RateLimit,
    /// Refused messages tolerated on one connection, as a rate: a burst,
    /// refilled steadily. A client whose messages are refused now and then
    /// (such as a node retrying a peer that went offline) keeps its
    /// connection; one that runs out, as a flood of bad messages does, is
    /// closed.
    pub refusals: RateLimit,
    /// Time a connection has to register.
    pub register_timeout: Duration,
    /// Connections served at once; more are dropped on accept.
    pub max_connections: usize,
    /// Messages queued for one client before senders get `peer_busy`.
    pub outbound_queue: usize,
}

impl Default for SignalServerConfig {
    fn default() -> Self {
        SignalServerConfig {
            realm: Realm::new("onionswarm").unwrap_or_else(|_| unreachable!("short realm")),
            max_message_len: MAX_SIGNAL_MESSAGE_LEN,
            rate: RateLimit {
                burst: 200,
                per_second: 100,
            },
            refusals: RateLimit {
                burst: 32,
                per_second: 2,
            },
            register_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            outbound_queue: 256,
        }
    }
}

/// What every connection task shares.
pub(crate) struct Shared {
    pub(crate) config: SignalServerConfig,
    pub(crate) registry: registry::Registry,
    pub(crate) counters: counters::Counters,
    pub(crate) shutdown: watch::Receiver<bool>,
}

/// A running signalling server. Dropping it stops it too.
pub struct SignalServer {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl SignalServer {
    /// Binds `addr` and starts serving on the current tokio runtime.
    pub async fn bind(
        addr: SocketAddr,
        config: SignalServerConfig,
    ) -> Result<Self, SignalServerError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(SignalServerError::Bind)?;
        let local_addr = listener.local_addr().map_err(SignalServerError::Bind)?;
        let (stop, shutdown) = watch::channel(false);
        let shared = Arc::new(Shared {
            registry: registry::Registry::default(),
            counters: counters::Counters::default(),
            config,
            shutdown,
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(SignalServer {
            local_addr,
            shared,
            stop,
            accept,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> SignalCounters {
        self.shared.counters.snapshot()
    }

    /// Stops accepting, closes every connection and waits for the listener
    /// to be released.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        // The accept loop ends on the signal; a panic in it has nothing left
        // to clean up.
        let _ = (&mut self.accept).await;
    }
}

impl Drop for SignalServer {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(shared.config.max_connections));
    let mut shutdown = shared.shutdown.clone();
    let mut next_id: u64 = 0;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        let Ok((stream, _)) = accepted else {
            // Accept errors (e.g. out of file descriptors) are transient;
            // pause instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            shared.counters.record(counters::Event::ConnectionRefused);
            continue;
        };
        next_id += 1;
        let shared = Arc::clone(&shared);
        let id = next_id;
        tokio::spawn(async move {
            session::serve(stream, id, &shared).await;
            drop(slot);
        });
    }
}
