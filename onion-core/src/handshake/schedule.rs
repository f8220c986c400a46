//! The key schedule: from a finished Noise handshake to the hop's layer keys.

use zeroize::Zeroizing;

use crate::crypto::{HOP_SEED_LEN, HopKeys};

/// The BLAKE3 key-derivation context of the hop seed. Changing it changes
/// every handshake vector in `testdata/`.
const SEED_CONTEXT: &str = "onionswarm 2026-12 onion-core hop seed v1";

/// Length of each of the two keys of Noise's `Split()`.
const SPLIT_KEY_LEN: usize = 32;
/// Length of the BLAKE2s handshake hash.
const HASH_LEN: usize = 32;

/// Derives the hop's keys from a finished handshake:
/// `seed = BLAKE3-derive-key(SEED_CONTEXT, k1 || k2 || h)`, where `k1, k2`
/// come from Noise's `Split()` (they depend on every DH output) and `h` is
/// the handshake hash (it binds the whole transcript, prologue and onion key).
pub(super) fn hop_keys(noise: &mut snow::HandshakeState) -> HopKeys {
    let (k1, k2) = noise.dangerously_get_raw_split();
    let (k1, k2) = (Zeroizing::new(k1), Zeroizing::new(k2));
    let mut material = Zeroizing::new([0; 2 * SPLIT_KEY_LEN + HASH_LEN]);
    let (first, rest) = material.split_at_mut(SPLIT_KEY_LEN);
    let (second, hash) = rest.split_at_mut(SPLIT_KEY_LEN);
    first.copy_from_slice(&k1[..]);
    second.copy_from_slice(&k2[..]);
    hash.copy_from_slice(noise.get_handshake_hash());
    let seed: Zeroizing<[u8; HOP_SEED_LEN]> =
        Zeroizing::new(blake3::derive_key(SEED_CONTEXT, &material[..]));
    HopKeys::derive(&seed)
}
