//! The tasks of one open link: reading and routing inbound frames to the
//! mesh's consumers, sending keepalives, and closing the link as dead when
//! nothing arrives for [`MeshConfig::dead_after`](super::MeshConfig::dead_after).

use std::sync::Arc;

use bytes::Bytes;
use tokio::time::{Instant, MissedTickBehavior};

use super::inbox::{OnionCell, StreamData};
use super::link::MeshLink;
use super::node::Node;
use crate::error::{FrameError, LinkError};
use crate::frame::{Channel, Frame};
use crate::link::{CloseCode, CloseReason};

/// Serves link `generation` until it closes, then reports why; ends
/// silently if the mesh shuts down.
pub(crate) async fn run(node: Arc<Node>, link: MeshLink, generation: u64) {
    let keepalive = tokio::spawn(keepalive(link.clone(), node.config.keepalive_interval));
    let ended = read(&node, &link).await;
    keepalive.abort();
    if let Some(reason) = ended {
        node.link_ended(link.peer(), generation, reason);
    }
}

/// Sends a keepalive every `interval` until the link closes. Both ends
/// send them, so each hears from the other at least that often.
async fn keepalive(link: MeshLink, interval: std::time::Duration) {
    let mut tick = tokio::time::interval_at(Instant::now() + interval, interval);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if link.send_keepalive().await.is_err() {
            return;
        }
    }
}

/// Reads until the link closes (`Some(why)`) or the mesh shuts down.
async fn read(node: &Node, link: &MeshLink) -> Option<LinkError> {
    let dead_after = node.config.dead_after;
    let deadline = tokio::time::sleep(dead_after);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            biased;
            () = node.shut_down() => return None,
            received = link.recv() => {
                let message = match received {
                    Ok(message) => message,
                    Err(closed) => return Some(closed),
                };
                deadline.as_mut().reset(Instant::now() + dead_after);
                let routed = tokio::select! {
                    () = node.shut_down() => return None,
                    routed = route(node, link, message) => routed,
                };
                if routed.is_err() {
                    link.close(CloseReason::new(CloseCode::PROTOCOL_ERROR, "malformed frame"));
                    return Some(link.closed().await);
                }
            }
            () = &mut deadline => {
                link.close(CloseReason::new(CloseCode::DEAD, "no keepalive"));
                return Some(link.closed().await);
            }
        }
    }
}

/// Hands one inbound message to its channel's consumer, waiting while that
/// queue is full. Without a consumer the message is dropped.
async fn route(node: &Node, link: &MeshLink, message: Bytes) -> Result<(), FrameError> {
    let from = link.peer();
    let sinks = &node.sinks;
    match Frame::decode_message(message)?.into_parts() {
        // Keepalives only reset the deadline; other control messages are
        // reserved (see `link`).
        (Channel::Control, _) => {}
        (Channel::Onion, cell) => {
            let _ = sinks.onion.send(OnionCell { from, cell }).await;
        }
        (Channel::Stream(stream), data) => {
            let _ = sinks.streams.send(StreamData { from, stream, data }).await;
        }
    }
    Ok(())
}
