//! The crate's errors: one top-level [`Error`] built from finer enums, each
//! `#[non_exhaustive]` with structured fields.

use core::fmt;

/// Any error rtc-mesh reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A signalling message was refused.
    #[error("signalling: {0}")]
    Signal(#[from] SignalError),
    /// A frame could not be decoded.
    #[error("framing: {0}")]
    Frame(#[from] FrameError),
    /// A link operation failed.
    #[error("link: {0}")]
    Link(#[from] LinkError),
}

/// Why a signalling message or field is not acceptable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignalError {
    /// The message exceeds the size limit (checked before parsing).
    #[error("message of {len} bytes exceeds {max}")]
    TooLong {
        /// The message's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The JSON is not a valid message.
    #[error("malformed message: {0}")]
    Malformed(JsonError),
    /// A peer list is longer than allowed.
    #[error("{count} peers in a list exceed {max}")]
    TooManyPeers {
        /// The list's length.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Bytes that are not a usable Ed25519 public key were given as a peer id.
    #[error("peer id is not a valid Ed25519 public key")]
    InvalidPeerId,
    /// A registration signature did not verify.
    #[error("registration signature does not verify")]
    BadSignature,
    /// A realm name exceeds [`MAX_REALM_LEN`](crate::signal::MAX_REALM_LEN).
    #[error("realm of {len} bytes is too long")]
    RealmTooLong {
        /// The name's length.
        len: usize,
    },
}

/// A JSON syntax or schema error, wrapped so that serde_json stays out of the
/// public API. Its text may quote the input: do not log it where message
/// contents must stay private.
pub struct JsonError(serde_json::Error);

impl JsonError {
    /// Whether the input ended before the JSON did.
    pub fn is_eof(&self) -> bool {
        self.0.is_eof()
    }

    /// Whether the JSON was well-formed but not a valid message.
    pub fn is_data(&self) -> bool {
        self.0.is_data()
    }
}

impl From<serde_json::Error> for JsonError {
    fn from(error: serde_json::Error) -> Self {
        JsonError(error)
    }
}

impl fmt::Debug for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "JsonError({:?} at {}:{})",
            self.0.classify(),
            self.0.line(),
            self.0.column()
        )
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for JsonError {}

/// Why bytes are not a valid frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The channel kind byte is not one this version knows.
    #[error("unknown channel kind {kind}")]
    UnknownChannel {
        /// The kind byte.
        kind: u8,
    },
    /// A stream frame named stream 0.
    #[error("stream frames need a non-zero stream id")]
    ZeroStreamId,
    /// The payload length exceeds the limit.
    #[error("payload of {len} bytes exceeds {max}")]
    PayloadTooLong {
        /// The length claimed or given.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// A link message ended inside its frame.
    #[error("message ends {needed} bytes before its frame")]
    Truncated {
        /// How many more bytes the frame needed.
        needed: usize,
    },
    /// A link message held bytes after its frame.
    #[error("{len} bytes after the frame")]
    TrailingBytes {
        /// How many.
        len: usize,
    },
}

/// Why a link operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The link is closed.
    #[error("link closed by the {by:?} end: code {code}", code = reason.code.0)]
    Closed {
        /// Which end closed it.
        by: crate::link::ClosedBy,
        /// Why.
        reason: crate::link::CloseReason,
    },
    /// The message is longer than the link carries.
    #[error("message of {len} bytes exceeds the link's {max}")]
    MessageTooLong {
        /// The message's length.
        len: usize,
        /// The link's limit.
        max: usize,
    },
    /// The peer's in-band close message is not `CODE:DETAIL` in canonical
    /// form.
    #[error("malformed close message of {len} bytes")]
    MalformedClose {
        /// The message's length.
        len: usize,
    },
}

/// An exception or rejection from the browser's WebRTC API, wrapped so that
/// JS values stay out of the public API: its name (`InvalidStateError`,
/// `OperationError`, …) and message.
#[cfg(any(test, all(feature = "web", target_arch = "wasm32")))]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct BrowserError {
    name: String,
    message: String,
}

#[cfg(any(test, all(feature = "web", target_arch = "wasm32")))]
impl BrowserError {
    /// An error named `name` saying `message`.
    pub(crate) fn new(name: String, message: String) -> Self {
        BrowserError { name, message }
    }

    /// The error's name, such as `InvalidStateError`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The browser's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Why a web link could not be set up.
#[cfg(any(test, all(feature = "web", target_arch = "wasm32")))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// The browser's WebRTC API failed.
    #[error("browser: {0}")]
    Browser(#[from] BrowserError),
    /// The set-up did not finish in time.
    #[error("link set-up timed out after {after:?} while {stage}")]
    Timeout {
        /// How long the set-up ran.
        after: core::time::Duration,
        /// What it was waiting for.
        stage: &'static str,
    },
    /// The peer connection failed or closed during set-up.
    #[error("peer connection {state} during set-up")]
    ConnectionFailed {
        /// The state it reached.
        state: &'static str,
    },
    /// The signalling path to the peer closed.
    #[error("signalling closed during set-up")]
    SignallingClosed,
    /// The signalling server refused a message to the peer.
    #[error("signalling refused: {code:?}")]
    Refused {
        /// The server's reason.
        code: crate::signal::ErrorCode,
    },
    /// The peer sent an offer while this end was offering too (glare).
    #[error("the peer sent an offer while this end was offering")]
    Glare {
        /// The peer's offer.
        offer: crate::signal::Sdp,
    },
    /// A description did not fit in a signalling message.
    #[error("a {what} of {len} bytes does not fit in a signalling message")]
    TooLong {
        /// Which field.
        what: &'static str,
        /// Its length.
        len: usize,
    },
}

/// A WebSocket error, wrapped so that tungstenite stays out of the public
/// API.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug)]
pub struct WebSocketError(tokio_tungstenite::tungstenite::Error);

#[cfg(not(target_arch = "wasm32"))]
impl From<tokio_tungstenite::tungstenite::Error> for WebSocketError {
    fn from(error: tokio_tungstenite::tungstenite::Error) -> Self {
        WebSocketError(error)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl fmt::Display for WebSocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for WebSocketError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Why the signalling server could not start.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignalServerError {
    /// The listening socket could not be bound.
    #[error("binding the signalling server: {0}")]
    Bind(#[source] std::io::Error),
}

/// Why a signalling client operation failed.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignalClientError {
    /// The WebSocket failed.
    #[error("WebSocket: {0}")]
    WebSocket(#[from] WebSocketError),
    /// A message could not be encoded or decoded.
    #[error("signalling: {0}")]
    Signal(#[from] SignalError),
    /// The server refused registration.
    #[error("registration refused: {code:?}")]
    Refused {
        /// The server's reason.
        code: crate::signal::ErrorCode,
    },
    /// The server answered registration with something else.
    #[error("unexpected reply during registration")]
    UnexpectedReply,
    /// The server sent a binary message (the protocol is text only).
    #[error("binary message from the server")]
    Binary,
    /// The connection closed.
    #[error("connection closed")]
    Closed,
}

/// A webrtc-crate error, wrapped so that the webrtc crate stays out of the
/// public API.
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
#[derive(Debug)]
pub struct WebRtcError(webrtc::error::Error);

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
impl From<webrtc::error::Error> for WebRtcError {
    fn from(error: webrtc::error::Error) -> Self {
        WebRtcError(error)
    }
}

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
impl fmt::Display for WebRtcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
impl std::error::Error for WebRtcError {}

/// Why a native link could not be set up.
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NativeError {
    /// The webrtc stack failed.
    #[error("WebRTC: {0}")]
    WebRtc(#[from] WebRtcError),
    /// The set-up did not finish in time.
    #[error("link set-up timed out after {after:?} while {stage}")]
    Timeout {
        /// How long the set-up ran.
        after: core::time::Duration,
        /// What it was waiting for.
        stage: &'static str,
    },
    /// The peer connection failed or closed during set-up.
    #[error("peer connection {state} during set-up")]
    ConnectionFailed {
        /// The state it reached.
        state: &'static str,
    },
    /// The signalling path to the peer closed.
    #[error("signalling closed during set-up")]
    SignallingClosed,
    /// The signalling server refused a message to the peer.
    #[error("signalling refused: {code:?}")]
    Refused {
        /// The server's reason.
        code: crate::signal::ErrorCode,
    },
    /// The peer sent an offer while this end was offering too (glare).
    #[error("the peer sent an offer while this end was offering")]
    Glare {
        /// The peer's offer.
        offer: crate::signal::Sdp,
    },
    /// A description or candidate did not fit in a signalling message.
    #[error("a {what} of {len} bytes does not fit in a signalling message")]
    TooLong {
        /// Which field.
        what: &'static str,
        /// Its length.
        len: usize,
    },
}

/// Why a [`Mesh`](crate::mesh::Mesh) operation failed. Cheap to clone, so
/// every caller waiting on one set-up gets its outcome.
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeshError {
    /// The mesh was dropped.
    #[error("the mesh is shut down")]
    ShutDown,
    /// No signalling connection came up in time to set up a link.
    #[error("no signalling connection within {after:?}")]
    NoSignalling {
        /// How long the mesh waited.
        after: core::time::Duration,
    },
    /// A node asked for a link to itself.
    #[error("a node cannot link to itself")]
    SelfLink,
    /// The link set-up failed.
    #[error("link set-up: {0}")]
    SetUp(#[source] std::sync::Arc<NativeError>),
    /// A link operation failed.
    #[error("link: {0}")]
    Link(#[from] LinkError),
    /// A payload does not fit in one frame.
    #[error("framing: {0}")]
    Frame(#[from] FrameError),
}
