//! The relay's side of one hop handshake, given the onion secret the CREATE
//! was addressed to.

use rand_core::CryptoRng;

use super::{OnionSecret, builder, noise_error, schedule};
use crate::cell::{CREATE_HANDSHAKE_LEN, CREATED_HANDSHAKE_LEN, CreatedBody};
use crate::crypto::HopKeys;
use crate::error::HandshakeError;

/// Answers the Noise `NK` first message `create` with `secret`: returns the
/// CREATED body and the hop's keys.
pub(super) fn respond(
    secret: &OnionSecret,
    create: &[u8; CREATE_HANDSHAKE_LEN],
    rng: &mut impl CryptoRng,
) -> Result<(CreatedBody, HopKeys), HandshakeError> {
    let mut noise = builder(rng)?
        .local_private_key(secret.as_bytes())
        .and_then(snow::Builder::build_responder)
        .map_err(noise_error)?;
    noise.read_message(create, &mut []).map_err(noise_error)?;
    let mut handshake = [0; CREATED_HANDSHAKE_LEN];
    noise
        .write_message(&[], &mut handshake)
        .map_err(noise_error)?;
    Ok((CreatedBody { handshake }, schedule::hop_keys(&mut noise)))
}
