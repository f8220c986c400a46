//! What a mesh hands its consumers: inbound messages per channel and
//! events, each on its own bounded queue.

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::error::LinkError;
use crate::frame::StreamId;
use crate::peer_id::PeerId;

/// An onion cell that arrived on the link to `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnionCell {
    /// The neighbour that sent it.
    pub from: PeerId,
    /// The cell.
    pub cell: Bytes,
}

/// Application-stream data that arrived on the link to `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamData {
    /// The neighbour that sent it.
    pub from: PeerId,
    /// The stream on that link.
    pub stream: StreamId,
    /// The data.
    pub data: Bytes,
}

/// How a link came up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// This end sent the offer.
    Dialed,
    /// The peer sent the offer.
    Answered,
}

/// Something that happened to the mesh. Events are advisory: when the
/// queue is full, new ones are dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MeshEvent {
    /// The mesh registered with the signalling server (again).
    Registered,
    /// The signalling connection dropped; the mesh dials it again.
    SignallingLost,
    /// A link to `peer` is up. It replaces any earlier one, which closes
    /// without a `LinkDown` of its own.
    LinkUp {
        /// The neighbour.
        peer: PeerId,
        /// Who offered.
        direction: Direction,
    },
    /// The current link to `peer` closed.
    LinkDown {
        /// The neighbour.
        peer: PeerId,
        /// Why.
        reason: LinkError,
        /// Whether the mesh will try to restore it.
        reconnecting: bool,
    },
    /// The mesh stopped trying to restore the link to `peer`.
    GaveUp {
        /// The neighbour.
        peer: PeerId,
    },
}

/// The consumer ends of a mesh's queues. Dropping a receiver discards what
/// would have gone to it.
#[derive(Debug)]
pub struct MeshInbox {
    /// Onion cells from every neighbour.
    pub onion: mpsc::Receiver<OnionCell>,
    /// Application-stream data from every neighbour.
    pub streams: mpsc::Receiver<StreamData>,
    /// Link and signalling events.
    pub events: mpsc::Receiver<MeshEvent>,
}

/// The producer ends, shared by the mesh's tasks.
pub(crate) struct Sinks {
    pub(crate) onion: mpsc::Sender<OnionCell>,
    pub(crate) streams: mpsc::Sender<StreamData>,
    pub(crate) events: mpsc::Sender<MeshEvent>,
}

impl Sinks {
    /// Queues for `inbox_capacity` messages per channel and `event_capacity`
    /// events.
    pub(crate) fn new(inbox_capacity: usize, event_capacity: usize) -> (Sinks, MeshInbox) {
        let (onion, onion_rx) = mpsc::channel(inbox_capacity.max(1));
        let (streams, streams_rx) = mpsc::channel(inbox_capacity.max(1));
        let (events, events_rx) = mpsc::channel(event_capacity.max(1));
        let inbox = MeshInbox {
            onion: onion_rx,
            streams: streams_rx,
            events: events_rx,
        };
        (
            Sinks {
                onion,
                streams,
                events,
            },
            inbox,
        )
    }

    /// Reports `event` unless the queue is full or nobody listens.
    pub(crate) fn event(&self, event: MeshEvent) {
        let _ = self.events.try_send(event);
    }
}
