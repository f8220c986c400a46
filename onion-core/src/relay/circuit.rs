//! The state one relay keeps for one circuit through it.

use core::time::Duration;
use std::collections::BTreeMap;

use crate::cell::{CircId, CreateBody};
use crate::crypto::RelayCrypto;
use crate::flow::{SendWindow, SendmeCounter, WindowKind};
use crate::identity::RelayId;
use crate::link::LinkId;
use crate::relay_msg::StreamId;

/// One end of a circuit on one link.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(super) struct Hop {
    pub(super) link: LinkId,
    pub(super) circ_id: CircId,
}

/// Which side of this relay a cell came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Side {
    /// Towards the client.
    Previous,
    /// Away from the client.
    Next,
}

/// Where the circuit goes after this relay.
#[derive(Debug)]
pub(super) enum Next {
    /// This relay is the last hop.
    End,
    /// An EXTEND waits for a link to `target`.
    AwaitingLink {
        target: RelayId,
        create: CreateBody,
        deadline: Duration,
    },
    /// The CREATE went out on `hop`; its CREATED has not come back.
    AwaitingCreated { hop: Hop, deadline: Duration },
    /// The circuit continues on `hop`.
    Open(Hop),
}

impl Next {
    /// The link and id of the next hop once a CREATE went out.
    pub(super) fn hop(&self) -> Option<Hop> {
        match self {
            Next::AwaitingCreated { hop, .. } | Next::Open(hop) => Some(*hop),
            Next::End | Next::AwaitingLink { .. } => None,
        }
    }

    /// When a pending extension gives up.
    pub(super) fn deadline(&self) -> Option<Duration> {
        match self {
            Next::AwaitingLink { deadline, .. } | Next::AwaitingCreated { deadline, .. } => {
                Some(*deadline)
            }
            Next::End | Next::Open(_) => None,
        }
    }
}

/// A stream that ends at this relay.
#[derive(Debug)]
pub(super) struct Stream {
    /// Whether the endpoint answered the BEGIN.
    pub(super) connected: bool,
    /// DATA cells this relay may still send to the client.
    pub(super) package: SendWindow,
    /// DATA cells delivered since the last SENDME.
    pub(super) sendme: SendmeCounter,
    /// Whether the endpoint was told the window is closed and waits for
    /// [`Endpoint::writable`](super::Endpoint::writable).
    pub(super) blocked: bool,
}

impl Stream {
    pub(super) fn new() -> Self {
        Stream {
            connected: false,
            package: SendWindow::new(WindowKind::Stream),
            sendme: SendmeCounter::new(WindowKind::Stream),
            blocked: false,
        }
    }
}

/// One circuit through this relay.
pub(super) struct Circuit {
    /// Towards the client.
    pub(super) previous: Hop,
    /// This hop's layer keys, wiped on drop.
    pub(super) crypto: RelayCrypto,
    /// Away from the client.
    pub(super) next: Next,
    /// Streams that end here.
    pub(super) streams: BTreeMap<StreamId, Stream>,
    /// DATA cells this relay may still send to the client on the circuit.
    pub(super) package: SendWindow,
    /// DATA cells for this relay delivered since the last circuit SENDME.
    pub(super) sendme: SendmeCounter,
    /// Cells of this circuit waiting to be polled.
    pub(super) queued: usize,
}

impl Circuit {
    pub(super) fn new(previous: Hop, crypto: RelayCrypto) -> Self {
        Circuit {
            previous,
            crypto,
            next: Next::End,
            streams: BTreeMap::new(),
            package: SendWindow::new(WindowKind::Circuit),
            sendme: SendmeCounter::new(WindowKind::Circuit),
            queued: 0,
        }
    }

    /// The hop on `side`, if the circuit has one there.
    pub(super) fn hop(&self, side: Side) -> Option<Hop> {
        match side {
            Side::Previous => Some(self.previous),
            Side::Next => self.next.hop(),
        }
    }
}
