//! Relay messages: what a RELAY cell carries once the layer addressed to a
//! hop has been removed.
//!
//! The layer cipher owns the first [`crate::crypto::TAG_LEN`] bytes of a relay
//! cell body; the remaining [`RELAY_MSG_LEN`] bytes hold one message:
//!
//! ```text
//! command (1) | stream id (2) | length (2) | data (length) | zeros
//! ```
//!
//! Stream id 0 is the circuit itself (EXTEND, SENDME for the circuit window,
//! DROP, …); stream commands need a non-zero id, and SERVICE messages use it
//! as a request id. Every command has one valid data length or format, and the
//! unused space must be zero, so a message has exactly one encoding. Unknown
//! commands decode as [`RelayMessage::Unknown`] and round-trip.

use core::num::NonZeroU16;

use crate::cell::{CellBody, CreateBody, CreatedBody, DestroyReason};
use crate::codec::{Reader, Writer, open_enum};
use crate::crypto::TAG_LEN;
use crate::error::RelayMessageError;
use crate::identity::{KEY_LEN, RelayId};

/// Bytes of a relay cell body available to one relay message.
pub const RELAY_MSG_LEN: usize = crate::cell::CELL_BODY_LEN - TAG_LEN;
/// Length of the command, stream id and length fields.
pub const RELAY_HEADER_LEN: usize = 5;
/// The most data one DATA (or SERVICE, or unknown) message can carry.
pub const MAX_RELAY_DATA: usize = RELAY_MSG_LEN - RELAY_HEADER_LEN;
/// The longest host name a BEGIN target may carry.
pub const MAX_TARGET_HOST_LEN: usize = 255;

/// The message area of a relay cell body.
pub type RelayMsgArea = [u8; RELAY_MSG_LEN];

open_enum! {
    /// The command of a relay message. Unknown values decode and round-trip.
    pub struct RelayCommand(u8) {
        /// Open a stream to a target at the hop.
        BEGIN = 1,
        /// Stream payload.
        DATA = 2,
        /// Close a stream.
        END = 3,
        /// The hop opened the stream a BEGIN asked for.
        CONNECTED = 4,
        /// Flow control: the receiver consumed a window's worth of cells.
        SENDME = 5,
        /// Ask the hop to extend the circuit by one relay.
        EXTEND = 6,
        /// The hop extended the circuit; carries the new hop's handshake reply.
        EXTENDED = 7,
        /// Ask the hop to drop every hop after it.
        TRUNCATE = 8,
        /// The hops after the sender are gone.
        TRUNCATED = 9,
        /// Padding: the addressed hop discards it.
        DROP = 10,
        /// A request to, or reply from, a service endpoint at the hop.
        SERVICE = 11,
    }
}

open_enum! {
    /// Why a stream ended.
    pub struct EndReason(u8) {
        /// Finished normally.
        DONE = 1,
        /// The hop's exit policy or endpoint refused the target.
        POLICY = 2,
        /// The hop could not reach the target.
        CONNECT_FAILED = 3,
        /// The stream waited too long.
        TIMEOUT = 4,
        /// The other side broke the stream protocol.
        PROTOCOL = 5,
        /// The other side is out of streams or buffer space.
        RESOURCE_LIMIT = 6,
        /// The circuit carrying the stream went away.
        CIRCUIT_CLOSED = 7,
    }
}

open_enum! {
    /// What a SERVICE message asks of (or answers from) the endpoint at a
    /// hop. The bodies are the embedding code's format; onion-core only
    /// routes them and pairs replies with requests.
    pub struct ServiceCommand(u8) {
        /// Store a signed descriptor (e.g. for a blinded info-hash).
        PUBLISH_DESCRIPTOR = 1,
        /// Look a descriptor up.
        FETCH_DESCRIPTOR = 2,
        /// Make this hop an introduction point for a service.
        ESTABLISH_INTRO = 3,
        /// Pass an introduction to a service through its introduction point.
        INTRODUCE = 4,
        /// Make this hop a rendezvous point under a cookie.
        ESTABLISH_RENDEZVOUS = 5,
        /// Complete a rendezvous: join this circuit to the cookie's circuit.
        RENDEZVOUS = 6,
        /// The answer to a request with the same request id.
        REPLY = 7,
        /// The request with the same request id failed.
        ERROR = 8,
    }
}

/// A stream on a circuit (or a service request id); never zero.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct StreamId(pub NonZeroU16);

impl StreamId {
    /// The stream id `value`, `None` for zero (the circuit itself).
    pub fn new(value: u16) -> Option<StreamId> {
        NonZeroU16::new(value).map(StreamId)
    }

    /// The wire value.
    pub fn get(self) -> u16 {
        self.0.get()
    }
}

/// Where a BEGIN asks the hop to connect: a host name or address and a port,
/// matched against the hop's exit policy. A host is 1 to
/// [`MAX_TARGET_HOST_LEN`] printable ASCII characters without spaces.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target<'a> {
    host: &'a str,
    port: u16,
}

impl<'a> Target<'a> {
    /// A target, or `None` if the host is empty, too long or not printable
    /// ASCII.
    ///
    /// ```
    /// use onion_core::Target;
    /// assert!(Target::new("tracker.example", 6969).is_some());
    /// assert!(Target::new("bad host", 80).is_none());
    /// ```
    pub fn new(host: &'a str, port: u16) -> Option<Target<'a>> {
        let valid = !host.is_empty()
            && host.len() <= MAX_TARGET_HOST_LEN
            && host.bytes().all(|b| b.is_ascii_graphic());
        valid.then_some(Target { host, port })
    }

    /// The host name or address.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl core::fmt::Debug for Target<'_> {
    // Targets are addresses: log only the port.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Target(<{} byte host>:{})", self.host.len(), self.port)
    }
}

/// One relay message, borrowing its data from the decrypted cell.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum RelayMessage<'a> {
    /// Open `stream` to `target` at the addressed hop.
    Begin {
        /// The new stream.
        stream: StreamId,
        /// Where to connect.
        target: Target<'a>,
    },
    /// The hop opened `stream`.
    Connected {
        /// The stream a BEGIN asked for.
        stream: StreamId,
    },
    /// Stream payload.
    Data {
        /// The stream.
        stream: StreamId,
        /// 1 to [`MAX_RELAY_DATA`] bytes.
        data: &'a [u8],
    },
    /// Close `stream`.
    End {
        /// The stream.
        stream: StreamId,
        /// Why.
        reason: EndReason,
    },
    /// Open one more window of cells for a stream, or for the circuit when
    /// `stream` is `None`.
    Sendme {
        /// The stream, or `None` for the circuit window.
        stream: Option<StreamId>,
    },
    /// Extend the circuit to `target` with the enclosed CREATE.
    Extend {
        /// The relay to extend to, reached over a link to that identity.
        target: RelayId,
        /// The CREATE body to forward, addressed to the target's onion key.
        create: CreateBody,
    },
    /// The circuit was extended; the new hop's reply.
    Extended {
        /// The CREATED body the new hop sent.
        created: CreatedBody,
    },
    /// Drop every hop after the addressed one.
    Truncate,
    /// The hops after the sender are gone.
    Truncated {
        /// Why.
        reason: DestroyReason,
    },
    /// Padding for the addressed hop to discard.
    Drop,
    /// A service request or reply.
    Service {
        /// Pairs a reply with its request; chosen by the requester.
        request: StreamId,
        /// What is asked or answered.
        command: ServiceCommand,
        /// The embedding code's payload, up to [`MAX_RELAY_DATA`]` - 1` bytes.
        body: &'a [u8],
    },
    /// A command this version does not know, kept as it came.
    Unknown {
        /// The command.
        command: RelayCommand,
        /// The raw stream id.
        stream: u16,
        /// The raw data.
        data: &'a [u8],
    },
}

impl<'a> RelayMessage<'a> {
    /// The message's command.
    pub fn command(&self) -> RelayCommand {
        match self {
            RelayMessage::Begin { .. } => RelayCommand::BEGIN,
            RelayMessage::Connected { .. } => RelayCommand::CONNECTED,
            RelayMessage::Data { .. } => RelayCommand::DATA,
            RelayMessage::End { .. } => RelayCommand::END,
            RelayMessage::Sendme { .. } => RelayCommand::SENDME,
            RelayMessage::Extend { .. } => RelayCommand::EXTEND,
            RelayMessage::Extended { .. } => RelayCommand::EXTENDED,
            RelayMessage::Truncate => RelayCommand::TRUNCATE,
            RelayMessage::Truncated { .. } => RelayCommand::TRUNCATED,
            RelayMessage::Drop => RelayCommand::DROP,
            RelayMessage::Service { .. } => RelayCommand::SERVICE,
            RelayMessage::Unknown { command, .. } => *command,
        }
    }

    /// The raw stream id field (0 for circuit-level messages).
    pub fn stream_field(&self) -> u16 {
        match self {
            RelayMessage::Begin { stream, .. }
            | RelayMessage::Connected { stream }
            | RelayMessage::Data { stream, .. }
            | RelayMessage::End { stream, .. } => stream.get(),
            RelayMessage::Sendme { stream } => stream.map_or(0, StreamId::get),
            RelayMessage::Service { request, .. } => request.get(),
            RelayMessage::Unknown { stream, .. } => *stream,
            RelayMessage::Extend { .. }
            | RelayMessage::Extended { .. }
            | RelayMessage::Truncate
            | RelayMessage::Truncated { .. }
            | RelayMessage::Drop => 0,
        }
    }

    /// Decodes the message in a relay message area.
    ///
    /// ```
    /// use onion_core::{RelayMessage, StreamId};
    /// let stream = StreamId::new(5).expect("non-zero");
    /// let msg = RelayMessage::Data { stream, data: b"piece" };
    /// let area = msg.encode()?;
    /// assert_eq!(RelayMessage::decode(&area)?, msg);
    /// # Ok::<(), onion_core::RelayMessageError>(())
    /// ```
    pub fn decode(area: &'a RelayMsgArea) -> Result<RelayMessage<'a>, RelayMessageError> {
        let mut reader = Reader::new(area);
        let command = RelayCommand(reader.u8()?);
        let stream = reader.u16()?;
        let len = usize::from(reader.u16()?);
        if len > MAX_RELAY_DATA {
            return Err(RelayMessageError::DataTooLong { command, len });
        }
        let data = reader.take(len)?;
        if let Some(offset) = reader.first_nonzero_rest() {
            return Err(RelayMessageError::NonZeroPadding { offset });
        }
        decode_fields(command, stream, data)
    }

    /// Encodes the message into a relay message area. Fails only if a
    /// payload is too long for one cell.
    pub fn encode(&self) -> Result<RelayMsgArea, RelayMessageError> {
        let mut area = [0; RELAY_MSG_LEN];
        self.encode_into(&mut area)?;
        Ok(area)
    }

    /// Encodes the message into the message area of a relay cell body (the
    /// bytes after the layer tag), zeroing the unused space.
    pub fn encode_into_body(&self, body: &mut CellBody) -> Result<(), RelayMessageError> {
        let area: &mut RelayMsgArea = (&mut body[TAG_LEN..])
            .try_into()
            .expect("the body after the tag is RELAY_MSG_LEN long");
        self.encode_into(area)
    }

    fn encode_into(&self, area: &mut RelayMsgArea) -> Result<(), RelayMessageError> {
        let command = self.command();
        let data_len = self.data_len();
        if data_len > MAX_RELAY_DATA {
            return Err(RelayMessageError::DataTooLong {
                command,
                len: data_len,
            });
        }
        let mut writer = Writer::new(area);
        writer.u8(command.0);
        writer.u16(self.stream_field());
        writer.u16(u16::try_from(data_len).expect("data_len <= MAX_RELAY_DATA"));
        match self {
            RelayMessage::Begin { target, .. } => {
                writer.u16(target.port);
                writer.put(target.host.as_bytes());
            }
            RelayMessage::Data { data, .. } | RelayMessage::Unknown { data, .. } => {
                writer.put(data);
            }
            RelayMessage::End { reason, .. } => writer.u8(reason.0),
            RelayMessage::Extend { target, create } => {
                writer.put(target.as_bytes());
                create.write(&mut writer);
            }
            RelayMessage::Extended { created } => writer.put(&created.handshake),
            RelayMessage::Truncated { reason } => writer.u8(reason.0),
            RelayMessage::Service { command, body, .. } => {
                writer.u8(command.0);
                writer.put(body);
            }
            RelayMessage::Connected { .. }
            | RelayMessage::Sendme { .. }
            | RelayMessage::Truncate
            | RelayMessage::Drop => {}
        }
        writer.zero_rest();
        Ok(())
    }

    fn data_len(&self) -> usize {
        match self {
            RelayMessage::Begin { target, .. } => 2 + target.host.len(),
            RelayMessage::Data { data, .. } | RelayMessage::Unknown { data, .. } => data.len(),
            RelayMessage::End { .. } | RelayMessage::Truncated { .. } => 1,
            RelayMessage::Extend { .. } => EXTEND_LEN,
            RelayMessage::Extended { .. } => crate::cell::CREATED_HANDSHAKE_LEN,
            RelayMessage::Service { body, .. } => 1 + body.len(),
            RelayMessage::Connected { .. }
            | RelayMessage::Sendme { .. }
            | RelayMessage::Truncate
            | RelayMessage::Drop => 0,
        }
    }
}

/// The message area of a relay cell body: the bytes after the layer tag.
pub(crate) fn message_area(body: &CellBody) -> &RelayMsgArea {
    body[TAG_LEN..]
        .try_into()
        .expect("the body after the tag is RELAY_MSG_LEN long")
}

const EXTEND_LEN: usize = KEY_LEN + CreateBody::LEN;

/// Checks that `data` fits one DATA message: 1 to [`MAX_RELAY_DATA`] bytes.
pub(crate) fn check_data_len(data: &[u8]) -> Result<(), RelayMessageError> {
    if data.is_empty() || data.len() > MAX_RELAY_DATA {
        return Err(RelayMessageError::WrongDataLength {
            command: RelayCommand::DATA,
            len: data.len(),
            expected: MAX_RELAY_DATA,
        });
    }
    Ok(())
}

fn decode_fields<'a>(
    command: RelayCommand,
    stream: u16,
    data: &'a [u8],
) -> Result<RelayMessage<'a>, RelayMessageError> {
    let exact = |expected: usize| {
        if data.len() == expected {
            Ok(())
        } else {
            Err(RelayMessageError::WrongDataLength {
                command,
                len: data.len(),
                expected,
            })
        }
    };
    let on_stream = || StreamId::new(stream).ok_or(RelayMessageError::MissingStream { command });
    let on_circuit = || {
        if stream == 0 {
            Ok(())
        } else {
            Err(RelayMessageError::UnexpectedStream { command })
        }
    };
    let mut reader = Reader::new(data);
    let message = match command {
        RelayCommand::BEGIN => {
            let stream = on_stream()?;
            let port = reader.u16()?;
            let host = core::str::from_utf8(reader.take(reader.remaining())?)
                .ok()
                .and_then(|host| Target::new(host, port))
                .ok_or(RelayMessageError::InvalidTarget)?;
            RelayMessage::Begin {
                stream,
                target: host,
            }
        }
        RelayCommand::CONNECTED => {
            exact(0)?;
            RelayMessage::Connected {
                stream: on_stream()?,
            }
        }
        RelayCommand::DATA => {
            if data.is_empty() {
                return Err(RelayMessageError::WrongDataLength {
                    command,
                    len: 0,
                    expected: 1,
                });
            }
            RelayMessage::Data {
                stream: on_stream()?,
                data,
            }
        }
        RelayCommand::END => {
            exact(1)?;
            RelayMessage::End {
                stream: on_stream()?,
                reason: EndReason(reader.u8()?),
            }
        }
        RelayCommand::SENDME => {
            exact(0)?;
            RelayMessage::Sendme {
                stream: StreamId::new(stream),
            }
        }
        RelayCommand::EXTEND => {
            exact(EXTEND_LEN)?;
            on_circuit()?;
            let target = RelayId::from_bytes(*reader.array()?);
            let create = CreateBody::read(&mut reader)?;
            RelayMessage::Extend { target, create }
        }
        RelayCommand::EXTENDED => {
            exact(crate::cell::CREATED_HANDSHAKE_LEN)?;
            on_circuit()?;
            RelayMessage::Extended {
                created: CreatedBody {
                    handshake: *reader.array()?,
                },
            }
        }
        RelayCommand::TRUNCATE => {
            exact(0)?;
            on_circuit()?;
            RelayMessage::Truncate
        }
        RelayCommand::TRUNCATED => {
            exact(1)?;
            on_circuit()?;
            RelayMessage::Truncated {
                reason: DestroyReason(reader.u8()?),
            }
        }
        RelayCommand::DROP => {
            exact(0)?;
            on_circuit()?;
            RelayMessage::Drop
        }
        RelayCommand::SERVICE => {
            let request = on_stream()?;
            let command = ServiceCommand(reader.u8()?);
            RelayMessage::Service {
                request,
                command,
                body: reader.take(reader.remaining())?,
            }
        }
        _ => RelayMessage::Unknown {
            command,
            stream,
            data,
        },
    };
    Ok(message)
}
