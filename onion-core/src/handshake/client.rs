//! The client's side of a hop handshake.

use rand_core::CryptoRng;

use super::{builder, noise_error, schedule};
use crate::cell::{CREATE_HANDSHAKE_LEN, CreateBody, CreatedBody};
use crate::crypto::HopKeys;
use crate::error::HandshakeError;
use crate::identity::OnionKey;

/// A handshake the client has started and not yet finished: it holds the
/// client's ephemeral secret (wiped on drop) until the CREATED arrives.
pub struct ClientHandshake {
    noise: snow::HandshakeState,
}

impl ClientHandshake {
    /// Starts a handshake with the relay whose onion key is `onion_key`:
    /// returns the state to keep and the CREATE body to send (directly in a
    /// CREATE cell for the first hop, inside an EXTEND for later hops).
    ///
    /// Fails with [`HandshakeError::WeakKey`] if `onion_key` is a low-order
    /// point, which no honest relay publishes.
    pub fn start(
        onion_key: &OnionKey,
        rng: &mut impl CryptoRng,
    ) -> Result<(ClientHandshake, CreateBody), HandshakeError> {
        let mut noise = builder(rng)?
            .remote_public_key(onion_key.as_bytes())
            .and_then(snow::Builder::build_initiator)
            .map_err(noise_error)?;
        let mut handshake = [0; CREATE_HANDSHAKE_LEN];
        noise
            .write_message(&[], &mut handshake)
            .map_err(noise_error)?;
        let create = CreateBody {
            onion_key: *onion_key,
            handshake,
        };
        Ok((ClientHandshake { noise }, create))
    }

    /// Finishes the handshake with the relay's CREATED body and returns the
    /// hop's keys. A reply that was modified, or that comes from anyone
    /// without the onion key's secret, fails with
    /// [`HandshakeError::Unauthenticated`].
    pub fn finish(mut self, created: &CreatedBody) -> Result<HopKeys, HandshakeError> {
        self.noise
            .read_message(&created.handshake, &mut [])
            .map_err(noise_error)?;
        Ok(schedule::hop_keys(&mut self.noise))
    }
}

impl core::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientHandshake").finish_non_exhaustive()
    }
}
