//! The client state machine: circuits a client builds and the streams it
//! opens on them.
//!
//! A [`Client`] builds each circuit by telescoping: a CREATE to the first
//! hop, then one EXTEND per further hop through the hops built so far. It
//! multiplexes streams (BEGIN / DATA / END) to the last hop with
//! window-based flow control, sends service requests to it, times out
//! slow builds and BEGINs, pads idle circuits, and closes a circuit on any
//! DESTROY, TRUNCATED or integrity failure.
//!
//! # Driver contract
//!
//! The same as [`Relay`](crate::relay::Relay)'s: report links with
//! [`Client::link_up`] / [`Client::link_down`], feed cells to
//! [`Client::handle_cell`], call [`Client::handle_timeout`] when
//! [`Client::poll_timeout`] is due, and after any call drain
//! [`Client::poll_output`] and [`Client::poll_event`].
//!
//! ```
//! use core::time::Duration;
//! use onion_core::circuit::{Client, ClientConfig, HopTarget};
//! use onion_core::{OnionKey, Output, RelayId};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//!
//! let mut client = Client::new(RelayId::from_bytes([9; 32]), ClientConfig::default());
//! let guard = HopTarget { identity: RelayId::from_bytes([1; 32]), onion_key: OnionKey::from_bytes([2; 32]) };
//! let circuit = client.build_circuit(Duration::ZERO, &[guard], &mut rng)?;
//! let second = client.build_circuit(Duration::ZERO, &[guard], &mut rng)?;
//! // No link to the guard yet: the client asks for one, once.
//! assert_eq!(client.poll_output(), Some(Output::Connect { relay: guard.identity }));
//! assert_eq!(client.poll_output(), None);
//! assert!(client.poll_timeout().is_some());
//! # let _ = (circuit, second);
//! # Ok::<(), onion_core::Error>(())
//! ```

mod config;
mod event;
mod state;

use core::time::Duration;
use std::collections::{HashMap, VecDeque};

use rand_core::CryptoRng;

use crate::cell::{
    Cell, CellBody, CellCommand, CircIdSpace, CreatedBody, DestroyBody, DestroyReason,
};
use crate::crypto::MAX_HOPS;
use crate::error::{CircuitError, Error, Limit, PathError};
use crate::flow;
use crate::handshake::ClientHandshake;
use crate::identity::RelayId;
use crate::link::{LinkId, Output};
use crate::relay_msg::{
    self, EndReason, RelayCommand, RelayMessage, ServiceCommand, StreamId, Target, message_area,
};
use state::{Circuit, FirstHop, Phase, Stream};

pub use config::ClientConfig;
pub use event::{CircuitHandle, CloseReason, Event};
pub use state::HopTarget;

/// How many random circuit ids the client tries on a link.
const CIRC_ID_DRAWS: usize = 16;

/// Every circuit of one client. See the [module docs](self).
pub struct Client {
    identity: RelayId,
    config: ClientConfig,
    links: HashMap<LinkId, RelayId>,
    peer_links: HashMap<RelayId, LinkId>,
    circuits: HashMap<CircuitHandle, Circuit>,
    first_hops: HashMap<FirstHop, CircuitHandle>,
    outputs: VecDeque<Output>,
    events: VecDeque<Event>,
    next_handle: u64,
}

impl Client {
    /// A client whose mesh identity is `identity` (it chooses which half of
    /// each link's circuit ids the client uses, and nothing else).
    pub fn new(identity: RelayId, config: ClientConfig) -> Self {
        Client {
            identity,
            config,
            links: HashMap::new(),
            peer_links: HashMap::new(),
            circuits: HashMap::new(),
            first_hops: HashMap::new(),
            outputs: VecDeque::new(),
            events: VecDeque::new(),
            next_handle: 0,
        }
    }

    /// How many circuits the client has, built or not.
    pub fn circuits(&self) -> usize {
        self.circuits.len()
    }

    /// Starts building a circuit through `path`, first hop first (see
    /// [`Directory::select_path`](crate::directory::Directory::select_path)
    /// and `HopTarget::from`). [`Event::CircuitReady`] or
    /// [`Event::CircuitClosed`] follows.
    ///
    /// # Errors
    /// [`PathError::HopCount`] for an empty path or one longer than
    /// [`MAX_HOPS`].
    pub fn build_circuit(
        &mut self,
        now: Duration,
        path: &[HopTarget],
        rng: &mut impl CryptoRng,
    ) -> Result<CircuitHandle, Error> {
        let Some(first) = path.first().filter(|_| path.len() <= MAX_HOPS) else {
            return Err(PathError::HopCount {
                hops: path.len(),
                min: 1,
                max: MAX_HOPS,
            }
            .into());
        };
        let handle = CircuitHandle(self.next_handle);
        self.next_handle += 1;
        let deadline = now + self.config.build_timeout;
        let asked = !self.awaiting_link(first.identity).is_empty();
        self.circuits
            .insert(handle, Circuit::new(path.to_vec(), now, deadline));
        match self.peer_links.get(&first.identity) {
            Some(&link) => self.send_create(handle, link, rng),
            None if asked => {}
            None => self.outputs.push_back(Output::Connect {
                relay: first.identity,
            }),
        }
        Ok(handle)
    }

    /// The circuits that wait for a link to `peer`.
    fn awaiting_link(&self, peer: RelayId) -> Vec<CircuitHandle> {
        self.circuits
            .iter()
            .filter(|(_, circuit)| {
                matches!(circuit.phase, Phase::AwaitingLink)
                    && circuit.path.first().map(|hop| hop.identity) == Some(peer)
            })
            .map(|(handle, _)| *handle)
            .collect()
    }

    /// A link to `peer` is open as `link`: circuits waiting for it start.
    pub fn link_up(&mut self, link: LinkId, peer: RelayId, rng: &mut impl CryptoRng) {
        self.links.insert(link, peer);
        self.peer_links.insert(peer, link);
        for handle in self.awaiting_link(peer) {
            self.send_create(handle, link, rng);
        }
    }

    /// No link to `peer` could be opened: circuits waiting for it close.
    pub fn connect_failed(&mut self, peer: RelayId) {
        for handle in self.awaiting_link(peer) {
            self.close(handle, CloseReason::LinkClosed, None);
        }
    }

    /// `link` closed: its circuits close.
    pub fn link_down(&mut self, link: LinkId) {
        if let Some(peer) = self.links.remove(&link)
            && self.peer_links.get(&peer) == Some(&link)
        {
            self.peer_links.remove(&peer);
        }
        let on_link: Vec<CircuitHandle> = self
            .first_hops
            .iter()
            .filter(|(hop, _)| hop.link == link)
            .map(|(_, handle)| *handle)
            .collect();
        for handle in on_link {
            self.close(handle, CloseReason::LinkClosed, None);
        }
    }

    /// Handles one message that `link` delivered.
    ///
    /// # Errors
    /// What was wrong with the cell. A cell that breaks its circuit's
    /// protocol or integrity also closes the circuit (DESTROY sent,
    /// [`Event::CircuitClosed`] queued).
    pub fn handle_cell(
        &mut self,
        now: Duration,
        link: LinkId,
        bytes: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        if !self.links.contains_key(&link) {
            return Err(CircuitError::UnknownLink { link }.into());
        }
        let cell = Cell::decode(bytes)?;
        if cell.command == CellCommand::PADDING {
            return Ok(());
        }
        let hop = FirstHop {
            link,
            circ_id: cell.circ_id,
        };
        let handle = *self
            .first_hops
            .get(&hop)
            .ok_or(CircuitError::UnknownCircuit {
                link,
                circ_id: cell.circ_id,
            })?;
        match cell.command {
            CellCommand::DESTROY => {
                let reason = DestroyBody::decode(&cell.body)
                    .map_or(DestroyReason::PROTOCOL, |body| body.reason);
                self.close(handle, CloseReason::Destroyed(reason), None);
                Ok(())
            }
            CellCommand::CREATED => self.created(now, handle, &cell.body, rng),
            CellCommand::RELAY => self.relay_cell(now, handle, cell.body, rng),
            command => self.violation(handle, CircuitError::UnexpectedCell { command }),
        }
    }

    /// Acts on every timeout due at or before `now`: unfinished builds
    /// close, unanswered BEGINs end, idle open circuits send padding.
    pub fn handle_timeout(&mut self, now: Duration) {
        let handles: Vec<CircuitHandle> = self.circuits.keys().copied().collect();
        for handle in handles {
            let Some(circuit) = self.circuits.get_mut(&handle) else {
                continue;
            };
            if !circuit.is_open() && circuit.build_deadline <= now {
                self.close(
                    handle,
                    CloseReason::BuildTimeout,
                    Some(DestroyReason::TIMEOUT),
                );
                continue;
            }
            let expired: Vec<StreamId> = circuit
                .streams
                .iter()
                .filter(|(_, stream)| stream.connect_deadline.is_some_and(|due| due <= now))
                .map(|(id, _)| *id)
                .collect();
            for stream in expired {
                let _ = self.end_stream(now, handle, stream, EndReason::TIMEOUT);
                self.events.push_back(Event::StreamEnded {
                    circuit: handle,
                    stream,
                    reason: EndReason::TIMEOUT,
                });
            }
            let idle = self.config.padding_interval.is_some_and(|interval| {
                self.circuits
                    .get(&handle)
                    .is_some_and(|circuit| circuit.is_open() && circuit.last_sent + interval <= now)
            });
            if idle {
                let _ = self.send_to_last(now, handle, &RelayMessage::Drop);
            }
        }
    }

    /// When [`Client::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.circuits
            .values()
            .filter_map(|circuit| circuit.next_deadline(self.config.padding_interval))
            .min()
    }

    /// The next cell to send or link to open, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The next event, in order.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Opens a stream to `target` at the circuit's last hop;
    /// [`Event::StreamConnected`] or [`Event::StreamEnded`] follows.
    ///
    /// # Errors
    /// [`CircuitError::Closed`] if the circuit is not open,
    /// [`CircuitError::Limit`] if it has its most streams.
    pub fn begin_stream(
        &mut self,
        now: Duration,
        circuit: CircuitHandle,
        target: Target<'_>,
    ) -> Result<StreamId, Error> {
        let max = self.config.max_streams_per_circuit;
        let deadline = now + self.config.stream_timeout;
        let state = self.open_circuit_mut(circuit)?;
        if state.streams.len() >= max {
            return Err(CircuitError::Limit {
                limit: Limit::Streams,
                max,
            }
            .into());
        }
        // Fewer than u16::MAX streams are open, so a free id turns up.
        let stream = (0..=u16::MAX)
            .map(|step| state.last_stream.wrapping_add(step).wrapping_add(1))
            .filter_map(StreamId::new)
            .find(|id| !state.streams.contains_key(id))
            .ok_or(CircuitError::Limit {
                limit: Limit::Streams,
                max,
            })?;
        state.last_stream = stream.get();
        state.streams.insert(stream, Stream::new(deadline));
        self.send_to_last(now, circuit, &RelayMessage::Begin { stream, target })?;
        Ok(stream)
    }

    /// Sends `data` (1 to [`MAX_RELAY_DATA`] bytes) on a connected stream.
    ///
    /// # Errors
    /// [`CircuitError::WindowClosed`] when the stream's or the circuit's
    /// window is closed: nothing was sent; [`Event::StreamWritable`] says
    /// when to try again.
    pub fn send_data(
        &mut self,
        now: Duration,
        circuit: CircuitHandle,
        stream: StreamId,
        data: &[u8],
    ) -> Result<(), Error> {
        relay_msg::check_data_len(data)?;
        let state = self.open_circuit_mut(circuit)?;
        let open = state
            .streams
            .get_mut(&stream)
            .filter(|open| open.connect_deadline.is_none())
            .ok_or(CircuitError::UnknownStream {
                stream: stream.get(),
            })?;
        flow::take_data_credit(&mut state.package, &mut open.package, &mut open.blocked)?;
        self.send_to_last(now, circuit, &RelayMessage::Data { stream, data })
    }

    /// Closes `stream`.
    ///
    /// # Errors
    /// [`CircuitError::UnknownStream`] if it is already closed.
    pub fn end_stream(
        &mut self,
        now: Duration,
        circuit: CircuitHandle,
        stream: StreamId,
        reason: EndReason,
    ) -> Result<(), Error> {
        self.open_circuit_mut(circuit)?
            .streams
            .remove(&stream)
            .ok_or(CircuitError::UnknownStream {
                stream: stream.get(),
            })?;
        self.send_to_last(now, circuit, &RelayMessage::End { stream, reason })
    }

    /// Sends a service request to the circuit's last hop; the answer comes
    /// as [`Event::Service`] with the same `request`.
    ///
    /// # Errors
    /// [`RelayMessageError::DataTooLong`] if `body` does not fit one cell,
    /// [`CircuitError::Closed`] if the circuit is not open.
    pub fn service_request(
        &mut self,
        now: Duration,
        circuit: CircuitHandle,
        request: StreamId,
        command: ServiceCommand,
        body: &[u8],
    ) -> Result<(), Error> {
        self.open_circuit_mut(circuit)?;
        let message = RelayMessage::Service {
            request,
            command,
            body,
        };
        self.send_to_last(now, circuit, &message)
    }

    /// Destroys the circuit (its keys are wiped).
    pub fn destroy(&mut self, circuit: CircuitHandle) {
        self.close(
            circuit,
            CloseReason::Requested,
            Some(DestroyReason::REQUESTED),
        );
    }

    fn send_create(&mut self, handle: CircuitHandle, link: LinkId, rng: &mut impl CryptoRng) {
        let Some(&peer) = self.links.get(&link) else {
            return;
        };
        let space = CircIdSpace::for_link(&self.identity, &peer);
        let free = (0..CIRC_ID_DRAWS)
            .filter_map(|_| space.id_from_random(rng.next_u32()))
            .map(|circ_id| FirstHop { link, circ_id })
            .find(|hop| !self.first_hops.contains_key(hop));
        let Some(circuit) = self.circuits.get_mut(&handle) else {
            return;
        };
        let (Some(hop), Some(first)) = (free, circuit.path.first()) else {
            self.close(handle, CloseReason::LinkClosed, None);
            return;
        };
        match ClientHandshake::start(&first.onion_key, rng) {
            Ok((handshake, create)) => {
                circuit.phase = Phase::Extending(Box::new(handshake));
                circuit.first_hop = Some(hop);
                self.first_hops.insert(hop, handle);
                self.push_cell(hop, CellCommand::CREATE, create.encode());
            }
            Err(_) => self.close(handle, CloseReason::Protocol, None),
        }
    }

    fn created(
        &mut self,
        now: Duration,
        handle: CircuitHandle,
        body: &CellBody,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let circuit = self.circuit_mut(handle)?;
        if circuit.crypto.hops() != 0 || !matches!(circuit.phase, Phase::Extending(_)) {
            return self.violation(
                handle,
                CircuitError::UnexpectedCell {
                    command: CellCommand::CREATED,
                },
            );
        }
        match CreatedBody::decode(body) {
            Ok(created) => self.hop_built(now, handle, &created, rng),
            Err(error) => self.violation(handle, error),
        }
    }

    /// Finishes the pending handshake with `created` and extends to the
    /// next hop, or reports the circuit ready.
    fn hop_built(
        &mut self,
        now: Duration,
        handle: CircuitHandle,
        created: &CreatedBody,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let circuit = self.circuit_mut(handle)?;
        let Phase::Extending(handshake) = core::mem::replace(&mut circuit.phase, Phase::Open)
        else {
            return self.violation(
                handle,
                CircuitError::UnexpectedMessage {
                    command: RelayCommand::EXTENDED,
                },
            );
        };
        let added = handshake
            .finish(created)
            .map_err(Error::from)
            .and_then(|keys| Ok(circuit.crypto.add_hop(&keys)?));
        if let Err(error) = added {
            return self.violation(handle, error);
        }
        let built = circuit.crypto.hops();
        let Some(next) = circuit.path.get(built).copied() else {
            self.events
                .push_back(Event::CircuitReady { circuit: handle });
            return Ok(());
        };
        let (handshake, create) = match ClientHandshake::start(&next.onion_key, rng) {
            Ok(started) => started,
            Err(error) => return self.violation(handle, error),
        };
        circuit.phase = Phase::Extending(Box::new(handshake));
        let extend = RelayMessage::Extend {
            target: next.identity,
            create,
        };
        self.send(now, handle, built - 1, &extend)
    }

    fn relay_cell(
        &mut self,
        now: Duration,
        handle: CircuitHandle,
        mut body: CellBody,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let circuit = self.circuit_mut(handle)?;
        let hop = match circuit.crypto.peel(&mut body) {
            Ok(hop) => hop,
            Err(error) => {
                self.close(
                    handle,
                    CloseReason::Integrity,
                    Some(DestroyReason::PROTOCOL),
                );
                return Err(error.into());
            }
        };
        let last = circuit.last_hop();
        let message = match RelayMessage::decode(message_area(&body)) {
            Ok(message) => message,
            Err(error) => return self.violation(handle, error),
        };
        match message {
            RelayMessage::Extended { created } if hop + 1 == circuit.crypto.hops() => {
                self.hop_built(now, handle, &created, rng)
            }
            RelayMessage::Truncated { reason } => {
                self.close(
                    handle,
                    CloseReason::Truncated(reason),
                    Some(DestroyReason::NONE),
                );
                Ok(())
            }
            RelayMessage::Drop => Ok(()),
            message if hop == last && circuit.is_open() => {
                self.stream_message(now, handle, message)
            }
            other => self.violation(
                handle,
                CircuitError::UnexpectedMessage {
                    command: other.command(),
                },
            ),
        }
    }

    /// A stream or service message from the last hop.
    fn stream_message(
        &mut self,
        now: Duration,
        handle: CircuitHandle,
        message: RelayMessage<'_>,
    ) -> Result<(), Error> {
        // Borrowed apart from `self.events`, which the arms push to.
        let circuit = self.circuits.get_mut(&handle).ok_or(CircuitError::Closed)?;
        match message {
            RelayMessage::Connected { stream } => {
                let opening = circuit
                    .streams
                    .get_mut(&stream)
                    .filter(|open| open.connect_deadline.is_some());
                let Some(opening) = opening else {
                    return self.violation(
                        handle,
                        CircuitError::UnexpectedMessage {
                            command: RelayCommand::CONNECTED,
                        },
                    );
                };
                opening.connect_deadline = None;
                self.events.push_back(Event::StreamConnected {
                    circuit: handle,
                    stream,
                });
                Ok(())
            }
            RelayMessage::Data { stream, data } => {
                let circuit_sendme = circuit.sendme.delivered();
                let stream_sendme = match circuit.streams.get_mut(&stream) {
                    Some(open) if open.connect_deadline.is_none() => open.sendme.delivered(),
                    _ => {
                        return self.violation(
                            handle,
                            CircuitError::UnknownStream {
                                stream: stream.get(),
                            },
                        );
                    }
                };
                self.events.push_back(Event::StreamData {
                    circuit: handle,
                    stream,
                    data: data.to_vec(),
                });
                if stream_sendme {
                    let stream = Some(stream);
                    self.send_to_last(now, handle, &RelayMessage::Sendme { stream })?;
                }
                if circuit_sendme {
                    self.send_to_last(now, handle, &RelayMessage::Sendme { stream: None })?;
                }
                Ok(())
            }
            RelayMessage::End { stream, reason } => {
                // The stream may have ended on this side meanwhile.
                if circuit.streams.remove(&stream).is_some() {
                    self.events.push_back(Event::StreamEnded {
                        circuit: handle,
                        stream,
                        reason,
                    });
                }
                Ok(())
            }
            RelayMessage::Sendme { stream } => {
                let credited = match stream {
                    None => circuit.package.credit(),
                    // A SENDME for a stream that ended meanwhile.
                    Some(id) => match circuit.streams.get_mut(&id) {
                        Some(open) => open.package.credit(),
                        None => return Ok(()),
                    },
                };
                if let Err(error) = credited {
                    return self.violation(handle, error);
                }
                for (&stream, open) in &mut circuit.streams {
                    if flow::regained_room(&circuit.package, &open.package, &mut open.blocked) {
                        self.events.push_back(Event::StreamWritable {
                            circuit: handle,
                            stream,
                        });
                    }
                }
                Ok(())
            }
            RelayMessage::Service {
                request,
                command,
                body,
            } => {
                self.events.push_back(Event::Service {
                    circuit: handle,
                    request,
                    command,
                    body: body.to_vec(),
                });
                Ok(())
            }
            other => self.violation(
                handle,
                CircuitError::UnexpectedMessage {
                    command: other.command(),
                },
            ),
        }
    }

    fn send_to_last(
        &mut self,
        now: Duration,
        handle: CircuitHandle,
        message: &RelayMessage<'_>,
    ) -> Result<(), Error> {
        let last = self.circuit_mut(handle)?.last_hop();
        self.send(now, handle, last, message)
    }

    /// Encrypts `message` for hop `hop` and queues it on the first link.
    fn send(
        &mut self,
        now: Duration,
        handle: CircuitHandle,
        hop: usize,
        message: &RelayMessage<'_>,
    ) -> Result<(), Error> {
        let mut body = [0; crate::CELL_BODY_LEN];
        message.encode_into_body(&mut body)?;
        let circuit = self.circuit_mut(handle)?;
        let first_hop = circuit.first_hop.ok_or(CircuitError::Closed)?;
        circuit.crypto.originate(hop, &mut body)?;
        circuit.last_sent = now;
        self.push_cell(first_hop, CellCommand::RELAY, body);
        Ok(())
    }

    fn push_cell(&mut self, hop: FirstHop, command: CellCommand, body: CellBody) {
        let cell = Cell {
            circ_id: hop.circ_id,
            command,
            body,
        };
        self.outputs.push_back(Output::Transmit {
            link: hop.link,
            cell: cell.encode(),
        });
    }

    /// Closes `handle` for a protocol violation and returns `error`.
    fn violation(&mut self, handle: CircuitHandle, error: impl Into<Error>) -> Result<(), Error> {
        self.close(handle, CloseReason::Protocol, Some(DestroyReason::PROTOCOL));
        Err(error.into())
    }

    /// Removes the circuit (wiping its keys), sends a DESTROY with
    /// `destroy` if the first hop has it, and reports the close.
    fn close(
        &mut self,
        handle: CircuitHandle,
        reason: CloseReason,
        destroy: Option<DestroyReason>,
    ) {
        let Some(circuit) = self.circuits.remove(&handle) else {
            return;
        };
        if let Some(hop) = circuit.first_hop {
            self.first_hops.remove(&hop);
            if let Some(destroy) = destroy {
                self.push_cell(
                    hop,
                    CellCommand::DESTROY,
                    DestroyBody { reason: destroy }.encode(),
                );
            }
        }
        self.events.push_back(Event::CircuitClosed {
            circuit: handle,
            reason,
        });
    }

    fn circuit_mut(&mut self, handle: CircuitHandle) -> Result<&mut Circuit, CircuitError> {
        self.circuits.get_mut(&handle).ok_or(CircuitError::Closed)
    }

    fn open_circuit_mut(&mut self, handle: CircuitHandle) -> Result<&mut Circuit, CircuitError> {
        self.circuit_mut(handle)?;
        self.circuits
            .get_mut(&handle)
            .filter(|circuit| circuit.is_open())
            .ok_or(CircuitError::Closed)
    }
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("links", &self.links.len())
            .field("circuits", &self.circuits.len())
            .finish_non_exhaustive()
    }
}
