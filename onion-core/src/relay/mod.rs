//! The relay state machine: every circuit through one relay node.
//!
//! A [`Relay`] accepts CREATEs on its links, removes its layer from cells
//! travelling away from the client and adds it to cells travelling back,
//! extends circuits to the next relay on request, and is the endpoint of
//! the streams and service requests addressed to it, which it hands to an
//! [`Endpoint`] the embedding code implements.
//!
//! # Driver contract
//!
//! The relay does no IO and reads no clock. The caller:
//! 1. reports each link with [`Relay::link_up`] (and [`Relay::link_down`]),
//!    naming the relay at the other end;
//! 2. feeds every message a link delivers to [`Relay::handle_cell`], and
//!    calls [`Relay::handle_timeout`] once [`Relay::poll_timeout`] is due;
//! 3. after any call, drains [`Relay::poll_output`] until it is `None`,
//!    sending each [`Output::Transmit`] on its link in order and opening a
//!    link for each [`Output::Connect`] (then `link_up`, or
//!    [`Relay::connect_failed`]).
//!
//! ```
//! use core::time::Duration;
//! use onion_core::handshake::{OnionKeyring, OnionSecret};
//! use onion_core::relay::{CircuitRef, Endpoint, Relay, RelayConfig};
//! use onion_core::{EndReason, LinkId, Output, RelayId, ServiceCommand, StreamId, Target};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//!
//! struct Refuse;
//! impl Endpoint for Refuse {
//!     fn begin(&mut self, _: CircuitRef, _: StreamId, _: Target<'_>) {}
//!     fn data(&mut self, _: CircuitRef, _: StreamId, _: &[u8]) {}
//!     fn end(&mut self, _: CircuitRef, _: StreamId, _: EndReason) {}
//!     fn writable(&mut self, _: CircuitRef, _: StreamId) {}
//!     fn service(&mut self, _: CircuitRef, _: StreamId, _: ServiceCommand, _: &[u8]) {}
//!     fn circuit_closed(&mut self, _: CircuitRef) {}
//! }
//!
//! let keyring = OnionKeyring::new(OnionSecret::generate(&mut rng));
//! let mut relay = Relay::new(RelayId::from_bytes([1; 32]), keyring, RelayConfig::default());
//! let now = Duration::ZERO;
//! relay.link_up(now, LinkId(7), RelayId::from_bytes([2; 32]), &mut rng);
//! // A message that is not a cell is refused; the relay stays usable.
//! assert!(relay.handle_cell(now, LinkId(7), b"not a cell", &mut rng, &mut Refuse).is_err());
//! while let Some(output) = relay.poll_output() {
//!     match output {
//!         Output::Transmit { link, cell } => { /* send `cell` on `link` */ }
//!         Output::Connect { relay } => { /* open a link, then link_up */ }
//!     }
//! }
//! assert_eq!(relay.poll_timeout(), None);
//! ```

mod circuit;
mod config;
mod endpoint;
mod message;

use core::time::Duration;
use std::collections::{BTreeSet, HashMap, VecDeque};

use rand_core::CryptoRng;

use crate::cell::{
    Cell, CellBody, CellCommand, CircIdSpace, CreateBody, CreatedBody, DestroyBody, DestroyReason,
};
use crate::crypto::{Disposition, RelayCrypto};
use crate::error::{CircuitError, CryptoError, Error, Limit};
use crate::handshake::OnionKeyring;
use crate::identity::RelayId;
use crate::link::{LinkId, Output};
use crate::relay_msg::RelayMessage;
use circuit::{Circuit, Hop, Next, Side};

pub use config::RelayConfig;
pub use endpoint::{CircuitRef, Endpoint};

/// How many random circuit ids an EXTEND tries on a link before it gives
/// up; each try collides with probability (open ids) / 2³¹.
const CIRC_ID_DRAWS: usize = 16;

/// Every circuit through one relay node. See the [module docs](self).
pub struct Relay {
    identity: RelayId,
    keyring: OnionKeyring,
    config: RelayConfig,
    /// The relay at the other end of each link.
    links: HashMap<LinkId, RelayId>,
    /// The link each peer is reached over (the latest reported).
    peer_links: HashMap<RelayId, LinkId>,
    /// Circuits whose EXTEND waits for a link to a relay.
    awaiting_link: HashMap<RelayId, Vec<CircuitRef>>,
    circuits: HashMap<CircuitRef, Circuit>,
    /// Which circuit, and which side of it, each (link, circuit id) is.
    hops: HashMap<Hop, (CircuitRef, Side)>,
    /// Deadlines of pending extensions.
    timers: BTreeSet<(Duration, CircuitRef)>,
    /// Outputs to poll, with the circuit whose queue limit each counts in.
    outputs: VecDeque<(Output, Option<CircuitRef>)>,
    /// Circuits closed since the endpoint was last told.
    closed: Vec<CircuitRef>,
    next_ref: u64,
}

impl Relay {
    /// A relay named `identity` (its Ed25519 key, which is also its mesh
    /// peer id) answering CREATEs with `keyring`.
    pub fn new(identity: RelayId, keyring: OnionKeyring, config: RelayConfig) -> Self {
        Relay {
            identity,
            keyring,
            config,
            links: HashMap::new(),
            peer_links: HashMap::new(),
            awaiting_link: HashMap::new(),
            circuits: HashMap::new(),
            hops: HashMap::new(),
            timers: BTreeSet::new(),
            outputs: VecDeque::new(),
            closed: Vec::new(),
            next_ref: 0,
        }
    }

    /// The relay's identity.
    pub fn identity(&self) -> &RelayId {
        &self.identity
    }

    /// The relay's onion keys, to publish or rotate.
    pub fn keyring_mut(&mut self) -> &mut OnionKeyring {
        &mut self.keyring
    }

    /// How many circuits pass through the relay.
    pub fn circuits(&self) -> usize {
        self.circuits.len()
    }

    /// How many outputs wait to be polled.
    pub fn queued_outputs(&self) -> usize {
        self.outputs.len()
    }

    /// Bytes the relay holds for one circuit with no streams and nothing
    /// queued: the circuit itself and its two index entries.
    pub fn state_bytes_per_circuit() -> usize {
        let map_entry = size_of::<(CircuitRef, Circuit)>();
        let index_entry = size_of::<(Hop, (CircuitRef, Side))>();
        map_entry + 2 * index_entry
    }

    /// Bytes each stream ending at this relay adds to its circuit.
    pub fn state_bytes_per_stream() -> usize {
        size_of::<(crate::StreamId, circuit::Stream)>()
    }

    /// A link to `peer` is open as `link`. EXTENDs waiting for that peer
    /// proceed; `rng` picks their circuit ids.
    pub fn link_up(
        &mut self,
        now: Duration,
        link: LinkId,
        peer: RelayId,
        rng: &mut impl CryptoRng,
    ) {
        self.links.insert(link, peer);
        self.peer_links.insert(peer, link);
        for circuit in self.awaiting_link.remove(&peer).unwrap_or_default() {
            let waiting = self
                .circuits
                .get_mut(&circuit)
                .map(|circuit| core::mem::replace(&mut circuit.next, Next::End));
            if let Some(Next::AwaitingLink {
                create, deadline, ..
            }) = waiting
            {
                self.timers.remove(&(deadline, circuit));
                // A failure here already answered the client (TRUNCATED)
                // or closed the circuit (queue limit); nobody else waits.
                let _ = self.send_create(now, circuit, link, peer, &create, rng);
            }
        }
    }

    /// The link to `peer` could not be opened: EXTENDs waiting for it are
    /// answered with a TRUNCATED.
    pub fn connect_failed(&mut self, peer: RelayId) {
        for circuit in self.awaiting_link.remove(&peer).unwrap_or_default() {
            self.cancel_extension(circuit, DestroyReason::CONNECT_FAILED);
        }
    }

    /// `link` closed: every circuit on it is destroyed, towards the other
    /// side as well.
    pub fn link_down(&mut self, link: LinkId, endpoint: &mut impl Endpoint) {
        if let Some(peer) = self.links.remove(&link)
            && self.peer_links.get(&peer) == Some(&link)
        {
            self.peer_links.remove(&peer);
        }
        let on_link: Vec<(CircuitRef, Side)> = self
            .hops
            .iter()
            .filter(|(hop, _)| hop.link == link)
            .map(|(_, at)| *at)
            .collect();
        for (circuit, side) in on_link {
            self.teardown(circuit, DestroyReason::LINK_CLOSED, Some(side));
        }
        self.notify_closed(endpoint);
    }

    /// Handles one message that `link` delivered.
    ///
    /// # Errors
    /// What was wrong with the cell. Where the cell belonged to a circuit
    /// and broke its protocol or integrity, the circuit is already
    /// destroyed towards both sides; the relay itself stays usable.
    pub fn handle_cell(
        &mut self,
        now: Duration,
        link: LinkId,
        bytes: &[u8],
        rng: &mut impl CryptoRng,
        endpoint: &mut impl Endpoint,
    ) -> Result<(), Error> {
        let result = self.dispatch(now, link, bytes, rng, endpoint);
        self.notify_closed(endpoint);
        result
    }

    /// Gives up on extensions whose deadline is at or before `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        while let Some(&(deadline, circuit)) = self.timers.first() {
            if deadline > now {
                break;
            }
            self.timers.remove(&(deadline, circuit));
            self.cancel_extension(circuit, DestroyReason::TIMEOUT);
        }
    }

    /// When [`Relay::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.first().map(|&(deadline, _)| deadline)
    }

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        let (output, circuit) = self.outputs.pop_front()?;
        if let Some(circuit) = circuit.and_then(|circuit| self.circuits.get_mut(&circuit)) {
            circuit.queued = circuit.queued.saturating_sub(1);
        }
        Some(output)
    }

    fn dispatch(
        &mut self,
        now: Duration,
        link: LinkId,
        bytes: &[u8],
        rng: &mut impl CryptoRng,
        endpoint: &mut impl Endpoint,
    ) -> Result<(), Error> {
        let peer = *self
            .links
            .get(&link)
            .ok_or(CircuitError::UnknownLink { link })?;
        let cell = Cell::decode(bytes)?;
        if cell.command == CellCommand::PADDING {
            return Ok(());
        }
        let hop = Hop {
            link,
            circ_id: cell.circ_id,
        };
        let Some(&(circuit, side)) = self.hops.get(&hop) else {
            return match cell.command {
                CellCommand::CREATE => self.accept_create(hop, peer, &cell.body, rng),
                _ => Err(CircuitError::UnknownCircuit {
                    link,
                    circ_id: cell.circ_id,
                }
                .into()),
            };
        };
        match (cell.command, side) {
            (CellCommand::DESTROY, _) => {
                let reason = DestroyBody::decode(&cell.body)
                    .map_or(DestroyReason::PROTOCOL, |body| body.reason);
                self.teardown(circuit, reason, Some(side));
                Ok(())
            }
            (CellCommand::RELAY, Side::Previous) => {
                self.forward(now, circuit, cell.body, rng, endpoint)
            }
            (CellCommand::RELAY, Side::Next) => self.backward(circuit, cell.body),
            (CellCommand::CREATED, Side::Next) => self.extended(circuit, &cell.body),
            (command, _) => self.violation(circuit, CircuitError::UnexpectedCell { command }),
        }
    }

    fn accept_create(
        &mut self,
        hop: Hop,
        peer: RelayId,
        body: &CellBody,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        // The peer allocates from its own half of this link's id space.
        if !CircIdSpace::for_link(&peer, &self.identity).contains(hop.circ_id) {
            return Err(CircuitError::BadCircuitId {
                circ_id: hop.circ_id,
            }
            .into());
        }
        if self.circuits.len() >= self.config.max_circuits {
            self.push_destroy(hop, DestroyReason::RESOURCE_LIMIT);
            return Err(CircuitError::Limit {
                limit: Limit::Circuits,
                max: self.config.max_circuits,
            }
            .into());
        }
        let accepted = CreateBody::decode(body)
            .map_err(Error::from)
            .and_then(|create| Ok(self.keyring.accept_create(&create, rng)?));
        let (created, keys) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                self.push_destroy(hop, DestroyReason::PROTOCOL);
                return Err(error);
            }
        };
        let circuit = CircuitRef(self.next_ref);
        self.next_ref += 1;
        self.circuits
            .insert(circuit, Circuit::new(hop, RelayCrypto::new(&keys)));
        self.hops.insert(hop, (circuit, Side::Previous));
        self.queue(circuit, hop, CellCommand::CREATED, created.encode())
    }

    /// A cell from the client's side: remove this hop's layer, then act on
    /// it here or pass it on.
    fn forward(
        &mut self,
        now: Duration,
        circuit: CircuitRef,
        mut body: CellBody,
        rng: &mut impl CryptoRng,
        endpoint: &mut impl Endpoint,
    ) -> Result<(), Error> {
        let state = self.circuit_mut(circuit)?;
        let disposition = state.crypto.forward(&mut body);
        let next = match &state.next {
            Next::Open(hop) => Some(*hop),
            _ => None,
        };
        match (disposition, next) {
            (Disposition::ForMe, _) => self.handle_message(now, circuit, &body, rng, endpoint),
            (Disposition::Forward, Some(next)) => {
                self.queue(circuit, next, CellCommand::RELAY, body)
            }
            // Nobody after this hop: the cell was modified, replayed or
            // reordered, and the chains are out of step for good.
            (Disposition::Forward, None) => self.violation(circuit, CryptoError::Unrecognised),
        }
    }

    /// A cell from a later hop: add this hop's layer and pass it back.
    fn backward(&mut self, circuit: CircuitRef, mut body: CellBody) -> Result<(), Error> {
        let state = self.circuit_mut(circuit)?;
        if !matches!(state.next, Next::Open(_)) {
            return self.violation(
                circuit,
                CircuitError::UnexpectedCell {
                    command: CellCommand::RELAY,
                },
            );
        }
        state.crypto.backward(&mut body);
        let previous = state.previous;
        self.queue(circuit, previous, CellCommand::RELAY, body)
    }

    /// The next hop answered the CREATE: tell the client.
    fn extended(&mut self, circuit: CircuitRef, body: &CellBody) -> Result<(), Error> {
        let state = self.circuit_mut(circuit)?;
        let Next::AwaitingCreated { hop, deadline } = state.next else {
            return self.violation(
                circuit,
                CircuitError::UnexpectedCell {
                    command: CellCommand::CREATED,
                },
            );
        };
        let created = match CreatedBody::decode(body) {
            Ok(created) => created,
            Err(error) => return self.violation(circuit, error),
        };
        state.next = Next::Open(hop);
        self.timers.remove(&(deadline, circuit));
        self.send_to_client(circuit, &RelayMessage::Extended { created })
    }

    /// Sends the CREATE of an EXTEND on `link` to `peer`.
    fn send_create(
        &mut self,
        now: Duration,
        circuit: CircuitRef,
        link: LinkId,
        peer: RelayId,
        create: &CreateBody,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let space = CircIdSpace::for_link(&self.identity, &peer);
        let free = (0..CIRC_ID_DRAWS)
            .filter_map(|_| space.id_from_random(rng.next_u32()))
            .map(|circ_id| Hop { link, circ_id })
            .find(|hop| !self.hops.contains_key(hop));
        let Some(hop) = free else {
            return self.send_to_client(
                circuit,
                &RelayMessage::Truncated {
                    reason: DestroyReason::RESOURCE_LIMIT,
                },
            );
        };
        let deadline = now + self.config.extend_timeout;
        self.circuit_mut(circuit)?.next = Next::AwaitingCreated { hop, deadline };
        self.timers.insert((deadline, circuit));
        self.hops.insert(hop, (circuit, Side::Next));
        self.queue(circuit, hop, CellCommand::CREATE, create.encode())
    }

    /// Drops a pending extension and tells the client why.
    fn cancel_extension(&mut self, circuit: CircuitRef, reason: DestroyReason) {
        let Some(state) = self.circuits.get_mut(&circuit) else {
            return;
        };
        let pending = core::mem::replace(&mut state.next, Next::End);
        if let Some(deadline) = pending.deadline() {
            self.timers.remove(&(deadline, circuit));
        }
        match pending {
            Next::AwaitingCreated { hop, .. } => {
                self.hops.remove(&hop);
                self.push_destroy(hop, reason);
            }
            Next::AwaitingLink { target, .. } => {
                if let Some(waiting) = self.awaiting_link.get_mut(&target) {
                    waiting.retain(|other| *other != circuit);
                }
            }
            // Nothing was pending: put the state back as it was.
            settled @ (Next::End | Next::Open(_)) => {
                state.next = settled;
                return;
            }
        }
        let _ = self.send_to_client(circuit, &RelayMessage::Truncated { reason });
    }

    /// Encrypts a message from this hop and queues it towards the client.
    fn send_to_client(
        &mut self,
        circuit: CircuitRef,
        message: &RelayMessage<'_>,
    ) -> Result<(), Error> {
        let mut body = [0; crate::CELL_BODY_LEN];
        message.encode_into_body(&mut body)?;
        let state = self.circuit_mut(circuit)?;
        state.crypto.originate(&mut body);
        let previous = state.previous;
        self.queue(circuit, previous, CellCommand::RELAY, body)
    }

    /// Queues a cell of `circuit`, destroying the circuit instead if its
    /// queue is full.
    fn queue(
        &mut self,
        circuit: CircuitRef,
        hop: Hop,
        command: CellCommand,
        body: CellBody,
    ) -> Result<(), Error> {
        let max = self.config.max_queued_cells;
        let state = self.circuit_mut(circuit)?;
        if state.queued >= max {
            self.teardown(circuit, DestroyReason::RESOURCE_LIMIT, None);
            return Err(CircuitError::Limit {
                limit: Limit::QueuedCells,
                max,
            }
            .into());
        }
        state.queued += 1;
        let cell = Cell {
            circ_id: hop.circ_id,
            command,
            body,
        };
        let transmit = Output::Transmit {
            link: hop.link,
            cell: cell.encode(),
        };
        self.outputs.push_back((transmit, Some(circuit)));
        Ok(())
    }

    /// Queues a DESTROY, which no queue limit holds back.
    fn push_destroy(&mut self, hop: Hop, reason: DestroyReason) {
        let cell = Cell {
            circ_id: hop.circ_id,
            command: CellCommand::DESTROY,
            body: DestroyBody { reason }.encode(),
        };
        let transmit = Output::Transmit {
            link: hop.link,
            cell: cell.encode(),
        };
        self.outputs.push_back((transmit, None));
    }

    /// Destroys `circuit` because of `error` and returns the error.
    fn violation(&mut self, circuit: CircuitRef, error: impl Into<Error>) -> Result<(), Error> {
        self.teardown(circuit, DestroyReason::PROTOCOL, None);
        Err(error.into())
    }

    /// Removes `circuit` (its keys are wiped on drop), drops its queued
    /// cells and sends a DESTROY to each side but `from`, the side that
    /// destroyed it.
    fn teardown(&mut self, circuit: CircuitRef, reason: DestroyReason, from: Option<Side>) {
        let Some(state) = self.circuits.remove(&circuit) else {
            return;
        };
        self.outputs.retain(|(_, owner)| *owner != Some(circuit));
        if let Some(deadline) = state.next.deadline() {
            self.timers.remove(&(deadline, circuit));
        }
        if let Next::AwaitingLink { target, .. } = &state.next
            && let Some(waiting) = self.awaiting_link.get_mut(target)
        {
            waiting.retain(|other| *other != circuit);
        }
        for side in [Side::Previous, Side::Next] {
            let Some(hop) = state.hop(side) else {
                continue;
            };
            self.hops.remove(&hop);
            if from != Some(side) {
                self.push_destroy(hop, reason);
            }
        }
        self.closed.push(circuit);
    }

    fn notify_closed(&mut self, endpoint: &mut impl Endpoint) {
        for circuit in self.closed.drain(..) {
            endpoint.circuit_closed(circuit);
        }
    }

    fn circuit_mut(&mut self, circuit: CircuitRef) -> Result<&mut Circuit, CircuitError> {
        self.circuits.get_mut(&circuit).ok_or(CircuitError::Closed)
    }
}

impl core::fmt::Debug for Relay {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Relay")
            .field("identity", &self.identity)
            .field("links", &self.links.len())
            .field("circuits", &self.circuits.len())
            .field("queued_outputs", &self.outputs.len())
            .finish_non_exhaustive()
    }
}
