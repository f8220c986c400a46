//! A relay's side of one circuit's layer crypto: one layer, both
//! directions.

use crate::cell::CellBody;
use crate::crypto::HopKeys;
use crate::crypto::layer::Layer;
use crate::error::CryptoError;

/// What a relay does with a forward cell after removing its layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Disposition {
    /// The cell is addressed to this hop: its message area is plaintext.
    ForMe,
    /// The cell is for a later hop: pass the body on unchanged.
    Forward,
}

/// One hop's layer state for one circuit.
///
/// ```
/// use onion_core::crypto::{ClientCrypto, Disposition, HopKeys, RelayCrypto};
/// let keys = HopKeys::derive(&[1; 32]);
/// let mut client = ClientCrypto::new();
/// client.add_hop(&keys)?;
/// let mut relay = RelayCrypto::new(&keys);
///
/// let mut body = [0u8; 512];
/// body[16..21].copy_from_slice(b"hello");
/// client.originate(0, &mut body)?;
/// assert_eq!(relay.forward(&mut body), Disposition::ForMe);
/// assert_eq!(&body[16..21], b"hello");
///
/// relay.originate(&mut body);
/// assert_eq!(client.peel(&mut body)?, 0);
/// # Ok::<(), onion_core::Error>(())
/// ```
pub struct RelayCrypto {
    forward: Layer,
    backward: Layer,
}

impl RelayCrypto {
    /// The layer state a relay keeps after the handshake that gave `keys`.
    pub fn new(keys: &HopKeys) -> Self {
        RelayCrypto {
            forward: Layer::new(&keys.forward),
            backward: Layer::new(&keys.backward),
        }
    }

    /// Removes this hop's layer from a cell travelling away from the
    /// client and says whether it is addressed here.
    ///
    /// A modified, replayed or reordered cell is never [`Disposition::ForMe`];
    /// it leaves as noise, and the last hop rejects it with
    /// [`RelayCrypto::deliver_at_end`].
    pub fn forward(&mut self, body: &mut CellBody) -> Disposition {
        if self.forward.relay_op(body) {
            Disposition::ForMe
        } else {
            Disposition::Forward
        }
    }

    /// [`RelayCrypto::forward`] at the last hop of a circuit, where there
    /// is nobody to forward to.
    ///
    /// # Errors
    /// [`CryptoError::Unrecognised`] when the cell is not addressed here:
    /// it was modified, replayed or reordered on the way, and the caller
    /// must tear the circuit down (its chain state is now out of step).
    pub fn deliver_at_end(&mut self, body: &mut CellBody) -> Result<(), CryptoError> {
        match self.forward(body) {
            Disposition::ForMe => Ok(()),
            Disposition::Forward => Err(CryptoError::Unrecognised),
        }
    }

    /// Adds this hop's layer to a cell travelling towards the client that
    /// a later hop originated.
    pub fn backward(&mut self, body: &mut CellBody) {
        // A backward cell from a later hop is never addressed to this one;
        // the client checks it.
        let _ = self.backward.relay_op(body);
    }

    /// Encrypts a cell this hop sends to the client. `body`'s message area
    /// holds the relay message; its tag block is overwritten.
    pub fn originate(&mut self, body: &mut CellBody) {
        let chain = *self.backward.chain();
        body[..chain.len()].copy_from_slice(&chain);
        let _ = self.backward.relay_op(body);
    }
}

impl core::fmt::Debug for RelayCrypto {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RelayCrypto").finish_non_exhaustive()
    }
}
