//! The mesh's signalling connection: register, answer offers, keep the
//! connection alive, and dial the server again with backoff whenever the
//! connection drops (including a server restart at the same address).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::debug;

use super::backoff::Retry;
use super::inbox::MeshEvent;
use super::node::Node;
use crate::client::SignalClient;
use crate::router::{RouterEvent, SignalRouter};
use crate::signal::ClientMessage;

/// Keeps the mesh registered until it shuts down.
pub(crate) async fn run(node: Arc<Node>) {
    let mut retry = Retry::new(node.config.signalling_retry);
    loop {
        let connected = tokio::select! {
            () = node.shut_down() => return,
            connected = tokio::time::timeout(
                node.config.signalling_connect_timeout,
                SignalClient::connect(&node.url, &node.key, &node.realm),
            ) => connected,
        };
        match connected {
            Ok(Ok(client)) => {
                retry.reset();
                let (router, events) = SignalRouter::spawn(client);
                let router = Arc::new(router);
                node.counters.registrations.fetch_add(1, Ordering::Relaxed);
                node.router.send_replace(Some(Arc::clone(&router)));
                node.sinks.event(MeshEvent::Registered);
                let shut_down = serve(&node, &router, events).await;
                node.router.send_replace(None);
                if shut_down {
                    return;
                }
                node.sinks.event(MeshEvent::SignallingLost);
            }
            Ok(Err(error)) => debug!(%error, "signalling connection failed"),
            Err(_) => debug!("signalling connection timed out"),
        }
        tokio::select! {
            () = node.shut_down() => return,
            () = tokio::time::sleep(retry.next_random_delay()) => {}
        }
    }
}

/// Handles `router`'s events until its connection drops or goes quiet
/// (`false`) or the mesh shuts down (`true`).
async fn serve(
    node: &Arc<Node>,
    router: &Arc<SignalRouter>,
    mut events: mpsc::Receiver<RouterEvent>,
) -> bool {
    let config = &node.config;
    // An empty peer listing is the cheapest message the server answers.
    let mut keepalive = tokio::time::interval_at(
        Instant::now() + config.signalling_keepalive,
        config.signalling_keepalive,
    );
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let quiet = tokio::time::sleep(config.signalling_dead_after);
    tokio::pin!(quiet);
    loop {
        tokio::select! {
            () = node.shut_down() => return true,
            event = events.recv() => {
                quiet.as_mut().reset(Instant::now() + config.signalling_dead_after);
                match event {
                    Some(RouterEvent::Offer { from, sdp }) => node.accept(router, from, sdp),
                    Some(RouterEvent::Server(_)) => {}
                    Some(RouterEvent::Closed) | None => return false,
                }
            }
            _ = keepalive.tick() => {
                if !router.send(ClientMessage::ListPeers { limit: 0 }) {
                    return false;
                }
            }
            () = &mut quiet => {
                debug!("signalling connection went quiet");
                return false;
            }
        }
    }
}
