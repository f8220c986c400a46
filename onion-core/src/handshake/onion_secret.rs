//! A relay's onion secret: the private half of its [`OnionKey`].

use rand_core::CryptoRng;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::ZeroizeOnDrop;

use crate::identity::{KEY_LEN, OnionKey};

/// The X25519 static secret of a relay's onion key, wiped on drop.
///
/// ```
/// use onion_core::handshake::OnionSecret;
/// let secret = OnionSecret::from_bytes([5; 32]);
/// assert_eq!(secret.public(), OnionSecret::from_bytes([5; 32]).public());
/// // Debug shows only the public key's fingerprint.
/// assert!(format!("{secret:?}").contains("OnionKey(fp:"));
/// ```
pub struct OnionSecret {
    secret: StaticSecret,
    public: OnionKey,
}

impl OnionSecret {
    /// Draws a new onion secret from `rng`.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self::from_secret(StaticSecret::random_from_rng(rng))
    }

    /// The secret with these 32 bytes, as stored by the relay.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self::from_secret(StaticSecret::from(bytes))
    }

    fn from_secret(secret: StaticSecret) -> Self {
        let public = OnionKey::from_bytes(PublicKey::from(&secret).to_bytes());
        OnionSecret { secret, public }
    }

    /// The onion key clients address their handshakes to.
    pub fn public(&self) -> OnionKey {
        self.public
    }

    /// The raw secret, for snow's key setter.
    pub(super) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        self.secret.as_bytes()
    }
}

// The only secret field is a `StaticSecret`, which wipes itself on drop.
impl ZeroizeOnDrop for OnionSecret {}

impl core::fmt::Debug for OnionSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OnionSecret")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}
