//! Registration by challenge–response with the peer's Ed25519 identity key.
//!
//! The server sends a fresh [`Nonce`]; the client signs
//! `DOMAIN || len(realm) || realm || nonce || peer id` with its identity key.
//! The realm names the signalling service the client meant to reach, so a
//! rogue server cannot relay another server's challenge and register as the
//! client there.

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::SignalError;
use crate::peer_id::PeerId;

/// Domain separation for registration signatures.
pub const REGISTER_DOMAIN: &[u8] = b"onionswarm rtc-mesh signal register v1\0";
/// Longest realm name, in bytes.
pub const MAX_REALM_LEN: usize = 255;
/// Length in bytes of a challenge [`Nonce`].
pub const NONCE_LEN: usize = 32;

/// The server's random challenge.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Nonce(pub [u8; NONCE_LEN]);

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nonce(..)")
    }
}

/// An Ed25519 signature over a registration challenge.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RegistrationSignature(pub [u8; Signature::BYTE_SIZE]);

impl fmt::Debug for RegistrationSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RegistrationSignature(..)")
    }
}

macro_rules! hex_serde {
    ($name:ident) => {
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                crate::hex::serialize(&self.0, serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::hex::deserialize(deserializer).map($name)
            }
        }
    };
}
hex_serde!(Nonce);
hex_serde!(RegistrationSignature);

/// The name of a signalling service, bound into every registration signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Realm(String);

impl Realm {
    /// Takes `name` if it is at most [`MAX_REALM_LEN`] bytes.
    pub fn new(name: impl Into<String>) -> Result<Self, SignalError> {
        let name = name.into();
        if name.len() > MAX_REALM_LEN {
            return Err(SignalError::RealmTooLong { len: name.len() });
        }
        Ok(Realm(name))
    }

    /// The realm's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The bytes a registration signature covers.
fn transcript(realm: &Realm, nonce: &Nonce, peer: &PeerId) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(REGISTER_DOMAIN.len() + 1 + realm.0.len() + 64);
    bytes.extend_from_slice(REGISTER_DOMAIN);
    // Realm::new keeps the length within one byte.
    bytes.push(u8::try_from(realm.0.len()).unwrap_or(u8::MAX));
    bytes.extend_from_slice(realm.0.as_bytes());
    bytes.extend_from_slice(&nonce.0);
    bytes.extend_from_slice(peer.as_bytes());
    bytes
}

/// Signs the server's challenge as the identity `key`.
///
/// ```
/// use ed25519_dalek::SigningKey;
/// use rtc_mesh::PeerId;
/// use rtc_mesh::signal::{Nonce, Realm, sign_registration, verify_registration};
///
/// let key = SigningKey::from_bytes(&[1; 32]);
/// let peer = PeerId::from_verifying_key(&key.verifying_key());
/// let realm = Realm::new("ws://127.0.0.1:9000")?;
/// let nonce = Nonce([9; 32]);
/// let signature = sign_registration(&key, &realm, &nonce);
/// verify_registration(&peer, &realm, &nonce, &signature)?;
/// assert!(verify_registration(&peer, &realm, &Nonce([8; 32]), &signature).is_err());
/// # Ok::<(), rtc_mesh::SignalError>(())
/// ```
pub fn sign_registration(key: &SigningKey, realm: &Realm, nonce: &Nonce) -> RegistrationSignature {
    let peer = PeerId::from_verifying_key(&key.verifying_key());
    RegistrationSignature(key.sign(&transcript(realm, nonce, &peer)).to_bytes())
}

/// Checks that `signature` is `peer`'s answer to `nonce` in `realm`.
pub fn verify_registration(
    peer: &PeerId,
    realm: &Realm,
    nonce: &Nonce,
    signature: &RegistrationSignature,
) -> Result<(), SignalError> {
    let signature = Signature::from_bytes(&signature.0);
    peer.verifying_key()?
        .verify_strict(&transcript(realm, nonce, peer), &signature)
        .map_err(|_| SignalError::BadSignature)
}
