//! The snow [`CryptoResolver`] of the hop handshake: X25519 from
//! x25519-dalek, randomness drawn from the caller's RNG before the handshake,
//! and snow's own BLAKE2s and ChaCha20-Poly1305.
//!
//! snow asks its resolver for a boxed, owned RNG, so it cannot borrow the
//! caller's `&mut impl CryptoRng`. The only randomness an NK party needs is
//! its ephemeral secret, so the caller's RNG draws those 32 bytes up front and
//! snow gets a source that hands out exactly those bytes once.

use core::cell::Cell;

use snow::params::{CipherChoice, DHChoice, HashChoice};
use snow::resolvers::{CryptoResolver, DefaultResolver};
use snow::types::{Cipher, Dh, Hash, Random};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::identity::KEY_LEN;

/// Resolves the primitives of `Noise_NK_25519_ChaChaPoly_BLAKE2s` for one
/// handshake.
pub(super) struct Resolver {
    /// The ephemeral secret's random bytes, taken by the first (and only)
    /// RNG snow asks for.
    ephemeral: Cell<Option<Zeroizing<[u8; KEY_LEN]>>>,
}

impl Resolver {
    /// A resolver whose RNG yields `ephemeral` and nothing more.
    pub(super) fn new(ephemeral: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Resolver {
            ephemeral: Cell::new(Some(ephemeral)),
        }
    }
}

impl CryptoResolver for Resolver {
    fn resolve_rng(&self) -> Option<Box<dyn Random>> {
        Some(Box::new(OneShotRandom(self.ephemeral.take())))
    }

    fn resolve_dh(&self, choice: &DHChoice) -> Option<Box<dyn Dh>> {
        match choice {
            DHChoice::Curve25519 => Some(Box::new(X25519::default())),
            _ => None,
        }
    }

    fn resolve_hash(&self, choice: &HashChoice) -> Option<Box<dyn Hash>> {
        DefaultResolver.resolve_hash(choice)
    }

    fn resolve_cipher(&self, choice: &CipherChoice) -> Option<Box<dyn Cipher>> {
        DefaultResolver.resolve_cipher(choice)
    }
}

/// Hands out the pre-drawn ephemeral bytes once, then fails.
struct OneShotRandom(Option<Zeroizing<[u8; KEY_LEN]>>);

impl Random for OneShotRandom {
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), snow::Error> {
        let bytes = self.0.take().ok_or(snow::Error::Rng)?;
        if dest.len() != KEY_LEN {
            return Err(snow::Error::Rng);
        }
        dest.copy_from_slice(&bytes[..]);
        Ok(())
    }
}

/// X25519 for snow, with the secret in a type that wipes itself on drop.
#[derive(Default)]
struct X25519 {
    secret: Option<StaticSecret>,
    public: [u8; KEY_LEN],
}

impl X25519 {
    fn set_secret(&mut self, bytes: &[u8; KEY_LEN]) {
        let secret = StaticSecret::from(*bytes);
        self.public = PublicKey::from(&secret).to_bytes();
        self.secret = Some(secret);
    }
}

impl Dh for X25519 {
    fn name(&self) -> &'static str {
        "25519"
    }

    fn pub_len(&self) -> usize {
        KEY_LEN
    }

    fn priv_len(&self) -> usize {
        KEY_LEN
    }

    fn set(&mut self, privkey: &[u8]) {
        // snow checks the length before it calls `set`; anything else leaves
        // no secret, and `dh` then fails.
        if let Ok(bytes) = <&[u8; KEY_LEN]>::try_from(privkey) {
            self.set_secret(bytes);
        }
    }

    fn generate(&mut self, rng: &mut dyn Random) -> Result<(), snow::Error> {
        let mut bytes = Zeroizing::new([0; KEY_LEN]);
        rng.try_fill_bytes(&mut bytes[..])?;
        self.set_secret(&bytes);
        Ok(())
    }

    fn pubkey(&self) -> &[u8] {
        &self.public
    }

    fn privkey(&self) -> &[u8] {
        self.secret.as_ref().map_or(&[], |secret| secret.as_bytes())
    }

    /// Refuses a low-order peer key: the shared secret would be all zero and
    /// the handshake's keys known to anyone.
    fn dh(&self, pubkey: &[u8], out: &mut [u8]) -> Result<(), snow::Error> {
        let secret = self.secret.as_ref().ok_or(snow::Error::Dh)?;
        let peer = pubkey.first_chunk::<KEY_LEN>().ok_or(snow::Error::Dh)?;
        let out = out.first_chunk_mut::<KEY_LEN>().ok_or(snow::Error::Dh)?;
        let shared = secret.diffie_hellman(&PublicKey::from(*peer));
        if !shared.was_contributory() {
            return Err(snow::Error::Dh);
        }
        out.copy_from_slice(shared.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use data_encoding::HEXLOWER;
    use snow::Builder;
    use snow::params::NoiseParams;

    use super::*;

    /// The committed cacophony vector as (name, bytes) lines, in file order.
    fn cacophony_nk() -> Vec<(&'static str, Vec<u8>)> {
        include_str!("../../testdata/handshake/cacophony_nk.txt")
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| {
                let (name, hex) = line.split_once(' ').expect("name and hex");
                (name, HEXLOWER.decode(hex.as_bytes()).expect("hex"))
            })
            .collect()
    }

    fn field<'a>(vector: &'a [(&str, Vec<u8>)], name: &str) -> &'a [u8] {
        &vector.iter().find(|(n, _)| *n == name).expect(name).1
    }

    fn resolver(ephemeral: &[u8]) -> Box<Resolver> {
        let bytes = ephemeral.try_into().expect("32-byte ephemeral");
        Box::new(Resolver::new(Zeroizing::new(bytes)))
    }

    #[test]
    fn the_cacophony_nk_vector_runs_through_this_resolver_byte_for_byte() {
        let vector = cacophony_nk();
        let params: NoiseParams = super::super::NOISE_PROTOCOL.parse().expect("params");
        let prologue = field(&vector, "prologue");
        let mut initiator =
            Builder::with_resolver(params.clone(), resolver(field(&vector, "init_ephemeral")))
                .prologue(prologue)
                .and_then(|b| b.remote_public_key(field(&vector, "init_remote_static")))
                .and_then(Builder::build_initiator)
                .expect("initiator");
        let mut responder =
            Builder::with_resolver(params, resolver(field(&vector, "resp_ephemeral")))
                .prologue(prologue)
                .and_then(|b| b.local_private_key(field(&vector, "resp_static")))
                .and_then(Builder::build_responder)
                .expect("responder");

        let messages: Vec<_> = vector
            .iter()
            .filter(|(name, _)| *name == "payload")
            .zip(vector.iter().filter(|(name, _)| *name == "ciphertext"))
            .map(|((_, payload), (_, ciphertext))| (payload, ciphertext))
            .collect();
        assert_eq!(messages.len(), 6);
        let mut wire = [0; 256];
        let mut read = [0; 256];
        for (i, (payload, ciphertext)) in messages.iter().take(2).enumerate() {
            let (writer, reader) = if i % 2 == 0 {
                (&mut initiator, &mut responder)
            } else {
                (&mut responder, &mut initiator)
            };
            let len = writer.write_message(payload, &mut wire).expect("write");
            assert_eq!(&wire[..len], &ciphertext[..], "handshake message {i}");
            let got = reader.read_message(&wire[..len], &mut read).expect("read");
            assert_eq!(&read[..got], &payload[..], "handshake message {i}");
        }
        let hash = field(&vector, "handshake_hash");
        assert_eq!(initiator.get_handshake_hash(), hash);
        assert_eq!(responder.get_handshake_hash(), hash);

        let mut initiator = initiator.into_transport_mode().expect("transport");
        let mut responder = responder.into_transport_mode().expect("transport");
        for (i, (payload, ciphertext)) in messages.iter().enumerate().skip(2) {
            let (writer, reader) = if i % 2 == 0 {
                (&mut initiator, &mut responder)
            } else {
                (&mut responder, &mut initiator)
            };
            let len = writer.write_message(payload, &mut wire).expect("write");
            assert_eq!(&wire[..len], &ciphertext[..], "transport message {i}");
            let got = reader.read_message(&wire[..len], &mut read).expect("read");
            assert_eq!(&read[..got], &payload[..], "transport message {i}");
        }
    }

    #[test]
    fn the_rng_hands_out_the_ephemeral_bytes_once_and_then_fails() {
        let resolver = resolver(&[7; KEY_LEN]);
        let mut rng = resolver.resolve_rng().expect("an rng");
        let mut out = [0; KEY_LEN];
        rng.try_fill_bytes(&mut out).expect("first draw");
        assert_eq!(out, [7; KEY_LEN]);
        assert!(rng.try_fill_bytes(&mut out).is_err());
        // A second RNG from the same resolver has nothing to give either.
        let mut again = resolver.resolve_rng().expect("an rng");
        assert!(again.try_fill_bytes(&mut out).is_err());
    }

    #[test]
    fn a_low_order_peer_key_is_refused() {
        let mut dh = X25519::default();
        dh.set(&[9; KEY_LEN]);
        let mut out = [0; KEY_LEN];
        assert_eq!(dh.dh(&[0; KEY_LEN], &mut out), Err(snow::Error::Dh));
        let base_point = {
            let mut u = [0; KEY_LEN];
            u[0] = 9;
            u
        };
        dh.dh(&base_point, &mut out).expect("a valid point");
        assert_ne!(out, [0; KEY_LEN]);
    }
}
