//! The crate's errors: one top-level [`Error`] built from finer enums, each
//! `#[non_exhaustive]` with structured fields.

use crate::cell::CellCommand;
use crate::directory::UnixTime;
use crate::relay_msg::RelayCommand;

/// Any error onion-core reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A cell could not be decoded.
    #[error("malformed cell: {0}")]
    Cell(#[from] CellError),
    /// A relay message could not be decoded.
    #[error("malformed relay message: {0}")]
    RelayMessage(#[from] RelayMessageError),
    /// Layer crypto refused a cell or an operation.
    #[error("layer crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// A relay descriptor was refused.
    #[error("relay descriptor: {0}")]
    Descriptor(#[from] DescriptorError),
    /// No path could be selected.
    #[error("path selection: {0}")]
    Path(#[from] PathError),
    /// A hop handshake failed or was refused.
    #[error("hop handshake: {0}")]
    Handshake(#[from] HandshakeError),
    /// A circuit or stream could not take a cell or a request.
    #[error("circuit: {0}")]
    Circuit(#[from] CircuitError),
}

/// An input ended before a field did. Converted into the error of the
/// format being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{needed} more bytes needed")]
pub struct Truncated {
    /// How many more bytes the field needed.
    pub needed: usize,
}

/// Why bytes are not a valid cell or cell body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CellError {
    /// A link message was not exactly one cell long.
    #[error("a cell is {expected} bytes, got {len}", expected = crate::CELL_LEN)]
    WrongLength {
        /// The length received.
        len: usize,
    },
    /// A link-level command (PADDING) named a circuit.
    #[error("{command} cells must use circuit id 0")]
    LinkCommandOnCircuit {
        /// The command.
        command: CellCommand,
    },
    /// A circuit command used the link's circuit id 0.
    #[error("{command} cells need a non-zero circuit id")]
    CircuitCommandOnLink {
        /// The command.
        command: CellCommand,
    },
    /// Unused body space held a non-zero byte.
    #[error("non-zero padding at body offset {offset}")]
    NonZeroPadding {
        /// Offset of the first non-zero byte.
        offset: usize,
    },
    /// A field ran past the end of the body.
    #[error("truncated body: {0}")]
    Truncated(#[from] Truncated),
}

/// Why a relay message area does not hold a valid relay message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayMessageError {
    /// The length field exceeds what one cell can hold.
    #[error("{command} data of {len} bytes exceeds {max}", max = crate::MAX_RELAY_DATA)]
    DataTooLong {
        /// The command.
        command: RelayCommand,
        /// The length claimed or given.
        len: usize,
    },
    /// The data length does not match the command's format.
    #[error("{command} needs {expected} data bytes, got {len}")]
    WrongDataLength {
        /// The command.
        command: RelayCommand,
        /// The length received.
        len: usize,
        /// The length the command needs.
        expected: usize,
    },
    /// A stream command used stream id 0.
    #[error("{command} needs a non-zero stream id")]
    MissingStream {
        /// The command.
        command: RelayCommand,
    },
    /// A circuit-level command named a stream.
    #[error("{command} must use stream id 0")]
    UnexpectedStream {
        /// The command.
        command: RelayCommand,
    },
    /// A BEGIN target is not a printable host of valid length.
    #[error("invalid BEGIN target")]
    InvalidTarget,
    /// Space after the data held a non-zero byte.
    #[error("non-zero padding at offset {offset}")]
    NonZeroPadding {
        /// Offset of the first non-zero byte in the message area.
        offset: usize,
    },
    /// A field ran past the end of the data.
    #[error("truncated relay message: {0}")]
    Truncated(#[from] Truncated),
}

/// Why the layer crypto refused a cell or an operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// No layer recognised the cell: it was modified, replayed or
    /// reordered on the path. Tear the circuit down.
    #[error("cell not recognised: modified, replayed or reordered; tear the circuit down")]
    Unrecognised,
    /// A cell was addressed to a hop the circuit does not have.
    #[error("no hop {hop} on a circuit of {hops} hops")]
    NoSuchHop {
        /// The hop asked for (0-based).
        hop: usize,
        /// How many hops the circuit has.
        hops: usize,
    },
    /// A circuit would grow past its maximum length.
    #[error("a circuit has at most {max} hops")]
    TooManyHops {
        /// The maximum.
        max: usize,
    },
}

/// A bounded list inside a relay descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DescriptorList {
    /// The declared network addresses.
    Addresses,
    /// The exit policy's port ranges.
    PortRanges,
    /// The declared family.
    Family,
}

/// Why bytes are not a valid relay descriptor, or a descriptor cannot be
/// signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescriptorError {
    /// The input is longer than any valid descriptor.
    #[error("{len} bytes exceed the largest descriptor ({max})", max = crate::directory::MAX_DESCRIPTOR_LEN)]
    Oversized {
        /// The length received.
        len: usize,
    },
    /// A field ran past the end of the input.
    #[error("truncated descriptor: {0}")]
    Truncated(#[from] Truncated),
    /// Bytes followed the signature.
    #[error("{len} bytes after the signature")]
    TrailingBytes {
        /// How many.
        len: usize,
    },
    /// The format version is not one this crate reads.
    #[error("unsupported descriptor version {version}")]
    UnsupportedVersion {
        /// The version received.
        version: u8,
    },
    /// The flags byte has bits no flag defines.
    #[error("unknown relay flag bits {bits:#04x}")]
    UnknownFlags {
        /// The flags byte.
        bits: u8,
    },
    /// The traffic byte of the exit policy has bits no kind defines.
    #[error("unknown exit traffic bits {bits:#04x}")]
    UnknownTraffic {
        /// The traffic byte.
        bits: u8,
    },
    /// An address is neither IPv4 nor IPv6.
    #[error("unknown address tag {tag}")]
    UnknownAddressTag {
        /// The tag byte.
        tag: u8,
    },
    /// A port range is empty, reversed or includes port 0.
    #[error("invalid port range {low}..={high}")]
    InvalidPortRange {
        /// The first port.
        low: u16,
        /// The last port.
        high: u16,
    },
    /// A list holds more items than its bound.
    #[error("{list:?} list of {len} exceeds {max}")]
    ListTooLong {
        /// The list.
        list: DescriptorList,
        /// Its length.
        len: usize,
        /// Its bound.
        max: usize,
    },
    /// A list is not strictly ascending (port ranges: not merged), so the
    /// encoding would not be the only one.
    #[error("{list:?} list is not strictly ascending")]
    ListNotCanonical {
        /// The list.
        list: DescriptorList,
    },
    /// The exit policy names traffic but no ports, or ports but no traffic.
    #[error("exit policy with only one of traffic kinds and ports")]
    HalfEmptyExitPolicy,
    /// The exit flag disagrees with the exit policy.
    #[error("exit flag is {exit_flag} but the exit policy says otherwise")]
    ExitFlagMismatch {
        /// Whether the exit flag is set.
        exit_flag: bool,
    },
    /// The relay names itself in its family.
    #[error("a relay cannot be in its own family list")]
    FamilyContainsSelf,
    /// `expires` is not after `published`, or too far after it.
    #[error("invalid lifetime from {published:?} to {expires:?}")]
    InvalidLifetime {
        /// When the descriptor says it was published.
        published: UnixTime,
        /// When it says it expires.
        expires: UnixTime,
    },
    /// The identity is not a valid Ed25519 public key.
    #[error("identity is not an Ed25519 public key")]
    InvalidIdentityKey,
    /// The signature does not verify: forged, or a field (such as a key)
    /// changed after signing.
    #[error("bad descriptor signature")]
    BadSignature,
    /// The descriptor is not valid yet.
    #[error("published at {published:?}, after now ({now:?})")]
    NotYetValid {
        /// When it becomes valid.
        published: UnixTime,
        /// The time given.
        now: UnixTime,
    },
    /// The descriptor has expired.
    #[error("expired at {expires:?}, at or before now ({now:?})")]
    Expired {
        /// When it expired.
        expires: UnixTime,
        /// The time given.
        now: UnixTime,
    },
}

/// Why no path could be selected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The requested number of hops is out of range.
    #[error("a path has {min} to {max} hops, not {hops}")]
    HopCount {
        /// The number asked for.
        hops: usize,
        /// The fewest allowed.
        min: usize,
        /// The most allowed.
        max: usize,
    },
    /// No relay valid now fits the requested last hop.
    #[error("no relay fits the requested last hop")]
    NoLastHop,
    /// The directory has no relay that can be a guard now.
    #[error("no usable guard")]
    NoGuard,
    /// Every fitting last hop is a pinned guard or shares a network or
    /// family with each of them.
    #[error("every fitting last hop is related to every pinned guard")]
    NoLastHopBesideGuards,
    /// Not enough relays unrelated to the guard, the last hop and each
    /// other for the middle hops.
    #[error("needed {needed} unrelated middle relays, found at most {found}")]
    NoMiddles {
        /// How many middle hops the path needs.
        needed: usize,
        /// The most that any draw found.
        found: usize,
    },
}
/// Why a circuit state machine refused a cell from a link or a request from
/// its caller. Errors about a circuit's cells close that circuit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CircuitError {
    /// A cell arrived on a link the caller never reported with `link_up`.
    #[error("cell on unknown link {link:?}")]
    UnknownLink {
        /// The link.
        link: crate::LinkId,
    },
    /// A cell named a circuit id that is not open on its link.
    #[error("no circuit {circ_id:?} on link {link:?}")]
    UnknownCircuit {
        /// The link.
        link: crate::LinkId,
        /// The circuit id.
        circ_id: crate::CircId,
    },
    /// A CREATE reused an open circuit id, or took one from the half of
    /// the id space that belongs to this end of the link.
    #[error("CREATE with a circuit id the peer may not use: {circ_id:?}")]
    BadCircuitId {
        /// The circuit id.
        circ_id: crate::CircId,
    },
    /// A cell command that is wrong for the circuit's state or direction.
    #[error("unexpected {command} cell")]
    UnexpectedCell {
        /// The command.
        command: CellCommand,
    },
    /// A relay message that is wrong for the circuit's state or direction.
    #[error("unexpected {command} relay message")]
    UnexpectedMessage {
        /// The command.
        command: RelayCommand,
    },
    /// A SENDME acknowledged cells that were never sent.
    #[error("SENDME beyond the {kind:?} window")]
    UnexpectedSendme {
        /// The window.
        kind: crate::flow::WindowKind,
    },
    /// The window is closed: wait for a SENDME.
    #[error("the {kind:?} window is closed")]
    WindowClosed {
        /// The window.
        kind: crate::flow::WindowKind,
    },
    /// A message named a stream the circuit does not have.
    #[error("no stream {stream} on the circuit")]
    UnknownStream {
        /// The raw stream id.
        stream: u16,
    },
    /// A limit was reached: circuits, streams or queued cells.
    #[error("{limit:?} limit of {max} reached")]
    Limit {
        /// Which limit.
        limit: Limit,
        /// Its value.
        max: usize,
    },
    /// The circuit is closed or was never opened.
    #[error("the circuit is closed")]
    Closed,
}

/// A bounded resource of a circuit state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// Circuits through one relay.
    Circuits,
    /// Streams on one circuit.
    Streams,
    /// Cells one circuit has waiting to be polled.
    QueuedCells,
}

/// Why a hop handshake failed or was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The CREATE is addressed to an onion key the relay does not hold
    /// (never had, or already rotated out).
    #[error("CREATE addressed to an onion key this relay does not hold: {onion_key:?}")]
    UnknownOnionKey {
        /// The key the CREATE names.
        onion_key: crate::OnionKey,
    },
    /// The CREATE's ephemeral key was already accepted under its onion key.
    #[error("replayed CREATE: its ephemeral key was already used under this onion key")]
    Replayed,
    /// The onion key's replay filter is full: the relay must rotate keys.
    #[error("replay filter full after {capacity} handshakes; rotate the onion key")]
    ReplayFilterFull {
        /// The filter's capacity.
        capacity: usize,
    },
    /// A handshake message failed authentication: it was modified, or was
    /// made for another onion key, or the reply is not from the key's holder.
    #[error("handshake message failed authentication")]
    Unauthenticated,
    /// A public key in the handshake is a low-order point, which would make
    /// the shared secret known to anyone.
    #[error("low-order public key in the handshake")]
    WeakKey,
    /// The Noise library failed in a way no input should cause.
    #[error("Noise: {0}")]
    Noise(#[from] NoiseError),
}

/// A Noise library failure, kept opaque so the dependency stays out of the
/// public API.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NoiseError(pub(crate) snow::Error);
