//! The client's side of one circuit's layer crypto: a layer pair per hop.

use crate::cell::CellBody;
use crate::crypto::HopKeys;
use crate::crypto::layer::Layer;
use crate::error::CryptoError;

/// The most hops a circuit may have.
pub const MAX_HOPS: usize = 8;

/// A client's layer state for one circuit: hop 0 is the first relay.
///
/// See [`RelayCrypto`](crate::crypto::RelayCrypto) for an example.
#[derive(Default)]
pub struct ClientCrypto {
    forward: Vec<Layer>,
    backward: Vec<Layer>,
}

impl ClientCrypto {
    /// A circuit with no hops yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many hops the circuit has.
    pub fn hops(&self) -> usize {
        self.forward.len()
    }

    /// Adds the next hop, once its handshake gave `keys`.
    ///
    /// # Errors
    /// [`CryptoError::TooManyHops`] past [`MAX_HOPS`].
    pub fn add_hop(&mut self, keys: &HopKeys) -> Result<(), CryptoError> {
        if self.forward.len() >= MAX_HOPS {
            return Err(CryptoError::TooManyHops { max: MAX_HOPS });
        }
        self.forward.push(Layer::new(&keys.forward));
        self.backward.push(Layer::new(&keys.backward));
        Ok(())
    }

    /// Encrypts a cell for hop `hop` (0-based): `body`'s message area holds
    /// the relay message; its tag block is overwritten. Each hop up to
    /// `hop` removes one layer.
    ///
    /// # Errors
    /// [`CryptoError::NoSuchHop`] when the circuit is shorter.
    pub fn originate(&mut self, hop: usize, body: &mut CellBody) -> Result<(), CryptoError> {
        let hops = self.forward.len();
        let layers = self
            .forward
            .get_mut(..=hop)
            .ok_or(CryptoError::NoSuchHop { hop, hops })?;
        if let Some(target) = layers.last() {
            let chain = *target.chain();
            body[..chain.len()].copy_from_slice(&chain);
        }
        for layer in layers.iter_mut().rev() {
            let _ = layer.client_op(body);
        }
        Ok(())
    }

    /// Removes layers from a cell that came back along the circuit until
    /// one hop's layer recognises it, and returns that hop (0-based). The
    /// message area is then plaintext.
    ///
    /// # Errors
    /// [`CryptoError::Unrecognised`] when no hop's layer recognises the
    /// cell: it was modified, replayed or reordered, and the circuit must
    /// be torn down.
    pub fn peel(&mut self, body: &mut CellBody) -> Result<usize, CryptoError> {
        for (hop, layer) in self.backward.iter_mut().enumerate() {
            if layer.client_op(body) {
                return Ok(hop);
            }
        }
        Err(CryptoError::Unrecognised)
    }
}

impl core::fmt::Debug for ClientCrypto {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientCrypto")
            .field("hops", &self.hops())
            .finish_non_exhaustive()
    }
}
