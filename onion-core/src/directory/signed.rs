//! Signing descriptors with the relay's identity key, and the verified
//! type that only a passing check can produce.

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::encoding::{self, Unverified};
use super::{Descriptor, UnixTime};
use crate::RelayId;
use crate::error::DescriptorError;

/// Prefixed to the descriptor bytes before signing, so a descriptor
/// signature can never be taken for a signature of anything else an
/// identity key signs (such as a signalling-server challenge).
const SIGNATURE_DOMAIN: &[u8] = b"onionswarm onion-core relay descriptor v1\0";

fn signed_message(signed: &[u8]) -> Vec<u8> {
    [SIGNATURE_DOMAIN, signed].concat()
}

impl Descriptor {
    /// Encodes the descriptor for the relay whose identity key is `key` and
    /// signs it.
    ///
    /// # Errors
    /// The [`DescriptorError`] of the first rule the descriptor breaks: a
    /// list too long, its own identity in its family, an exit flag that
    /// disagrees with the exit policy, or an empty or too long lifetime.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, DescriptorError> {
        let identity = RelayId::from_bytes(key.verifying_key().to_bytes());
        self.check(&identity)?;
        let mut bytes = encoding::encode_signed_part(&identity, self);
        let signature = key.sign(&signed_message(&bytes));
        bytes.extend_from_slice(&signature.to_bytes());
        Ok(bytes)
    }
}

/// A descriptor whose signature and validity period have been checked.
/// Only [`VerifiedDescriptor::verify`] makes one.
///
/// ```
/// use core::time::Duration;
/// use ed25519_dalek::SigningKey;
/// use onion_core::OnionKey;
/// use onion_core::directory::{Descriptor, RelayFlags, UnixTime, VerifiedDescriptor};
///
/// let identity_key = SigningKey::from_bytes(&[1; 32]);
/// let published = UnixTime::from_secs(1_800_000_000);
/// let mut descriptor = Descriptor::new(OnionKey::from_bytes([2; 32]), published, Duration::from_secs(86_400));
/// descriptor.flags = RelayFlags::GUARD;
/// let bytes = descriptor.sign(&identity_key)?;
///
/// let now = UnixTime::from_secs(1_800_000_600);
/// let verified = VerifiedDescriptor::verify(&bytes, now)?;
/// assert_eq!(verified.identity().as_bytes(), identity_key.verifying_key().as_bytes());
/// assert_eq!(verified.descriptor(), &descriptor);
///
/// // Any change after signing is caught.
/// let mut tampered = bytes.clone();
/// tampered[40] ^= 1; // a bit of the onion key
/// assert!(VerifiedDescriptor::verify(&tampered, now).is_err());
/// # Ok::<(), onion_core::DescriptorError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedDescriptor {
    identity: RelayId,
    descriptor: Descriptor,
    bytes: Vec<u8>,
}

impl VerifiedDescriptor {
    /// Decodes `bytes`, checks the signature under the identity key they
    /// name, and checks that the descriptor is valid at `now`.
    ///
    /// # Errors
    /// - a format error ([`DescriptorError::Oversized`], `Truncated`,
    ///   `TrailingBytes`, …) or a broken rule of [`Descriptor::sign`];
    /// - [`DescriptorError::InvalidIdentityKey`] if the identity is not an
    ///   Ed25519 public key;
    /// - [`DescriptorError::BadSignature`] if the signature does not cover
    ///   these bytes under that identity: forged, or any field (a swapped
    ///   onion key or identity included) changed after signing;
    /// - [`DescriptorError::NotYetValid`] or [`DescriptorError::Expired`].
    pub fn verify(bytes: &[u8], now: UnixTime) -> Result<Self, DescriptorError> {
        let Unverified {
            identity,
            descriptor,
            signed,
            signature,
        } = encoding::decode(bytes)?;
        let key = VerifyingKey::from_bytes(identity.as_bytes())
            .map_err(|_| DescriptorError::InvalidIdentityKey)?;
        key.verify_strict(&signed_message(signed), &Signature::from_bytes(signature))
            .map_err(|_| DescriptorError::BadSignature)?;
        if now < descriptor.published {
            return Err(DescriptorError::NotYetValid {
                published: descriptor.published,
                now,
            });
        }
        if now >= descriptor.expires {
            return Err(DescriptorError::Expired {
                expires: descriptor.expires,
                now,
            });
        }
        Ok(VerifiedDescriptor {
            identity,
            descriptor,
            bytes: bytes.to_vec(),
        })
    }

    /// The relay's identity, the key that signed.
    pub fn identity(&self) -> &RelayId {
        &self.identity
    }

    /// What the relay declared.
    pub fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    /// The signed bytes, to pass on to others unchanged.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for VerifiedDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedDescriptor")
            .field("identity", &self.identity)
            .field("descriptor", &self.descriptor)
            .finish_non_exhaustive()
    }
}
