//! Relay-side CREATE processing: no panic on any body, and a CREATE that is
//! accepted is refused as a replay the second time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onion_core::cell::{CELL_BODY_LEN, CellBody};
use onion_core::{CreateBody, HandshakeError, OnionKeyring, OnionSecret};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The relay of `onion-core/testdata/create`, so the corpus reaches past the
/// key lookup.
const RELAY_STATIC: [u8; 32] = [0x22; 32];

fuzz_target!(|data: &[u8]| {
    // Input shorter than a body is padded with zeros, longer is cut.
    let mut body: CellBody = [0; CELL_BODY_LEN];
    let len = data.len().min(CELL_BODY_LEN);
    body[..len].copy_from_slice(&data[..len]);
    let Ok(create) = CreateBody::decode(&body) else {
        return;
    };
    let mut relay = OnionKeyring::new(OnionSecret::from_bytes(RELAY_STATIC));
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    if relay.accept_create(&create, &mut rng).is_ok() {
        let again = relay.accept_create(&create, &mut rng);
        assert!(matches!(again, Err(HandshakeError::Replayed)));
    }
});
