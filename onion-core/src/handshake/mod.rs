//! The per-hop handshake: Noise `NK` with snow, from a CREATE to the
//! [`HopKeys`] of the new hop.
//!
//! The client knows the relay's [`OnionKey`](crate::OnionKey) from its
//! descriptor, so one round trip authenticates the relay and gives both sides
//! keys that depend on two fresh ephemeral keys (forward secrecy):
//!
//! ```text
//! client                                   relay (OnionKeyring)
//! ClientHandshake::start ── CREATE  -> e, es ──▶ accept_create
//!                                                 (replay filter, respond)
//! ClientHandshake::finish ◀── CREATED <- e, ee ──  HopKeys
//! HopKeys
//! ```
//!
//! ```
//! use onion_core::handshake::{ClientHandshake, OnionKeyring, OnionSecret};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let mut relay = OnionKeyring::new(OnionSecret::generate(&mut rng));
//! let (client, create) = ClientHandshake::start(&relay.current_key(), &mut rng)?;
//! let (created, relay_keys) = relay.accept_create(&create, &mut rng)?;
//! let client_keys = client.finish(&created)?;
//! assert_eq!(client_keys.fingerprint(), relay_keys.fingerprint());
//! // The same CREATE again is a replay.
//! assert!(relay.accept_create(&create, &mut rng).is_err());
//! # Ok::<(), onion_core::HandshakeError>(())
//! ```
//!
//! The key schedule and the replay filter are described in `PROTOCOL.md`.
//!
//! [`HopKeys`]: crate::crypto::HopKeys

mod client;
mod keyring;
mod onion_secret;
mod relay;
mod replay;
mod resolver;
mod schedule;

use std::sync::LazyLock;

use rand_core::CryptoRng;
use snow::params::NoiseParams;
use zeroize::Zeroizing;

use crate::error::{HandshakeError, NoiseError};
use crate::identity::KEY_LEN;

pub use client::ClientHandshake;
pub use keyring::{DEFAULT_REPLAY_CAPACITY, OnionKeyring};
pub use onion_secret::OnionSecret;

/// The Noise protocol every hop handshake runs.
pub const NOISE_PROTOCOL: &str = "Noise_NK_25519_ChaChaPoly_BLAKE2s";

/// The Noise prologue: binds every handshake to this protocol and version.
pub const PROLOGUE: &[u8] = b"onionswarm onion-core hop handshake v1";

static PARAMS: LazyLock<NoiseParams> = LazyLock::new(|| {
    NOISE_PROTOCOL
        .parse()
        .expect("NOISE_PROTOCOL is a valid Noise protocol name")
});

/// A snow builder for one handshake, its ephemeral secret drawn from `rng`.
fn builder<'a>(rng: &mut impl CryptoRng) -> Result<snow::Builder<'a>, HandshakeError> {
    let mut ephemeral = Zeroizing::new([0; KEY_LEN]);
    rng.fill_bytes(&mut ephemeral[..]);
    let resolver = Box::new(resolver::Resolver::new(ephemeral));
    snow::Builder::with_resolver(PARAMS.clone(), resolver)
        .prologue(PROLOGUE)
        .map_err(noise_error)
}

/// Maps snow's errors to ours, keeping snow out of the public API.
fn noise_error(error: snow::Error) -> HandshakeError {
    match error {
        snow::Error::Decrypt => HandshakeError::Unauthenticated,
        snow::Error::Dh => HandshakeError::WeakKey,
        other => HandshakeError::Noise(NoiseError(other)),
    }
}
