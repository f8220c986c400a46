//! Links between simulated nodes: cells in flight on virtual time, with
//! loss and reordering injected, and a tap that sees every cell.

use core::time::Duration;
use std::collections::{BTreeMap, HashMap};

use crate::cell::CELL_LEN;
use crate::link::LinkId;

/// A node of the simulation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum NodeId {
    /// The relay at this index.
    Relay(usize),
    /// The client at this index.
    Client(usize),
}

/// Faults injected on every link, drawn from the simulation's RNG.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// Probability that a cell is lost.
    pub loss: f64,
    /// Probability that a cell is held back long enough for later cells on
    /// its link to overtake it.
    pub reorder: f64,
}

/// A cell on its way from one node to another.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// The link, named the same at both ends.
    pub link: LinkId,
    /// The cell's bytes.
    pub cell: [u8; CELL_LEN],
}

/// What a tap does with a cell it saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver it (with any change the tap made).
    Deliver,
    /// Lose it.
    Drop,
    /// Deliver it, then the same bytes again.
    Replay,
}

/// A test's view of every cell as it arrives.
pub type Tap = Box<dyn FnMut(&mut Delivery) -> Verdict>;

/// The links and the cells in flight on them.
#[derive(Default)]
pub(super) struct Network {
    ends: HashMap<LinkId, (NodeId, NodeId)>,
    between: HashMap<(NodeId, NodeId), LinkId>,
    in_flight: BTreeMap<(Duration, u64), Delivery>,
    sent: u64,
    /// Links ever opened; ids are never reused.
    opened: u64,
}

impl Network {
    /// The link between `a` and `b`, and whether it was just made.
    pub(super) fn link(&mut self, a: NodeId, b: NodeId) -> (LinkId, bool) {
        let key = (a.min(b), a.max(b));
        if let Some(&link) = self.between.get(&key) {
            return (link, false);
        }
        self.opened += 1;
        let link = LinkId(self.opened);
        self.ends.insert(link, key);
        self.between.insert(key, link);
        (link, true)
    }

    /// The link between `a` and `b`, if there is one.
    pub(super) fn existing(&self, a: NodeId, b: NodeId) -> Option<LinkId> {
        self.between.get(&(a.min(b), a.max(b))).copied()
    }

    /// Forgets the link between `a` and `b` and the cells on it.
    pub(super) fn close(&mut self, a: NodeId, b: NodeId) -> Option<LinkId> {
        let link = self.between.remove(&(a.min(b), a.max(b)))?;
        self.ends.remove(&link);
        self.in_flight.retain(|_, delivery| delivery.link != link);
        Some(link)
    }

    /// The node at the other end of `link` from `from`.
    pub(super) fn peer(&self, link: LinkId, from: NodeId) -> Option<NodeId> {
        let &(a, b) = self.ends.get(&link)?;
        match (a == from, b == from) {
            (true, _) => Some(b),
            (_, true) => Some(a),
            _ => None,
        }
    }

    pub(super) fn send(&mut self, at: Duration, delivery: Delivery) {
        self.sent += 1;
        self.in_flight.insert((at, self.sent), delivery);
    }

    pub(super) fn next_at(&self) -> Option<Duration> {
        self.in_flight.first_key_value().map(|(&(at, _), _)| at)
    }

    pub(super) fn pop(&mut self) -> Option<Delivery> {
        self.in_flight.pop_first().map(|(_, delivery)| delivery)
    }

    pub(super) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }
}
