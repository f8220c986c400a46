//! Fixed-length byte strings carried in signalling JSON as lowercase hex.
//!
//! One encoding per value: exactly `2 * N` lowercase hex digits, checked
//! before anything is decoded.

use core::fmt;

use data_encoding::HEXLOWER;
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;

/// Writes `bytes` as lowercase hex.
pub(crate) fn serialize<S: Serializer, const N: usize>(
    bytes: &[u8; N],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&HEXLOWER.encode(bytes))
}

/// Reads exactly `N` bytes written as `2 * N` lowercase hex digits.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
    deserializer: D,
) -> Result<[u8; N], D::Error> {
    deserializer.deserialize_str(HexVisitor::<N>)
}

struct HexVisitor<const N: usize>;

impl<const N: usize> Visitor<'_> for HexVisitor<N> {
    type Value = [u8; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} lowercase hex digits", 2 * N)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<[u8; N], E> {
        if text.len() != 2 * N {
            return Err(E::invalid_length(text.len(), &self));
        }
        let mut bytes = [0; N];
        HEXLOWER
            .decode_mut(text.as_bytes(), &mut bytes)
            .map_err(|_| E::invalid_value(de::Unexpected::Other("non-hex text"), &self))?;
        Ok(bytes)
    }
}
