//! Length-bounded fields of signalling messages, checked while parsing.

use core::fmt;

use data_encoding::BASE64URL_NOPAD;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Longest SDP offer or answer accepted, in bytes.
pub const MAX_SDP_LEN: usize = 16 * 1024;
/// Longest ICE candidate line accepted, in bytes.
pub const MAX_CANDIDATE_LEN: usize = 1024;
/// Longest media-stream id (`sdpMid`) accepted, in bytes.
pub const MAX_SDP_MID_LEN: usize = 64;
/// Longest relay descriptor accepted, in bytes (before base64).
pub const MAX_DESCRIPTOR_LEN: usize = 8 * 1024;

/// A string of at most `MAX` bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BoundedString<const MAX: usize>(String);

impl<const MAX: usize> BoundedString<MAX> {
    /// Takes `text` if it is at most `MAX` bytes long; gives it back if not.
    pub fn new(text: String) -> Result<Self, String> {
        if text.len() <= MAX {
            Ok(BoundedString(text))
        } else {
            Err(text)
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Contents stay out of logs: `Debug` shows only the length.
impl<const MAX: usize> fmt::Debug for BoundedString<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl<const MAX: usize> Serialize for BoundedString<MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for BoundedString<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_string(StringVisitor::<MAX>)
    }
}

struct StringVisitor<const MAX: usize>;

impl<const MAX: usize> Visitor<'_> for StringVisitor<MAX> {
    type Value = BoundedString<MAX>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string of at most {MAX} bytes")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if text.len() > MAX {
            return Err(E::invalid_length(text.len(), &self));
        }
        Ok(BoundedString(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        BoundedString::new(text).map_err(|text| E::invalid_length(text.len(), &self))
    }
}

/// An SDP offer or answer.
pub type Sdp = BoundedString<MAX_SDP_LEN>;

/// A relay descriptor as opaque bytes (the directory format is onion-core's),
/// carried as unpadded base64url.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Descriptor(Vec<u8>);

impl Descriptor {
    /// Takes `bytes` if they are at most [`MAX_DESCRIPTOR_LEN`] long; gives
    /// them back if not.
    pub fn new(bytes: Vec<u8>) -> Result<Self, Vec<u8>> {
        if bytes.len() <= MAX_DESCRIPTOR_LEN {
            Ok(Descriptor(bytes))
        } else {
            Err(bytes)
        }
    }

    /// The descriptor's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Contents stay out of logs: `Debug` shows only the length.
impl fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Descriptor(<{} bytes>)", self.0.len())
    }
}

impl Serialize for Descriptor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64URL_NOPAD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Descriptor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(DescriptorVisitor)
    }
}

struct DescriptorVisitor;

impl Visitor<'_> for DescriptorVisitor {
    type Value = Descriptor;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unpadded base64url of at most {MAX_DESCRIPTOR_LEN} bytes"
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Descriptor, E> {
        let decoded_len = BASE64URL_NOPAD
            .decode_len(text.len())
            .map_err(|_| E::invalid_length(text.len(), &self))?;
        if decoded_len > MAX_DESCRIPTOR_LEN {
            return Err(E::invalid_length(decoded_len, &self));
        }
        BASE64URL_NOPAD
            .decode(text.as_bytes())
            .map(Descriptor)
            .map_err(|_| E::invalid_value(de::Unexpected::Other("non-base64url text"), &self))
    }
}
