//! What a relay delivers to the embedding code when it is the endpoint of
//! a stream or of a service request.

use crate::relay_msg::{EndReason, ServiceCommand, StreamId, Target};

/// A circuit through this relay, as the embedding code names it when it
/// answers (see [`Relay::connected`](super::Relay::connected) and friends).
/// Never reused while the relay lives, so a stale handle can only fail.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CircuitRef(pub(super) u64);

/// The embedding code's side of streams and service requests that end at
/// this relay. Calls come from inside [`Relay::handle_cell`](super::Relay::handle_cell)
/// and [`Relay::link_down`](super::Relay::link_down); answer afterwards
/// through the relay's methods.
pub trait Endpoint {
    /// A client asks to open `stream` to `target`. Answer with
    /// [`Relay::connected`](super::Relay::connected) or
    /// [`Relay::end_stream`](super::Relay::end_stream).
    fn begin(&mut self, circuit: CircuitRef, stream: StreamId, target: Target<'_>);

    /// Data from the client on an open stream.
    fn data(&mut self, circuit: CircuitRef, stream: StreamId, data: &[u8]);

    /// The client closed `stream`, or the relay did because of `reason`.
    fn end(&mut self, circuit: CircuitRef, stream: StreamId, reason: EndReason);

    /// The window of `stream` opened again after
    /// [`Relay::send_data`](super::Relay::send_data) found it closed.
    fn writable(&mut self, circuit: CircuitRef, stream: StreamId);

    /// A service request; answer with
    /// [`Relay::service_reply`](super::Relay::service_reply) under the same
    /// `request`.
    fn service(
        &mut self,
        circuit: CircuitRef,
        request: StreamId,
        command: ServiceCommand,
        body: &[u8],
    );

    /// The circuit is gone; every stream on it ended. A circuit that one
    /// of the endpoint's own answers closed (its queue limit reached) is
    /// reported from the next `handle_cell` or `link_down`; the answer
    /// itself already returned the error.
    fn circuit_closed(&mut self, circuit: CircuitRef);
}
