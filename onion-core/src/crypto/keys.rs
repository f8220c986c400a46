//! Per-hop key material: one set of layer keys for each direction, derived
//! from the 32-byte seed a hop handshake yields.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of the seed [`HopKeys::derive`] expands.
pub const HOP_SEED_LEN: usize = 32;

/// The BLAKE3 key-derivation context of the layer keys. Changing it changes
/// every key-schedule vector in `testdata/`.
const CONTEXT: &str = "onionswarm 2026-12 onion-core layer keys v1";

/// One direction's raw layer keys, wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct DirectionKeys {
    /// AES-128 key of the tweakable tag cipher.
    pub(crate) tag_key: [u8; 16],
    /// AES-128 key of the counter-mode body cipher.
    pub(crate) stream_key: [u8; 16],
    /// POLYVAL key of the tweak hash.
    pub(crate) hash_key: [u8; 16],
    /// The chain value before the first cell.
    pub(crate) chain: [u8; 16],
}

impl DirectionKeys {
    /// Reads one direction's keys, in field order, from the key XOF.
    fn read_from(reader: &mut blake3::OutputReader) -> Self {
        let mut keys = DirectionKeys {
            tag_key: [0; 16],
            stream_key: [0; 16],
            hash_key: [0; 16],
            chain: [0; 16],
        };
        reader.fill(&mut keys.tag_key);
        reader.fill(&mut keys.stream_key);
        reader.fill(&mut keys.hash_key);
        reader.fill(&mut keys.chain);
        keys
    }
}

/// The layer keys of one hop, both directions, wiped on drop.
///
/// Client and relay derive the same `HopKeys` from the same seed; the
/// client gives them to [`ClientCrypto::add_hop`](crate::crypto::ClientCrypto::add_hop)
/// and the relay to [`RelayCrypto::new`](crate::crypto::RelayCrypto::new).
///
/// ```
/// use onion_core::crypto::HopKeys;
/// let a = HopKeys::derive(&[7; 32]);
/// let b = HopKeys::derive(&[7; 32]);
/// assert_eq!(a.fingerprint(), b.fingerprint());
/// assert_ne!(a.fingerprint(), HopKeys::derive(&[8; 32]).fingerprint());
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct HopKeys {
    pub(crate) forward: DirectionKeys,
    pub(crate) backward: DirectionKeys,
}

impl HopKeys {
    /// Expands a handshake seed into both directions' keys with BLAKE3 in
    /// key-derivation mode (context in `PROTOCOL.md`).
    pub fn derive(seed: &[u8; HOP_SEED_LEN]) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key(CONTEXT);
        hasher.update(seed);
        let mut reader = hasher.finalize_xof();
        let forward = DirectionKeys::read_from(&mut reader);
        let backward = DirectionKeys::read_from(&mut reader);
        HopKeys { forward, backward }
    }

    /// A public 16-byte digest of all the keys, for key-schedule vectors and
    /// for checking that two sides agree without printing keys.
    pub fn fingerprint(&self) -> [u8; 16] {
        let mut hasher = blake3::Hasher::new();
        for part in [&self.forward, &self.backward] {
            hasher.update(&part.tag_key);
            hasher.update(&part.stream_key);
            hasher.update(&part.hash_key);
            hasher.update(&part.chain);
        }
        let mut out = [0u8; 16];
        hasher.finalize_xof().fill(&mut out);
        out
    }
}

impl core::fmt::Debug for HopKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HopKeys").finish_non_exhaustive()
    }
}
