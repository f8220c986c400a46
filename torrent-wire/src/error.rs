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
