//! Routing of one signalling connection's traffic to per-peer link set-ups.
//!
//! A [`SignalRouter`] owns a registered [`SignalClient`] in a task. Each link
//! set-up opens a route to its peer ([`SignalRouter::open`]) and gets that
//! peer's offers, answers, candidates and refusals on it; an offer from a
//! peer without a route, and every other server message, comes out as a
//! [`RouterEvent`]. Routes close when their [`PeerSignals`] is dropped.
//! Nothing blocks on a slow consumer: a full queue drops the message, and
//! the set-up it belonged to times out and is retried.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::SignalClient;
use crate::peer_id::PeerId;
use crate::signal::{ClientMessage, Sdp, ServerMessage};
pub use crate::signal::{Inbound, Signal};

/// Messages queued per route, and outbound, before new ones are dropped.
const QUEUE: usize = 256;

/// What the router reports outside any route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouterEvent {
    /// An offer from a peer this end has no route to.
    Offer {
        /// Who sent it.
        from: PeerId,
        /// The offer.
        sdp: Sdp,
    },
    /// Any other server message (peer lists, descriptors, refusals).
    Server(ServerMessage),
    /// The signalling connection ended; the router does nothing more.
    Closed,
}

struct Route {
    generation: u64,
    inbound: mpsc::Sender<Inbound>,
}

#[derive(Default)]
struct Routes {
    next_generation: u64,
    by_peer: HashMap<PeerId, Route>,
}

type SharedRoutes = Arc<Mutex<Routes>>;

fn lock(routes: &SharedRoutes) -> MutexGuard<'_, Routes> {
    routes.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The signalling path to one peer, for one link set-up.
pub struct PeerSignals {
    peer: PeerId,
    generation: u64,
    outbound: mpsc::Sender<ClientMessage>,
    inbound: mpsc::Receiver<Inbound>,
    routes: SharedRoutes,
}

impl PeerSignals {
    /// The peer at the other end.
    pub fn peer(&self) -> PeerId {
        self.peer
    }

    /// Sends `signal` to the peer; false once the signalling connection is
    /// gone (a full outbound queue drops the signal and returns true).
    pub fn send(&self, signal: Signal) -> bool {
        let to = self.peer;
        let message = match signal {
            Signal::Offer(sdp) => ClientMessage::Offer { to, sdp },
            Signal::Answer(sdp) => ClientMessage::Answer { to, sdp },
            Signal::Candidate(candidate) => ClientMessage::Candidate { to, candidate },
        };
        !matches!(
            self.outbound.try_send(message),
            Err(mpsc::error::TrySendError::Closed(_))
        )
    }

    /// The next message from the peer; `None` once the signalling
    /// connection is gone or a newer route to the peer replaced this one.
    pub async fn recv(&mut self) -> Option<Inbound> {
        self.inbound.recv().await
    }
}

impl Drop for PeerSignals {
    fn drop(&mut self) {
        let mut routes = lock(&self.routes);
        if routes
            .by_peer
            .get(&self.peer)
            .is_some_and(|route| route.generation == self.generation)
        {
            routes.by_peer.remove(&self.peer);
        }
    }
}

/// A registered signalling connection, routed by peer. Dropping it closes
/// the connection.
pub struct SignalRouter {
    me: PeerId,
    outbound: mpsc::Sender<ClientMessage>,
    routes: SharedRoutes,
    task: JoinHandle<()>,
}

impl SignalRouter {
    /// Starts routing `client`'s traffic on the current tokio runtime.
    pub fn spawn(client: SignalClient) -> (SignalRouter, mpsc::Receiver<RouterEvent>) {
        let (outbound, outbound_rx) = mpsc::channel(QUEUE);
        let (events, events_rx) = mpsc::channel(QUEUE);
        let routes = SharedRoutes::default();
        let me = client.peer();
        let task = tokio::spawn(run(client, outbound_rx, Arc::clone(&routes), events));
        let router = SignalRouter {
            me,
            outbound,
            routes,
            task,
        };
        (router, events_rx)
    }

    /// The identity the connection is registered as.
    pub fn me(&self) -> PeerId {
        self.me
    }

    /// Opens the route to `peer`, replacing any earlier one (whose
    /// [`PeerSignals::recv`] then ends).
    pub fn open(&self, peer: PeerId) -> PeerSignals {
        let (sender, inbound) = mpsc::channel(QUEUE);
        let mut routes = lock(&self.routes);
        routes.next_generation += 1;
        let generation = routes.next_generation;
        routes.by_peer.insert(
            peer,
            Route {
                generation,
                inbound: sender,
            },
        );
        PeerSignals {
            peer,
            generation,
            outbound: self.outbound.clone(),
            inbound,
            routes: Arc::clone(&self.routes),
        }
    }

    /// Hands `signal` from `peer`, which came out as a [`RouterEvent`]
    /// because no route was open then, to the route opened since; false if
    /// there is still none.
    pub fn redeliver(&self, peer: PeerId, signal: Signal) -> bool {
        deliver(&self.routes, peer, Inbound::Signal(signal))
    }

    /// Sends any message to the server; false once the connection is gone.
    pub fn send(&self, message: ClientMessage) -> bool {
        !matches!(
            self.outbound.try_send(message),
            Err(mpsc::error::TrySendError::Closed(_))
        )
    }

    /// Whether the signalling connection has ended.
    pub fn is_closed(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for SignalRouter {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(
    mut client: SignalClient,
    mut outbound: mpsc::Receiver<ClientMessage>,
    routes: SharedRoutes,
    events: mpsc::Sender<RouterEvent>,
) {
    loop {
        tokio::select! {
            received = client.recv() => match received {
                Ok(message) => route(&routes, &events, message),
                Err(_) => break,
            },
            message = outbound.recv() => match message {
                Some(message) => {
                    if client.send(&message).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
        }
    }
    // Every route ends with the connection.
    lock(&routes).by_peer.clear();
    let _ = events.try_send(RouterEvent::Closed);
}

fn route(routes: &SharedRoutes, events: &mpsc::Sender<RouterEvent>, message: ServerMessage) {
    let (from, inbound) = match message {
        ServerMessage::Offer { from, sdp } => {
            if deliver(routes, from, Inbound::Signal(Signal::Offer(sdp.clone()))) {
                return;
            }
            let _ = events.try_send(RouterEvent::Offer { from, sdp });
            return;
        }
        ServerMessage::Answer { from, sdp } => (from, Inbound::Signal(Signal::Answer(sdp))),
        ServerMessage::Candidate { from, candidate } => {
            (from, Inbound::Signal(Signal::Candidate(candidate)))
        }
        ServerMessage::Error {
            code,
            peer: Some(peer),
        } if deliver(routes, peer, Inbound::Refused(code)) => return,
        other => {
            let _ = events.try_send(RouterEvent::Server(other));
            return;
        }
    };
    // Answers and candidates without a route belong to a finished set-up.
    deliver(routes, from, inbound);
}

/// Queues `inbound` on `peer`'s route; false if there is none.
fn deliver(routes: &SharedRoutes, peer: PeerId, inbound: Inbound) -> bool {
    match lock(routes).by_peer.get(&peer) {
        Some(route) => {
            let _ = route.inbound.try_send(inbound);
            true
        }
        None => false,
    }
}
