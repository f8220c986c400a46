//! The crate's errors: one top-level [`Error`] built from finer enums, each
//! `#[non_exhaustive]` with structured fields.

use crate::cell::CellCommand;
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
