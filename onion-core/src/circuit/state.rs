//! The state a client keeps for one circuit.

use core::time::Duration;
use std::collections::BTreeMap;

use crate::cell::CircId;
use crate::crypto::ClientCrypto;
use crate::directory::VerifiedDescriptor;
use crate::flow::{SendWindow, SendmeCounter, WindowKind};
use crate::handshake::ClientHandshake;
use crate::identity::{OnionKey, RelayId};
use crate::link::LinkId;
use crate::relay_msg::StreamId;

/// One relay of a circuit's path: who it is and the key its handshake is
/// addressed to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HopTarget {
    /// The relay's identity, which names it on the mesh.
    pub identity: RelayId,
    /// The onion key from its descriptor.
    pub onion_key: OnionKey,
}

impl From<&VerifiedDescriptor> for HopTarget {
    fn from(relay: &VerifiedDescriptor) -> Self {
        HopTarget {
            identity: *relay.identity(),
            onion_key: relay.descriptor().onion_key,
        }
    }
}

/// The circuit on the link to its first hop.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(super) struct FirstHop {
    pub(super) link: LinkId,
    pub(super) circ_id: CircId,
}

/// Where a circuit is in its life.
pub(super) enum Phase {
    /// Waiting for a link to the first hop.
    AwaitingLink,
    /// A handshake with hop `crypto.hops()` is under way; boxed because
    /// snow's state is large and open circuits need none.
    Extending(Box<ClientHandshake>),
    /// Every hop is built.
    Open,
}

/// A stream the client opened on a circuit.
#[derive(Debug)]
pub(super) struct Stream {
    /// Until CONNECTED arrives, when the BEGIN gives up.
    pub(super) connect_deadline: Option<Duration>,
    pub(super) package: SendWindow,
    pub(super) sendme: SendmeCounter,
    /// A send found a window closed; report when it opens.
    pub(super) blocked: bool,
}

impl Stream {
    pub(super) fn new(connect_deadline: Duration) -> Self {
        Stream {
            connect_deadline: Some(connect_deadline),
            package: SendWindow::new(WindowKind::Stream),
            sendme: SendmeCounter::new(WindowKind::Stream),
            blocked: false,
        }
    }
}

/// One circuit of a client.
pub(super) struct Circuit {
    pub(super) path: Vec<HopTarget>,
    pub(super) first_hop: Option<FirstHop>,
    pub(super) crypto: ClientCrypto,
    pub(super) phase: Phase,
    pub(super) build_deadline: Duration,
    pub(super) streams: BTreeMap<StreamId, Stream>,
    /// DATA cells the client may still send to the last hop.
    pub(super) package: SendWindow,
    /// DATA cells from the last hop since the last circuit SENDME.
    pub(super) sendme: SendmeCounter,
    /// When the client last sent a cell on the circuit, for padding.
    pub(super) last_sent: Duration,
    pub(super) last_stream: u16,
}

impl Circuit {
    pub(super) fn new(path: Vec<HopTarget>, now: Duration, build_deadline: Duration) -> Self {
        Circuit {
            path,
            first_hop: None,
            crypto: ClientCrypto::new(),
            phase: Phase::AwaitingLink,
            build_deadline,
            streams: BTreeMap::new(),
            package: SendWindow::new(WindowKind::Circuit),
            sendme: SendmeCounter::new(WindowKind::Circuit),
            last_sent: now,
            last_stream: 0,
        }
    }

    pub(super) fn is_open(&self) -> bool {
        matches!(self.phase, Phase::Open)
    }

    /// The index of the last hop, which streams and services talk to.
    pub(super) fn last_hop(&self) -> usize {
        self.path.len().saturating_sub(1)
    }

    /// The earliest moment something of this circuit times out.
    pub(super) fn next_deadline(&self, padding: Option<Duration>) -> Option<Duration> {
        let build = (!self.is_open()).then_some(self.build_deadline);
        let pad = padding
            .filter(|_| self.is_open())
            .map(|interval| self.last_sent + interval);
        let streams = self
            .streams
            .values()
            .filter_map(|stream| stream.connect_deadline);
        build.into_iter().chain(pad).chain(streams).min()
    }
}
