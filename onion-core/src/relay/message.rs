//! Relay messages addressed to this hop, and the endpoint's answers to
//! the streams and service requests they open.

use core::time::Duration;

use rand_core::CryptoRng;

use super::circuit::{Next, Stream};
use super::{CircuitRef, Endpoint, Relay};
use crate::cell::{CellBody, CreateBody, DestroyReason};
use crate::error::{CircuitError, Error, Limit};
use crate::flow;
use crate::identity::RelayId;
use crate::relay_msg::{self, EndReason, RelayCommand, RelayMessage, ServiceCommand, StreamId};

impl Relay {
    /// Acts on a message the client addressed to this hop.
    pub(super) fn handle_message(
        &mut self,
        now: Duration,
        circuit: CircuitRef,
        body: &CellBody,
        rng: &mut impl CryptoRng,
        endpoint: &mut impl Endpoint,
    ) -> Result<(), Error> {
        let message = match RelayMessage::decode(crate::relay_msg::message_area(body)) {
            Ok(message) => message,
            Err(error) => return self.violation(circuit, error),
        };
        match message {
            RelayMessage::Extend { target, create } => {
                self.extend(now, circuit, target, &create, rng)
            }
            RelayMessage::Truncate => self.truncate(circuit),
            RelayMessage::Begin { stream, target } => {
                let max = self.config.max_streams_per_circuit;
                let state = self.circuit_mut(circuit)?;
                if state.streams.contains_key(&stream) {
                    return self.violation(
                        circuit,
                        CircuitError::UnexpectedMessage {
                            command: RelayCommand::BEGIN,
                        },
                    );
                }
                if state.streams.len() >= max {
                    let reason = EndReason::RESOURCE_LIMIT;
                    self.send_to_client(circuit, &RelayMessage::End { stream, reason })?;
                    return Err(CircuitError::Limit {
                        limit: Limit::Streams,
                        max,
                    }
                    .into());
                }
                state.streams.insert(stream, Stream::new());
                endpoint.begin(circuit, stream, target);
                Ok(())
            }
            RelayMessage::Data { stream, data } => self.deliver(circuit, stream, data, endpoint),
            RelayMessage::End { stream, reason } => {
                if self.circuit_mut(circuit)?.streams.remove(&stream).is_none() {
                    return Err(CircuitError::UnknownStream {
                        stream: stream.get(),
                    }
                    .into());
                }
                endpoint.end(circuit, stream, reason);
                Ok(())
            }
            RelayMessage::Sendme { stream } => self.sendme(circuit, stream, endpoint),
            RelayMessage::Service {
                request,
                command,
                body,
            } => {
                endpoint.service(circuit, request, command, body);
                Ok(())
            }
            // Padding, and commands of later versions, are dropped.
            RelayMessage::Drop | RelayMessage::Unknown { .. } => Ok(()),
            // Only a hop sends these; a client that does is broken.
            other => self.violation(
                circuit,
                CircuitError::UnexpectedMessage {
                    command: other.command(),
                },
            ),
        }
    }

    fn extend(
        &mut self,
        now: Duration,
        circuit: CircuitRef,
        target: RelayId,
        create: &CreateBody,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        if !matches!(self.circuit_mut(circuit)?.next, Next::End) {
            return self.violation(
                circuit,
                CircuitError::UnexpectedMessage {
                    command: RelayCommand::EXTEND,
                },
            );
        }
        if target == self.identity {
            let reason = DestroyReason::CONNECT_FAILED;
            return self.send_to_client(circuit, &RelayMessage::Truncated { reason });
        }
        if let Some(&link) = self.peer_links.get(&target) {
            return self.send_create(now, circuit, link, target, create, rng);
        }
        let deadline = now + self.config.extend_timeout;
        self.circuit_mut(circuit)?.next = Next::AwaitingLink {
            target,
            create: create.clone(),
            deadline,
        };
        self.timers.insert((deadline, circuit));
        let waiting = self.awaiting_link.entry(target).or_default();
        waiting.push(circuit);
        if waiting.len() == 1 {
            self.outputs
                .push_back((crate::Output::Connect { relay: target }, None));
        }
        Ok(())
    }

    /// Drops every hop after this one, or a pending extension.
    fn truncate(&mut self, circuit: CircuitRef) -> Result<(), Error> {
        let state = self.circuit_mut(circuit)?;
        match core::mem::replace(&mut state.next, Next::End) {
            Next::Open(hop) => {
                self.hops.remove(&hop);
                self.push_destroy(hop, DestroyReason::REQUESTED);
                let reason = DestroyReason::REQUESTED;
                self.send_to_client(circuit, &RelayMessage::Truncated { reason })
            }
            pending @ (Next::AwaitingLink { .. } | Next::AwaitingCreated { .. }) => {
                state.next = pending;
                self.cancel_extension(circuit, DestroyReason::REQUESTED);
                Ok(())
            }
            Next::End => {
                let reason = DestroyReason::NONE;
                self.send_to_client(circuit, &RelayMessage::Truncated { reason })
            }
        }
    }

    /// Hands DATA for a stream ending here to the endpoint, with the
    /// SENDMEs it earns.
    fn deliver(
        &mut self,
        circuit: CircuitRef,
        stream: StreamId,
        data: &[u8],
        endpoint: &mut impl Endpoint,
    ) -> Result<(), Error> {
        let state = self.circuit_mut(circuit)?;
        let circuit_sendme = state.sendme.delivered();
        let Some(open) = state.streams.get_mut(&stream) else {
            return Err(CircuitError::UnknownStream {
                stream: stream.get(),
            }
            .into());
        };
        if !open.connected {
            state.streams.remove(&stream);
            let reason = EndReason::PROTOCOL;
            endpoint.end(circuit, stream, reason);
            self.send_to_client(circuit, &RelayMessage::End { stream, reason })?;
            return Err(CircuitError::UnexpectedMessage {
                command: RelayCommand::DATA,
            }
            .into());
        }
        let stream_sendme = open.sendme.delivered();
        endpoint.data(circuit, stream, data);
        if stream_sendme {
            let stream = Some(stream);
            self.send_to_client(circuit, &RelayMessage::Sendme { stream })?;
        }
        if circuit_sendme {
            self.send_to_client(circuit, &RelayMessage::Sendme { stream: None })?;
        }
        Ok(())
    }

    /// Opens a window again and tells the endpoint which blocked streams
    /// may send.
    fn sendme(
        &mut self,
        circuit: CircuitRef,
        stream: Option<StreamId>,
        endpoint: &mut impl Endpoint,
    ) -> Result<(), Error> {
        let state = self.circuit_mut(circuit)?;
        let credited = match stream {
            None => state.package.credit(),
            Some(stream) => match state.streams.get_mut(&stream) {
                Some(open) => open.package.credit(),
                None => {
                    return Err(CircuitError::UnknownStream {
                        stream: stream.get(),
                    }
                    .into());
                }
            },
        };
        if let Err(error) = credited {
            return self.violation(circuit, error);
        }
        for (&id, open) in &mut state.streams {
            if flow::regained_room(&state.package, &open.package, &mut open.blocked) {
                endpoint.writable(circuit, id);
            }
        }
        Ok(())
    }

    /// The endpoint opened `stream`, which a BEGIN asked for.
    ///
    /// # Errors
    /// [`CircuitError::Closed`] or [`CircuitError::UnknownStream`] if the
    /// circuit or stream went away meanwhile.
    pub fn connected(&mut self, circuit: CircuitRef, stream: StreamId) -> Result<(), Error> {
        let open = self.stream_mut(circuit, stream)?;
        if open.connected {
            return Err(CircuitError::UnexpectedMessage {
                command: RelayCommand::CONNECTED,
            }
            .into());
        }
        open.connected = true;
        self.send_to_client(circuit, &RelayMessage::Connected { stream })
    }

    /// Sends `data` (1 to [`MAX_RELAY_DATA`] bytes) to the client on an
    /// open stream.
    ///
    /// # Errors
    /// [`CircuitError::WindowClosed`] when the stream's or the circuit's
    /// window is closed: nothing was sent, and [`Endpoint::writable`] says
    /// when to try again. A circuit whose queue limit this reaches is
    /// destroyed ([`CircuitError::Limit`]).
    pub fn send_data(
        &mut self,
        circuit: CircuitRef,
        stream: StreamId,
        data: &[u8],
    ) -> Result<(), Error> {
        relay_msg::check_data_len(data)?;
        let state = self.circuit_mut(circuit)?;
        let open = state
            .streams
            .get_mut(&stream)
            .filter(|open| open.connected)
            .ok_or(CircuitError::UnknownStream {
                stream: stream.get(),
            })?;
        flow::take_data_credit(&mut state.package, &mut open.package, &mut open.blocked)?;
        self.send_to_client(circuit, &RelayMessage::Data { stream, data })
    }

    /// Closes `stream` towards the client.
    ///
    /// # Errors
    /// [`CircuitError::Closed`] or [`CircuitError::UnknownStream`] if it is
    /// already gone.
    pub fn end_stream(
        &mut self,
        circuit: CircuitRef,
        stream: StreamId,
        reason: EndReason,
    ) -> Result<(), Error> {
        self.stream_mut(circuit, stream)?;
        self.circuit_mut(circuit)?.streams.remove(&stream);
        self.send_to_client(circuit, &RelayMessage::End { stream, reason })
    }

    /// Answers the service request `request` on `circuit`.
    ///
    /// # Errors
    /// [`RelayMessageError::DataTooLong`] if `body` does not fit one cell
    /// (at most [`MAX_RELAY_DATA`]` - 1` bytes), [`CircuitError::Closed`]
    /// if the circuit went away.
    pub fn service_reply(
        &mut self,
        circuit: CircuitRef,
        request: StreamId,
        command: ServiceCommand,
        body: &[u8],
    ) -> Result<(), Error> {
        let message = RelayMessage::Service {
            request,
            command,
            body,
        };
        self.send_to_client(circuit, &message)
    }

    fn stream_mut(&mut self, circuit: CircuitRef, stream: StreamId) -> Result<&mut Stream, Error> {
        self.circuit_mut(circuit)?
            .streams
            .get_mut(&stream)
            .ok_or_else(|| {
                CircuitError::UnknownStream {
                    stream: stream.get(),
                }
                .into()
            })
    }
}
