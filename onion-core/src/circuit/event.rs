//! What the client state machine reports to its caller.

use crate::cell::DestroyReason;
use crate::relay_msg::{EndReason, ServiceCommand, StreamId};

/// A circuit of one [`Client`](super::Client), never reused while it lives.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CircuitHandle(pub(super) u64);

/// Why a client's circuit closed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum CloseReason {
    /// The caller asked for it.
    Requested,
    /// A relay destroyed it.
    Destroyed(DestroyReason),
    /// A hop said the hops after it are gone; the client closes the rest
    /// rather than use a circuit other than the one it chose.
    Truncated(DestroyReason),
    /// A cell failed the layer integrity check: modified, replayed,
    /// reordered or lost on the path.
    Integrity,
    /// A hop broke the protocol (bad handshake reply, malformed or
    /// unexpected message).
    Protocol,
    /// The circuit was not built within its timeout.
    BuildTimeout,
    /// The link to the first hop closed or could not be opened.
    LinkClosed,
}

/// Something that happened to a client's circuits or streams.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Event {
    /// Every hop of the circuit is built; streams may open.
    CircuitReady {
        /// The circuit.
        circuit: CircuitHandle,
    },
    /// The circuit is gone, with every stream on it.
    CircuitClosed {
        /// The circuit.
        circuit: CircuitHandle,
        /// Why.
        reason: CloseReason,
    },
    /// The last hop opened the stream.
    StreamConnected {
        /// The circuit.
        circuit: CircuitHandle,
        /// The stream.
        stream: StreamId,
    },
    /// Data arrived on a stream.
    StreamData {
        /// The circuit.
        circuit: CircuitHandle,
        /// The stream.
        stream: StreamId,
        /// The bytes, as one cell carried them.
        data: Vec<u8>,
    },
    /// The stream closed.
    StreamEnded {
        /// The circuit.
        circuit: CircuitHandle,
        /// The stream.
        stream: StreamId,
        /// Why.
        reason: EndReason,
    },
    /// The stream's window opened again after a send found it closed.
    StreamWritable {
        /// The circuit.
        circuit: CircuitHandle,
        /// The stream.
        stream: StreamId,
    },
    /// The last hop answered a service request.
    Service {
        /// The circuit.
        circuit: CircuitHandle,
        /// The request id it answers.
        request: StreamId,
        /// Reply or error.
        command: ServiceCommand,
        /// The payload.
        body: Vec<u8>,
    },
}
