//! Cells: the fixed-size blocks that every link carries.
//!
//! Every cell on the wire is exactly [`CELL_LEN`] bytes, whatever its command,
//! its circuit or the hop it is at, so no relay learns anything from sizes:
//!
//! ```text
//! circuit id (4, big-endian) | command (1) | body (512)
//! ```
//!
//! The body of a RELAY cell is layer ciphertext (see [`crate::crypto`]); the
//! bodies of CREATE, CREATED and DESTROY are decoded by the types here.
//! Unused body space is zero and a decoder rejects anything else, so each
//! cell has one encoding.

use crate::codec::{Reader, Writer, open_enum};
use crate::error::{CellError, Truncated};
use crate::identity::{KEY_LEN, OnionKey};

/// Length in bytes of every cell on every link.
///
/// 512 bytes of body keep the layer cipher block-aligned (32 AES blocks, no
/// partial tail); 5 bytes of header name the circuit and the command. A cell
/// fits in one SCTP chunk under a 1200-byte path MTU with DTLS overhead, so it
/// never fragments on a WebRTC data channel, and signalling messages (an SDP
/// offer is a few hundred bytes) fill one to four cells with little padding.
pub const CELL_LEN: usize = CELL_HEADER_LEN + CELL_BODY_LEN;
/// Length of the circuit id and command in front of the body.
pub const CELL_HEADER_LEN: usize = 5;
/// Length of a cell body.
pub const CELL_BODY_LEN: usize = 512;
/// Length of the Noise NK first message a CREATE carries (ephemeral key and
/// the tag of an empty payload).
pub const CREATE_HANDSHAKE_LEN: usize = 48;
/// Length of the Noise NK reply a CREATED carries.
pub const CREATED_HANDSHAKE_LEN: usize = 48;

/// A cell's body: ciphertext for RELAY cells, a control body otherwise.
pub type CellBody = [u8; CELL_BODY_LEN];

/// A circuit id, unique per link and direction (see [`CircIdSpace`]).
/// Zero is reserved for cells that concern the link itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CircId(pub u32);

impl CircId {
    /// The id of link-level cells (PADDING).
    pub const LINK: CircId = CircId(0);

    /// Whether this id names a circuit rather than the link.
    pub fn is_circuit(self) -> bool {
        self != CircId::LINK
    }
}

/// Which half of the circuit id space a node allocates from on one link.
///
/// Both ends of a link may create circuits over it; the end whose identity
/// sorts lower takes ids with the top bit set, the other end ids without, so
/// the two never collide and neither has to ask. Ids are otherwise random.
///
/// ```
/// use onion_core::{CircIdSpace, RelayId};
/// let (a, b) = (RelayId::from_bytes([1; 32]), RelayId::from_bytes([2; 32]));
/// assert_ne!(CircIdSpace::for_link(&a, &b), CircIdSpace::for_link(&b, &a));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CircIdSpace {
    /// Ids with the top bit set.
    High,
    /// Ids with the top bit clear (never zero).
    Low,
}

impl CircIdSpace {
    const TOP_BIT: u32 = 1 << 31;

    /// The space a node with identity `local` uses on a link to `peer`.
    pub fn for_link(local: &crate::RelayId, peer: &crate::RelayId) -> Self {
        if local < peer {
            CircIdSpace::High
        } else {
            CircIdSpace::Low
        }
    }

    /// Maps 32 random bits into this space; `None` for the one value that
    /// maps to the reserved link id, so callers draw again.
    pub fn id_from_random(self, random: u32) -> Option<CircId> {
        let id = match self {
            CircIdSpace::High => random | Self::TOP_BIT,
            CircIdSpace::Low => random & !Self::TOP_BIT,
        };
        CircId(id).is_circuit().then_some(CircId(id))
    }

    /// Whether `id` belongs to this space.
    pub fn contains(self, id: CircId) -> bool {
        id.is_circuit() && ((id.0 & Self::TOP_BIT != 0) == (self == CircIdSpace::High))
    }
}

open_enum! {
    /// The command of a cell. Unknown values decode and round-trip.
    pub struct CellCommand(u8) {
        /// Link-level padding, circuit id 0, body ignored.
        PADDING = 0,
        /// Open a circuit: the first Noise NK message to the next hop.
        CREATE = 1,
        /// The Noise NK reply to a CREATE.
        CREATED = 2,
        /// Layer-encrypted relay data for a circuit.
        RELAY = 3,
        /// Tear a circuit down, in either direction.
        DESTROY = 4,
    }
}

/// One cell as it travels on a link.
#[derive(Clone, PartialEq, Eq)]
pub struct Cell {
    /// The circuit on this link the cell belongs to.
    pub circ_id: CircId,
    /// What the cell does.
    pub command: CellCommand,
    /// The body; its meaning depends on the command.
    pub body: CellBody,
}

impl core::fmt::Debug for Cell {
    // The body is ciphertext or key material: never print it.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cell")
            .field("circ_id", &self.circ_id)
            .field("command", &self.command)
            .finish_non_exhaustive()
    }
}

impl Cell {
    /// A cell with an all-zero body.
    pub fn new(circ_id: CircId, command: CellCommand) -> Self {
        Cell {
            circ_id,
            command,
            body: [0; CELL_BODY_LEN],
        }
    }

    /// Decodes one cell from a message-oriented link, where each message is
    /// exactly one cell.
    ///
    /// ```
    /// use onion_core::{Cell, CellCommand, CircId, CELL_LEN};
    /// let cell = Cell::new(CircId(0x8000_0001), CellCommand::RELAY);
    /// let bytes = cell.encode();
    /// assert_eq!(bytes.len(), CELL_LEN);
    /// assert_eq!(Cell::decode(&bytes)?, cell);
    /// assert!(Cell::decode(&bytes[..100]).is_err());
    /// # Ok::<(), onion_core::CellError>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Cell, CellError> {
        let frame = bytes
            .try_into()
            .map_err(|_| CellError::WrongLength { len: bytes.len() })?;
        Cell::decode_frame(frame)
    }

    /// Decodes the cell at the front of a byte stream: `Ok(None)` means fewer
    /// than [`CELL_LEN`] bytes have arrived yet, which is not an error.
    /// Returns the cell and the number of bytes it used.
    ///
    /// ```
    /// use onion_core::{Cell, CellCommand, CircId};
    /// let bytes = Cell::new(CircId(7), CellCommand::DESTROY).encode();
    /// assert_eq!(Cell::decode_prefix(&bytes[..10])?, None);
    /// let (cell, used) = Cell::decode_prefix(&bytes)?.expect("complete");
    /// assert_eq!((cell.circ_id, used), (CircId(7), bytes.len()));
    /// # Ok::<(), onion_core::CellError>(())
    /// ```
    pub fn decode_prefix(bytes: &[u8]) -> Result<Option<(Cell, usize)>, CellError> {
        match bytes.first_chunk::<CELL_LEN>() {
            Some(frame) => Ok(Some((Cell::decode_frame(frame)?, CELL_LEN))),
            None => Ok(None),
        }
    }

    fn decode_frame(frame: &[u8; CELL_LEN]) -> Result<Cell, CellError> {
        let (circ_id, rest) = frame.split_first_chunk::<4>().expect("CELL_LEN > 4");
        let (command, body) = rest.split_first().expect("CELL_LEN > 5");
        let circ_id = CircId(u32::from_be_bytes(*circ_id));
        let command = CellCommand(*command);
        match (command == CellCommand::PADDING, circ_id.is_circuit()) {
            (true, true) => Err(CellError::LinkCommandOnCircuit { command }),
            (false, false) => Err(CellError::CircuitCommandOnLink { command }),
            _ => Ok(Cell {
                circ_id,
                command,
                body: body.try_into().expect("the rest is CELL_BODY_LEN long"),
            }),
        }
    }

    /// Encodes the cell into its [`CELL_LEN`] wire bytes.
    pub fn encode(&self) -> [u8; CELL_LEN] {
        let mut out = [0; CELL_LEN];
        let mut writer = Writer::new(&mut out);
        writer.u32(self.circ_id.0);
        writer.u8(self.command.0);
        writer.put(&self.body);
        out
    }
}

open_enum! {
    /// Why a circuit was destroyed. Deliberately coarse: a DESTROY travels
    /// outside the layer crypto, so it says nothing a relay should not know.
    pub struct DestroyReason(u8) {
        /// No reason given.
        NONE = 0,
        /// The peer broke the protocol (malformed cell, failed integrity).
        PROTOCOL = 1,
        /// Something went wrong inside the sender.
        INTERNAL = 2,
        /// The circuit's owner asked for it.
        REQUESTED = 3,
        /// The sender is out of circuits, queue space or handshakes.
        RESOURCE_LIMIT = 4,
        /// The next hop could not be reached.
        CONNECT_FAILED = 5,
        /// The circuit took too long to build or sat idle too long.
        TIMEOUT = 6,
        /// The link carrying the circuit closed.
        LINK_CLOSED = 7,
    }
}

/// The body of a CREATE cell: which onion key the client used and its
/// Noise NK first message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CreateBody {
    /// The relay's onion key the handshake is addressed to; a relay may hold
    /// a current and a previous one while clients' directories catch up.
    pub onion_key: OnionKey,
    /// The Noise NK message `-> e, es`.
    pub handshake: [u8; CREATE_HANDSHAKE_LEN],
}

impl CreateBody {
    /// Encoded length inside a cell body (the rest is zero).
    pub const LEN: usize = KEY_LEN + CREATE_HANDSHAKE_LEN;

    /// Decodes a CREATE body.
    pub fn decode(body: &CellBody) -> Result<Self, CellError> {
        let mut reader = Reader::new(body);
        let decoded = Self::read(&mut reader)?;
        reject_padding(&reader)?;
        Ok(decoded)
    }

    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self, Truncated> {
        Ok(CreateBody {
            onion_key: OnionKey::from_bytes(*reader.array()?),
            handshake: *reader.array()?,
        })
    }

    /// Encodes a CREATE body.
    ///
    /// ```
    /// use onion_core::{CreateBody, OnionKey};
    /// let body = CreateBody { onion_key: OnionKey::from_bytes([1; 32]), handshake: [2; 48] };
    /// assert_eq!(CreateBody::decode(&body.encode())?, body);
    /// # Ok::<(), onion_core::CellError>(())
    /// ```
    pub fn encode(&self) -> CellBody {
        let mut body = [0; CELL_BODY_LEN];
        self.write(&mut Writer::new(&mut body));
        body
    }

    pub(crate) fn write(&self, writer: &mut Writer<'_>) {
        writer.put(self.onion_key.as_bytes());
        writer.put(&self.handshake);
    }
}

/// The body of a CREATED cell: the relay's Noise NK reply.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CreatedBody {
    /// The Noise NK message `<- e, ee`.
    pub handshake: [u8; CREATED_HANDSHAKE_LEN],
}

impl CreatedBody {
    /// Decodes a CREATED body.
    pub fn decode(body: &CellBody) -> Result<Self, CellError> {
        let mut reader = Reader::new(body);
        let handshake = *reader.array()?;
        reject_padding(&reader)?;
        Ok(CreatedBody { handshake })
    }

    /// Encodes a CREATED body.
    ///
    /// ```
    /// use onion_core::CreatedBody;
    /// let body = CreatedBody { handshake: [3; 48] };
    /// assert_eq!(CreatedBody::decode(&body.encode())?, body);
    /// # Ok::<(), onion_core::CellError>(())
    /// ```
    pub fn encode(&self) -> CellBody {
        let mut body = [0; CELL_BODY_LEN];
        Writer::new(&mut body).put(&self.handshake);
        body
    }
}

/// The body of a DESTROY cell.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DestroyBody {
    /// Why the circuit is going away.
    pub reason: DestroyReason,
}

impl DestroyBody {
    /// Decodes a DESTROY body. Unknown reasons are kept.
    pub fn decode(body: &CellBody) -> Result<Self, CellError> {
        let mut reader = Reader::new(body);
        let reason = DestroyReason(reader.u8()?);
        reject_padding(&reader)?;
        Ok(DestroyBody { reason })
    }

    /// Encodes a DESTROY body.
    ///
    /// ```
    /// use onion_core::{DestroyBody, DestroyReason};
    /// let body = DestroyBody { reason: DestroyReason::TIMEOUT };
    /// assert_eq!(DestroyBody::decode(&body.encode())?, body);
    /// # Ok::<(), onion_core::CellError>(())
    /// ```
    pub fn encode(&self) -> CellBody {
        let mut body = [0; CELL_BODY_LEN];
        Writer::new(&mut body).u8(self.reason.0);
        body
    }
}

fn reject_padding(reader: &Reader<'_>) -> Result<(), CellError> {
    match reader.first_nonzero_rest() {
        Some(offset) => Err(CellError::NonZeroPadding { offset }),
        None => Ok(()),
    }
}
