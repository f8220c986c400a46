//! Every error this crate returns.
//!
//! Each layer has its own enum with structured fields; [`Error`] gathers them
//! for callers that do not care which layer failed. Byte offsets count from
//! the start of the input handed to the decoder. Errors from dependencies are
//! wrapped so that their types never leak into this API.

use thiserror::Error;

/// Any error of this crate.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed or over-budget bencode.
    #[error(transparent)]
    Bencode(#[from] BencodeError),
    /// An invalid `.torrent` file or info dictionary.
    #[error(transparent)]
    Metainfo(#[from] MetainfoError),
    /// An invalid magnet link.
    #[error(transparent)]
    Magnet(#[from] MagnetError),
    /// A tracker request or response that cannot be read, or a tracker's
    /// refusal.
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    /// A malformed peer-wire frame or handshake.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A malformed BEP 10 extension message.
    #[error(transparent)]
    Extension(#[from] ExtensionError),
    /// A peer or the swarm engine broke a rule of the session.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// Storage refused a read or write.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a bencoded input was rejected.
///
/// Only [`BencodeError::UnexpectedEnd`] means the input may be a prefix of a
/// valid document; every other variant means it can never become valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BencodeError {
    /// The input ended before the value was complete.
    #[error("bencode ends early at byte {offset}")]
    UnexpectedEnd {
        /// Where more input was expected.
        offset: usize,
    },
    /// The input is longer than the budget allows.
    #[error("bencode input is {len} bytes, over the budget of {max}")]
    TooLong {
        /// Length of the input.
        len: usize,
        /// The budget.
        max: usize,
    },
    /// The input holds more values than the budget allows.
    #[error("bencode holds more than {max} values")]
    TooManyElements {
        /// The budget.
        max: usize,
    },
    /// Lists and dictionaries nest deeper than allowed.
    #[error("bencode nests deeper than {max} at byte {offset}")]
    TooDeep {
        /// Where the limit was crossed.
        offset: usize,
        /// The limit.
        max: usize,
    },
    /// A byte that cannot start a value here.
    #[error("unexpected byte {byte:#04x} at byte {offset}")]
    InvalidByte {
        /// Where the byte is.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// An integer with a `+` sign, a leading zero, `-0`, or no digits.
    #[error("non-canonical integer at byte {offset}")]
    NonCanonicalInteger {
        /// Where the integer starts.
        offset: usize,
    },
    /// An integer outside `i64`.
    #[error("integer out of range at byte {offset}")]
    IntegerOverflow {
        /// Where the integer starts.
        offset: usize,
    },
    /// A string length with a leading zero, or no digits.
    #[error("non-canonical string length at byte {offset}")]
    NonCanonicalLength {
        /// Where the length starts.
        offset: usize,
    },
    /// A string length that does not fit in 63 bits.
    #[error("string length out of range at byte {offset}")]
    LengthOverflow {
        /// Where the length starts.
        offset: usize,
    },
    /// A string whose declared length runs past the end of the input.
    #[error("string at byte {offset} declares {declared} bytes, past the end of the input")]
    StringPastEnd {
        /// Where the string's length starts.
        offset: usize,
        /// The declared length.
        declared: u64,
    },
    /// A dictionary key that is not a byte string.
    #[error("dictionary key at byte {offset} is not a string")]
    NonStringKey {
        /// Where the key starts.
        offset: usize,
    },
    /// A dictionary key that is not greater than the one before it.
    #[error("dictionary key at byte {offset} is out of order")]
    UnsortedKey {
        /// Where the key starts.
        offset: usize,
    },
    /// A dictionary key equal to the one before it.
    #[error("duplicate dictionary key at byte {offset}")]
    DuplicateKey {
        /// Where the key starts.
        offset: usize,
    },
    /// A key with no value before the dictionary's end.
    #[error("dictionary key without a value at byte {offset}")]
    MissingValue {
        /// Where the value was expected.
        offset: usize,
    },
    /// Bytes after the end of the top-level value.
    #[error("trailing data after the value, at byte {offset}")]
    TrailingData {
        /// Where the trailing data starts.
        offset: usize,
    },
    /// `bip_bencode` refused input that the strict scan accepted.
    #[error("bencode decoder refused the input: {reason}")]
    Decoder {
        /// The decoder's own message (its error type is not `Sync`).
        reason: String,
    },
}

/// A field of a bencoded structure that is missing or of the wrong shape.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("field `{key}`: {problem}")]
pub struct FieldError {
    /// The key, as this crate names it.
    pub key: &'static str,
    /// What is wrong with it.
    pub problem: FieldProblem,
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// The field is required and absent.
    #[error("missing")]
    Missing,
    /// The field has another bencode type.
    #[error("expected {expected}")]
    WrongType {
        /// The type that was expected.
        expected: &'static str,
    },
    /// The field is of the right type, but its value is out of range.
    #[error("value out of range")]
    OutOfRange,
    /// A text field that is not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
}

impl FieldError {
    pub(crate) const fn new(key: &'static str, problem: FieldProblem) -> Self {
        Self { key, problem }
    }
}

/// Why a `.torrent` file or an info dictionary was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MetainfoError {
    /// The input is not canonical bencode within [`crate::bencode::Limits::METAINFO`].
    #[error("metainfo is not valid bencode: {0}")]
    Bencode(#[from] BencodeError),
    /// A field is missing or has the wrong type or range.
    #[error("metainfo {0}")]
    Field(#[from] FieldError),
    /// The top-level value is not a dictionary.
    #[error("metainfo is not a dictionary")]
    NotADictionary,
    /// `piece length` is not a power of two within the accepted range.
    #[error("piece length {value} is not a power of two from {min} to {max}")]
    PieceLength {
        /// The declared piece length.
        value: i64,
        /// The smallest accepted piece length.
        min: u32,
        /// The largest accepted piece length.
        max: u32,
    },
    /// `pieces` is not a whole number of 20-byte SHA-1 hashes.
    #[error("`pieces` is {len} bytes, not a multiple of 20")]
    PiecesNotHashes {
        /// Length of the `pieces` string.
        len: usize,
    },
    /// The number of piece hashes does not match the total length.
    #[error("{actual} piece hashes for content that needs {expected}")]
    PieceCount {
        /// Pieces the total length needs.
        expected: u64,
        /// Hashes present.
        actual: usize,
    },
    /// Both `length` and `files`, or neither, are present.
    #[error("info must have exactly one of `length` and `files`")]
    AmbiguousLayout,
    /// A multi-file torrent whose `files` list is empty.
    #[error("`files` is empty")]
    NoFiles,
    /// The content is empty.
    #[error("the torrent has no content (total length 0)")]
    Empty,
    /// The file lengths add up to more than `u64` holds.
    #[error("file lengths overflow")]
    LengthOverflow,
    /// The torrent's `name` is not a safe single path component.
    #[error("name: {0}")]
    Name(PathProblem),
    /// A file path of a multi-file torrent is unsafe or malformed.
    #[error("file {file}: {problem}")]
    Path {
        /// Index in `files`.
        file: usize,
        /// What is wrong with it.
        problem: PathProblem,
    },
    /// Two files of a multi-file torrent have the same path, or one's path
    /// is a directory of the other's.
    #[error("file {file} collides with file {other}")]
    PathCollision {
        /// Index of the later file.
        file: usize,
        /// Index of the earlier file.
        other: usize,
    },
    /// The info dictionary does not hash to the expected info-hash.
    #[error("info dictionary hashes to {actual}, expected {expected}")]
    InfoHashMismatch {
        /// The expected info-hash, hex.
        expected: String,
        /// The info dictionary's hash, hex.
        actual: String,
    },
}

/// Why a torrent could not be created from files on disk.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CreateError {
    /// Reading the file system failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file or directory being read.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A symbolic link, socket, device or other non-regular file.
    #[error("{} is not a regular file or directory", path.display())]
    NotARegularFile {
        /// The entry.
        path: std::path::PathBuf,
    },
    /// A file or directory name that is not UTF-8.
    #[error("the name of {} is not UTF-8", path.display())]
    NotUtf8 {
        /// The entry.
        path: std::path::PathBuf,
    },
    /// A file's length changed while it was being hashed.
    #[error("{} changed while it was being hashed", path.display())]
    Changed {
        /// The file.
        path: std::path::PathBuf,
    },
    /// The files make no valid torrent (empty content, unsafe names, …).
    #[error(transparent)]
    Metainfo(#[from] MetainfoError),
}

/// What is wrong with a path component or a file path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PathProblem {
    /// A path with no components.
    #[error("the path has no components")]
    NoComponents,
    /// An empty component.
    #[error("component {index} is empty")]
    EmptyComponent {
        /// Position of the component in the path.
        index: usize,
    },
    /// A `.` or `..` component.
    #[error("component {index} is `.` or `..`")]
    DotComponent {
        /// Position of the component in the path.
        index: usize,
    },
    /// A component containing `/`, `\` or NUL, which would change the
    /// path's meaning on some platform (absolute paths included).
    #[error("component {index} contains a path separator or NUL")]
    Separator {
        /// Position of the component in the path.
        index: usize,
    },
    /// A component that is not UTF-8.
    #[error("component {index} is not UTF-8")]
    NotUtf8 {
        /// Position of the component in the path.
        index: usize,
    },
}

/// Why a magnet link was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MagnetError {
    /// The link is longer than [`crate::magnet::MAX_MAGNET_LEN`].
    #[error("magnet link is {len} bytes, over the limit of {max}")]
    TooLong {
        /// Length of the link.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text does not start with `magnet:?`.
    #[error("not a magnet link (expected `magnet:?`)")]
    NotMagnet,
    /// A parameter's percent-encoding is broken or its value is not UTF-8.
    #[error("parameter `{key}` is not percent-encoded UTF-8")]
    Encoding {
        /// The parameter, as far as it could be read.
        key: String,
    },
    /// No `xt=urn:btih:` parameter.
    #[error("no `xt=urn:btih:` info-hash")]
    MissingInfoHash,
    /// More than one BitTorrent v1 info-hash.
    #[error("more than one `xt=urn:btih:` info-hash")]
    DuplicateInfoHash,
    /// A `btih` that is neither 40 hex nor 32 base32 characters.
    #[error("`btih` is neither 40 hex nor 32 base32 characters")]
    InvalidInfoHash,
    /// A parameter that may appear once appears again.
    #[error("parameter `{key}` appears more than once")]
    DuplicateParameter {
        /// The parameter.
        key: &'static str,
    },
    /// `xl` is not a decimal byte count.
    #[error("`xl` is not a decimal length")]
    InvalidLength,
    /// An `x.pe` value that is not `host:port`, `ipv4:port` or `[ipv6]:port`.
    #[error("`x.pe` value {index} is not a peer address")]
    InvalidPeer {
        /// Position among the link's `x.pe` values.
        index: usize,
    },
}

/// Why a tracker request or response was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TrackerError {
    /// The tracker answered with `failure reason` (HTTP, WebSocket) or an
    /// error packet (UDP).
    #[error("tracker refused: {reason}")]
    Failure {
        /// The tracker's message.
        reason: String,
    },
    /// An HTTP response body that is not canonical bencode.
    #[error("tracker response is not valid bencode: {0}")]
    Bencode(#[from] BencodeError),
    /// A field is missing or has the wrong type or range.
    #[error("tracker response {0}")]
    Field(#[from] FieldError),
    /// A bencoded response whose top level is not a dictionary.
    #[error("tracker response is not a dictionary")]
    NotADictionary,
    /// Compact peers whose length is not a multiple of the entry size.
    #[error("compact `{key}` is {len} bytes, not a multiple of {entry}")]
    CompactPeers {
        /// `peers` or `peers6`.
        key: &'static str,
        /// Length of the string.
        len: usize,
        /// Bytes per peer: 6 for IPv4, 18 for IPv6.
        entry: usize,
    },
    /// A dictionary-model peer whose `ip` is not an IP address.
    #[error("peer {index} has no valid `ip` and `port`")]
    InvalidPeer {
        /// Position in the peer list.
        index: usize,
    },
    /// A parameter of an announce or scrape query that is missing, repeated
    /// or malformed.
    #[error("query parameter `{key}` is missing, repeated or malformed")]
    Query {
        /// The parameter.
        key: &'static str,
    },
    /// More info-hashes than one request may carry.
    #[error("{count} info-hashes, over the limit of {max}")]
    TooManyInfoHashes {
        /// Info-hashes given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A UDP packet shorter than its action needs.
    #[error("UDP tracker packet is {len} bytes, {action} needs {min}")]
    UdpTooShort {
        /// The packet's action.
        action: &'static str,
        /// Length of the packet.
        len: usize,
        /// Bytes the action needs at least.
        min: usize,
    },
    /// A UDP packet whose length does not fit its action's layout.
    #[error("UDP tracker {action} packet has {len} bytes, not a whole number of entries")]
    UdpLength {
        /// The packet's action.
        action: &'static str,
        /// Length of the packet.
        len: usize,
    },
    /// A UDP connect request without BEP 15's protocol id.
    #[error("UDP connect request without the protocol id")]
    UdpProtocolId,
    /// An action number or name this crate does not know.
    #[error("unknown tracker action {action}")]
    UnknownAction {
        /// The action, as received.
        action: String,
    },
    /// A WebSocket tracker message that is not the JSON WebTorrent speaks.
    #[error("WebSocket tracker message: {reason}")]
    Json {
        /// What is wrong.
        reason: String,
    },
    /// A text that must be UTF-8 and is not.
    #[error("`{key}` is not UTF-8")]
    NotUtf8 {
        /// The field.
        key: &'static str,
    },
}

/// Why the peer-wire codec refused a frame or a handshake.
///
/// The decoders return `Ok(None)` while input is merely incomplete, so every
/// variant here means the stream can never become valid: drop the peer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WireError {
    /// A handshake that does not start with `\x13BitTorrent protocol`.
    #[error("handshake is not BitTorrent protocol (length byte {pstr_len})")]
    Protocol {
        /// The protocol-string length byte received.
        pstr_len: u8,
    },
    /// A length prefix over the codec's maximum, refused before allocating.
    #[error("message of {len} bytes, over the limit of {max}")]
    TooLong {
        /// The declared length.
        len: u32,
        /// The codec's maximum.
        max: u32,
    },
    /// A message whose payload length its id does not allow.
    #[error("{message} message with a payload of {len} bytes")]
    PayloadLength {
        /// The message's name.
        message: &'static str,
        /// The payload length received.
        len: u32,
    },
}

/// Why a BEP 10 extension message (extended handshake, ut_metadata,
/// ut_pex) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ExtensionError {
    /// The payload is not canonical bencode within
    /// [`crate::bencode::Limits::MESSAGE`].
    #[error("extension message is not valid bencode: {0}")]
    Bencode(#[from] BencodeError),
    /// A field is missing or has the wrong type or range.
    #[error("extension message {0}")]
    Field(#[from] FieldError),
    /// The bencoded part is not a dictionary.
    #[error("extension message is not a dictionary")]
    NotADictionary,
    /// A ut_metadata `msg_type` this crate does not know (BEP 9 says to
    /// ignore the message).
    #[error("unknown ut_metadata msg_type {msg_type}")]
    UnknownMetadataType {
        /// The type received.
        msg_type: i64,
    },
    /// A ut_metadata `total_size` of zero or over the cap.
    #[error("metadata of {size} bytes, not within 1..={max}")]
    MetadataSize {
        /// The announced size.
        size: u64,
        /// The cap.
        max: u32,
    },
    /// A ut_metadata piece index past the metadata's end, or a data
    /// message whose length does not match its piece.
    #[error("ut_metadata piece {piece} with {len} bytes does not fit the metadata")]
    MetadataPiece {
        /// The piece index.
        piece: u32,
        /// Bytes of data carried.
        len: usize,
    },
    /// Compact peers whose length is not a multiple of the entry size, or
    /// flags whose count differs from the peers'.
    #[error("ut_pex `{key}` is {len} bytes, which does not fit its peers")]
    PexLength {
        /// The key.
        key: &'static str,
        /// Its length.
        len: usize,
    },
    /// An IP address field that is neither 4 nor 16 bytes.
    #[error("`{key}` is {len} bytes, not an IPv4 or IPv6 address")]
    Address {
        /// The key.
        key: &'static str,
        /// Its length.
        len: usize,
    },
}

/// Why a storage operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A byte range outside the torrent's content.
    #[error("bytes {offset}..{offset}+{len} are outside the content of {total} bytes")]
    OutOfRange {
        /// First byte.
        offset: u64,
        /// Number of bytes.
        len: usize,
        /// Length of the content.
        total: u64,
    },
    /// A symbolic link where a file or directory of the torrent goes, which
    /// could redirect writes outside the download directory.
    #[error("{} is a symbolic link", path.display())]
    Symlink {
        /// The link.
        path: std::path::PathBuf,
    },
    /// The content does not fit in memory.
    #[error("{total} bytes do not fit in memory")]
    TooLarge {
        /// Length of the content.
        total: u64,
    },
}

/// Why a peer session or the swarm engine refused input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A bitfield that does not have one bit per piece, rounded up to bytes.
    #[error("bitfield of {len} bytes, expected {expected}")]
    BitfieldLength {
        /// Bytes a bitfield of the torrent has.
        expected: usize,
        /// Bytes received.
        len: usize,
    },
    /// A bitfield with bits set past the last piece.
    #[error("bitfield has bits set past the last piece")]
    BitfieldSpareBits,
    /// A piece index past the last piece.
    #[error("piece {index} does not exist")]
    PieceIndex {
        /// The index received.
        index: u32,
    },
    /// The peer's handshake is for another torrent.
    #[error("handshake for another torrent")]
    InfoHashMismatch,
    /// The peer is ourselves, or a peer id already connected.
    #[error("peer id already connected (or our own)")]
    DuplicatePeer,
    /// The peer's id was banned for sending bad data.
    #[error("peer is banned")]
    Banned,
    /// The peer sent nothing for longer than the idle timeout.
    #[error("peer idle for too long")]
    Idle,
    /// A message that only makes sense right after the handshake, sent
    /// later, or a message the peer did not negotiate.
    #[error("{message} out of place")]
    OutOfPlace {
        /// The message's name.
        message: &'static str,
    },
    /// Metadata fetched over ut_metadata that is not the torrent's.
    #[error("metadata from peers is wrong: {0}")]
    Metadata(MetainfoError),
    /// Storage was attached that the torrent is already downloading into,
    /// or before the metadata arrived.
    #[error("storage attached twice or before the metadata")]
    Storage,
    /// Every connection closed before the download completed.
    #[error("every connection closed before the download completed")]
    NoPeers,
}
