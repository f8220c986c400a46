//! [`PeerId`]: the Ed25519 identity public key that names a mesh node.

use core::fmt;

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::SignalError;

/// Length in bytes of a [`PeerId`].
pub const PEER_ID_LEN: usize = 32;

/// A mesh node's identity: its 32-byte Ed25519 public key.
///
/// A `PeerId` is only the key's 32 bytes: parsing one checks its format
/// and nothing else, because ids are parsed on every signalling message
/// and decompressing the curve point is most of the cost. Whether the
/// bytes are a usable key is checked where they are used as one, in
/// [`verifying_key`](PeerId::verifying_key); registration goes through it,
/// so every registered id is a valid key. `Debug` prints a short one-way
/// fingerprint, never the key.
///
/// ```
/// use ed25519_dalek::SigningKey;
/// use rtc_mesh::PeerId;
///
/// let key = SigningKey::from_bytes(&[7; 32]);
/// let id = PeerId::from_verifying_key(&key.verifying_key());
/// assert_eq!(PeerId::from_bytes(*id.as_bytes()), id);
/// assert_eq!(id.verifying_key()?, key.verifying_key());
/// assert!(format!("{id:?}").starts_with("PeerId(fp:"));
///
/// // Any 32 bytes name a peer, but not every peer id is a key.
/// let small_order = PeerId::from_bytes([0; 32]);
/// assert!(small_order.verifying_key().is_err());
/// # Ok::<(), rtc_mesh::SignalError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId([u8; PEER_ID_LEN]);

impl PeerId {
    /// The peer id written as `bytes`, unchecked: see
    /// [`verifying_key`](PeerId::verifying_key).
    pub const fn from_bytes(bytes: [u8; PEER_ID_LEN]) -> Self {
        PeerId(bytes)
    }

    /// The peer id of an identity key.
    pub fn from_verifying_key(key: &VerifyingKey) -> Self {
        PeerId(key.to_bytes())
    }

    /// The raw 32 bytes of the key.
    pub const fn as_bytes(&self) -> &[u8; PEER_ID_LEN] {
        &self.0
    }

    /// The identity key, for checking signatures: the bytes must decompress
    /// to a curve point of large order, or the id names no usable key.
    pub fn verifying_key(&self) -> Result<VerifyingKey, SignalError> {
        match VerifyingKey::from_bytes(&self.0) {
            Ok(key) if !key.is_weak() => Ok(key),
            _ => Err(SignalError::InvalidPeerId),
        }
    }

    /// A short one-way fingerprint, safe to log and stable across runs.
    pub fn fingerprint(&self) -> [u8; 4] {
        let digest = blake3::Hasher::new_derive_key("onionswarm rtc-mesh peer id fingerprint v1")
            .update(&self.0)
            .finalize();
        let mut short = [0; 4];
        short.copy_from_slice(&digest.as_bytes()[..4]);
        short
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PeerId(fp:")?;
        for byte in self.fingerprint() {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

impl Serialize for PeerId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::hex::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for PeerId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::hex::deserialize(deserializer).map(PeerId)
    }
}
