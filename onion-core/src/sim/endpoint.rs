//! The endpoint every simulated relay runs: it accepts every stream and
//! echoes what it receives, and answers every service request with its own
//! body.

use std::collections::{HashMap, VecDeque};

use crate::relay::{CircuitRef, Endpoint, Relay};
use crate::relay_msg::{EndReason, MAX_RELAY_DATA, ServiceCommand, StreamId, Target};

/// Something the endpoint does once the relay call that asked for it
/// returned.
#[derive(Debug)]
enum Action {
    Connect(CircuitRef, StreamId),
    Flush(CircuitRef, StreamId),
    Reply(CircuitRef, StreamId, Vec<u8>),
}

/// Accepts every stream, echoes its data, answers service requests with
/// [`ServiceCommand::REPLY`] and the request's body.
#[derive(Debug, Default)]
pub struct EchoEndpoint {
    actions: Vec<Action>,
    backlog: HashMap<(CircuitRef, StreamId), VecDeque<u8>>,
    /// Bytes received on each stream.
    pub received: HashMap<(CircuitRef, StreamId), usize>,
    /// Circuits the relay reported closed.
    pub closed_circuits: usize,
}

impl EchoEndpoint {
    /// Carries out what the relay's calls asked for: CONNECTED for new
    /// streams, echoes as far as the windows allow, service replies.
    pub fn apply(&mut self, relay: &mut Relay) {
        for action in core::mem::take(&mut self.actions) {
            match action {
                Action::Connect(circuit, stream) => {
                    if relay.connected(circuit, stream).is_err() {
                        self.backlog.remove(&(circuit, stream));
                    }
                }
                Action::Flush(circuit, stream) => self.flush(relay, circuit, stream),
                Action::Reply(circuit, request, body) => {
                    // The circuit may have closed meanwhile; nobody waits.
                    let _ = relay.service_reply(circuit, request, ServiceCommand::REPLY, &body);
                }
            }
        }
    }

    fn flush(&mut self, relay: &mut Relay, circuit: CircuitRef, stream: StreamId) {
        let Some(backlog) = self.backlog.get_mut(&(circuit, stream)) else {
            return;
        };
        while !backlog.is_empty() {
            let len = backlog.len().min(MAX_RELAY_DATA);
            let chunk: Vec<u8> = backlog.iter().take(len).copied().collect();
            match relay.send_data(circuit, stream, &chunk) {
                Ok(()) => {
                    backlog.drain(..len);
                }
                // A closed window: `writable` flushes again.
                Err(crate::Error::Circuit(crate::CircuitError::WindowClosed { .. })) => return,
                Err(_) => {
                    self.backlog.remove(&(circuit, stream));
                    return;
                }
            }
        }
    }
}

impl Endpoint for EchoEndpoint {
    fn begin(&mut self, circuit: CircuitRef, stream: StreamId, _target: Target<'_>) {
        self.backlog.insert((circuit, stream), VecDeque::new());
        self.actions.push(Action::Connect(circuit, stream));
    }

    fn data(&mut self, circuit: CircuitRef, stream: StreamId, data: &[u8]) {
        *self.received.entry((circuit, stream)).or_default() += data.len();
        if let Some(backlog) = self.backlog.get_mut(&(circuit, stream)) {
            backlog.extend(data);
            self.actions.push(Action::Flush(circuit, stream));
        }
    }

    fn end(&mut self, circuit: CircuitRef, stream: StreamId, _reason: EndReason) {
        self.backlog.remove(&(circuit, stream));
    }

    fn writable(&mut self, circuit: CircuitRef, stream: StreamId) {
        self.actions.push(Action::Flush(circuit, stream));
    }

    fn service(
        &mut self,
        circuit: CircuitRef,
        request: StreamId,
        _command: ServiceCommand,
        body: &[u8],
    ) {
        self.actions
            .push(Action::Reply(circuit, request, body.to_vec()));
    }

    fn circuit_closed(&mut self, circuit: CircuitRef) {
        self.closed_circuits += 1;
        self.backlog.retain(|(owner, _), _| *owner != circuit);
    }
}
