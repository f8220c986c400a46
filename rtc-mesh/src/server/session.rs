//! One client connection: registration, then forwarding and look-ups.

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tracing::debug;

use super::Shared;
use super::counters::Event;
use super::rate::TokenBucket;
use super::registry::{Outbound, Undeliverable};
use crate::SignalError;
use crate::peer_id::PeerId;
use crate::signal::{
    ClientMessage, ErrorCode, NONCE_LEN, Nonce, ServerMessage, verify_registration,
};

/// Bytes read from a socket at once. tungstenite zero-fills this much
/// before every read (128 KiB by default), which dominated the server's
/// time under load; signalling messages are small, and larger ones are
/// still read whole across several reads.
const READ_BUFFER: usize = 8 * 1024;

/// Most queued messages written to one client before a flush, so that a
/// busy connection still gets back to reading its client.
const MAX_WRITE_BATCH: usize = 64;

/// Where a connection is in registration.
enum State {
    Fresh,
    Challenged { peer: PeerId, nonce: Nonce },
    Registered { peer: PeerId },
}

/// What woke the connection loop.
enum Wake {
    Incoming(Option<Result<Message, tungstenite::Error>>),
    Outbound(Option<Outbound>),
    Deadline,
    Shutdown,
}

/// What handling one message asks of the connection loop.
enum Reply {
    /// Send this to the client.
    Send(ServerMessage),
    /// Send this refusal, then close: the refusal budget ran out.
    SendAndClose(ServerMessage),
    /// Send nothing.
    Nothing,
}

struct Session<'a> {
    id: u64,
    shared: &'a Shared,
    outbound: mpsc::Sender<Outbound>,
    state: State,
    /// The refusal budget; each refused message takes a token.
    refusals: TokenBucket,
}

/// Serves one TCP connection until it closes, misbehaves or the server stops.
pub(super) async fn serve(stream: TcpStream, id: u64, shared: &Shared) {
    let config = &shared.config;
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_message_size(Some(config.max_message_len))
        .max_frame_size(Some(config.max_message_len));
    let handshake = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config));
    let Ok(Ok(ws)) = tokio::time::timeout(config.register_timeout, handshake).await else {
        debug!(connection = id, "WebSocket handshake failed");
        return;
    };
    shared.counters.record(Event::ConnectionAccepted);
    let (outbound, inbox) = mpsc::channel(config.outbound_queue.max(1));
    let mut session = Session {
        id,
        shared,
        outbound,
        state: State::Fresh,
        refusals: TokenBucket::new(config.refusals, Instant::now()),
    };
    let why = session.run(ws, inbox).await;
    debug!(connection = id, why, "connection closed");
    if let State::Registered { peer } = session.state {
        shared.registry.unregister(&peer, id);
    }
    shared.counters.record(Event::ConnectionClosed);
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

impl Session<'_> {
    /// The connection loop; returns why it ended.
    async fn run(&mut self, mut ws: Ws, mut inbox: mpsc::Receiver<Outbound>) -> &'static str {
        let config = &self.shared.config;
        let mut bucket = TokenBucket::new(config.rate, Instant::now());
        let deadline = tokio::time::sleep(config.register_timeout);
        tokio::pin!(deadline);
        let mut shutdown = self.shared.shutdown.clone();
        loop {
            let registered = matches!(self.state, State::Registered { .. });
            let wake = tokio::select! {
                incoming = ws.next() => Wake::Incoming(incoming),
                outbound = inbox.recv() => Wake::Outbound(outbound),
                () = &mut deadline, if !registered => Wake::Deadline,
                _ = shutdown.wait_for(|stop| *stop) => Wake::Shutdown,
            };
            let incoming = match wake {
                Wake::Incoming(incoming) => incoming,
                Wake::Outbound(Some(Outbound::Text(text))) => {
                    match write_queued(&mut ws, text, &mut inbox).await {
                        Ok(Batch::Flushed) => continue,
                        Ok(Batch::Replaced) => return replaced(&mut ws).await,
                        Err(_) => return "write failed",
                    }
                }
                Wake::Outbound(Some(Outbound::Replaced) | None) => return replaced(&mut ws).await,
                Wake::Deadline => {
                    close(&mut ws, WsCloseCode::Policy, "registration timeout").await;
                    return "registration timeout";
                }
                Wake::Shutdown => {
                    close(&mut ws, WsCloseCode::Away, "server shutting down").await;
                    return "server shutdown";
                }
            };
            let message = match incoming {
                None | Some(Ok(Message::Close(_))) => return "client closed",
                Some(Err(tungstenite::Error::Capacity(_))) => {
                    self.shared
                        .counters
                        .record(Event::Rejected(ErrorCode::TooLarge));
                    self.shared.counters.record(Event::AbuseDisconnect);
                    close(&mut ws, WsCloseCode::Size, "message too large").await;
                    return "oversized message";
                }
                Some(Err(_)) => {
                    self.shared.counters.record(Event::AbuseDisconnect);
                    return "WebSocket protocol error";
                }
                Some(Ok(message)) => message,
            };
            let reply = match message {
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {
                    if bucket.allow(Instant::now()) {
                        continue;
                    }
                    self.refuse(ErrorCode::RateLimited, None)
                }
                Message::Text(_) | Message::Binary(_) if !bucket.allow(Instant::now()) => {
                    self.shared.counters.record(Event::Received);
                    self.refuse(ErrorCode::RateLimited, None)
                }
                Message::Binary(_) => {
                    self.shared.counters.record(Event::Received);
                    self.refuse(ErrorCode::Malformed, None)
                }
                Message::Text(text) => {
                    self.shared.counters.record(Event::Received);
                    self.handle(text.as_bytes())
                }
                Message::Close(_) => return "client closed",
            };
            let (reply, last) = match reply {
                Reply::Send(reply) => (reply, false),
                Reply::SendAndClose(reply) => (reply, true),
                Reply::Nothing => continue,
            };
            let Ok(json) = reply.to_json() else {
                return "reply too large";
            };
            if ws.send(Message::text(json)).await.is_err() {
                return "write failed";
            }
            if last {
                self.shared.counters.record(Event::AbuseDisconnect);
                close(&mut ws, WsCloseCode::Policy, "too many refused messages").await;
                return "too many refused messages";
            }
        }
    }

    fn refuse(&mut self, code: ErrorCode, peer: Option<PeerId>) -> Reply {
        self.shared.counters.record(Event::Rejected(code));
        debug!(connection = self.id, ?code, "refused a message");
        let refusal = ServerMessage::Error { code, peer };
        if self.refusals.allow(Instant::now()) {
            Reply::Send(refusal)
        } else {
            Reply::SendAndClose(refusal)
        }
    }

    fn handle(&mut self, json: &[u8]) -> Reply {
        let message = match ClientMessage::from_json(json) {
            Ok(message) => message,
            Err(SignalError::TooLong { .. }) => return self.refuse(ErrorCode::TooLarge, None),
            Err(_) => return self.refuse(ErrorCode::Malformed, None),
        };
        match (&self.state, message) {
            (State::Fresh, ClientMessage::Register { peer }) => {
                // Parsing checked only the id's format; an id that is no
                // valid key could never authenticate, so it gets no challenge.
                if peer.verifying_key().is_err() {
                    return self.refuse(ErrorCode::Malformed, None);
                }
                let mut nonce = [0; NONCE_LEN];
                if getrandom::fill(&mut nonce).is_err() {
                    return self.refuse(ErrorCode::Unexpected, None);
                }
                let nonce = Nonce(nonce);
                self.state = State::Challenged { peer, nonce };
                Reply::Send(ServerMessage::Challenge { nonce })
            }
            (&State::Challenged { peer, nonce }, ClientMessage::Authenticate { signature }) => {
                if verify_registration(&peer, &self.shared.config.realm, &nonce, &signature)
                    .is_err()
                {
                    self.state = State::Fresh;
                    return self.refuse(ErrorCode::BadSignature, Some(peer));
                }
                self.state = State::Registered { peer };
                self.shared.counters.record(Event::Registered);
                if self
                    .shared
                    .registry
                    .register(peer, self.id, self.outbound.clone())
                {
                    self.shared.counters.record(Event::Replaced);
                }
                debug!(connection = self.id, ?peer, "registered");
                Reply::Send(ServerMessage::Registered { peer })
            }
            (&State::Registered { peer }, message) => self.handle_registered(peer, message),
            (_, ClientMessage::Register { .. } | ClientMessage::Authenticate { .. }) => {
                self.refuse(ErrorCode::Unexpected, None)
            }
            (_, _) => self.refuse(ErrorCode::NotRegistered, None),
        }
    }

    fn handle_registered(&mut self, me: PeerId, message: ClientMessage) -> Reply {
        let (to, forward) = match message {
            ClientMessage::Offer { to, sdp } => (to, ServerMessage::Offer { from: me, sdp }),
            ClientMessage::Answer { to, sdp } => (to, ServerMessage::Answer { from: me, sdp }),
            ClientMessage::Candidate { to, candidate } => (
                to,
                ServerMessage::Candidate {
                    from: me,
                    candidate,
                },
            ),
            ClientMessage::ListPeers { limit } => {
                return Reply::Send(ServerMessage::Peers {
                    peers: self.shared.registry.list(&me, limit),
                });
            }
            ClientMessage::PublishDescriptor { descriptor } => {
                self.shared.registry.publish(&me, self.id, descriptor);
                return Reply::Nothing;
            }
            ClientMessage::FetchDescriptor { peer } => {
                return Reply::Send(ServerMessage::Descriptor {
                    peer,
                    descriptor: self.shared.registry.descriptor(&peer),
                });
            }
            _ => return self.refuse(ErrorCode::Unexpected, None),
        };
        if to == me {
            return self.refuse(ErrorCode::Unexpected, Some(to));
        }
        let Ok(json) = forward.to_json() else {
            return self.refuse(ErrorCode::TooLarge, Some(to));
        };
        match self.shared.registry.deliver(&to, json) {
            Ok(()) => {
                self.shared.counters.record(Event::Forwarded);
                Reply::Nothing
            }
            Err(Undeliverable::Unknown) => self.refuse(ErrorCode::UnknownPeer, Some(to)),
            Err(Undeliverable::Busy) => self.refuse(ErrorCode::PeerBusy, Some(to)),
        }
    }
}

/// How a batch of queued writes ended.
enum Batch {
    /// Everything taken from the queue was written and flushed.
    Flushed,
    /// The queue asked to close after the messages before it were flushed.
    Replaced,
}

/// Writes `first` and the messages queued behind it, up to
/// [`MAX_WRITE_BATCH`], in queue order with one flush: one socket write for
/// the batch instead of one per message.
async fn write_queued(
    ws: &mut Ws,
    first: String,
    inbox: &mut mpsc::Receiver<Outbound>,
) -> Result<Batch, tungstenite::Error> {
    ws.feed(Message::text(first)).await?;
    let mut ended = Batch::Flushed;
    for _ in 1..MAX_WRITE_BATCH {
        match inbox.try_recv() {
            Ok(Outbound::Text(text)) => ws.feed(Message::text(text)).await?,
            Ok(Outbound::Replaced) => {
                ended = Batch::Replaced;
                break;
            }
            // Empty, or closed: the next receive sees that.
            Err(_) => break,
        }
    }
    ws.flush().await?;
    Ok(ended)
}

/// Closes a connection whose identity registered elsewhere.
async fn replaced(ws: &mut Ws) -> &'static str {
    close(ws, WsCloseCode::Normal, "registered elsewhere").await;
    "replaced by a newer registration"
}

/// Closes the WebSocket, best effort and within a second: the connection
/// ends either way.
async fn close(ws: &mut Ws, code: WsCloseCode, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    // The closing handshake: after our Close, read until the client's Close
    // or end of stream. Closing the socket with client input still unread
    // would reset the connection, and the client would lose the replies
    // (such as the refusal that explains the close) still in flight to it.
    let handshake = async {
        if ws.close(Some(frame)).await.is_ok() {
            while let Some(Ok(_)) = ws.next().await {}
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), handshake).await;
}
