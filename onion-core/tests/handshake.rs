//! The hop handshake: agreement, authentication, replay, forward secrecy,
//! and known answers against snow's own resolver and frozen vectors.

use std::convert::Infallible;

use data_encoding::HEXLOWER;
use onion_core::cell::CELL_BODY_LEN;
use onion_core::crypto::{HOP_SEED_LEN, HopKeys};
use onion_core::handshake::{NOISE_PROTOCOL, PROLOGUE};
use onion_core::{
    ClientHandshake, CreateBody, CreatedBody, HandshakeError, OnionKey, OnionKeyring, OnionSecret,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{SeedableRng, TryCryptoRng, TryRng};

/// A seeded test RNG; the seed is in every failure message.
fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A relay with a fresh onion key, and an RNG for the rest of the test.
fn relay(seed: u64) -> (OnionKeyring, ChaCha20Rng) {
    let mut rng = rng(seed);
    let relay = OnionKeyring::new(OnionSecret::generate(&mut rng));
    (relay, rng)
}

/// One full handshake: the CREATE, the CREATED and both sides' keys.
fn handshake(
    relay: &mut OnionKeyring,
    rng: &mut ChaCha20Rng,
) -> (CreateBody, CreatedBody, HopKeys, HopKeys) {
    let (client, create) = ClientHandshake::start(&relay.current_key(), rng).expect("start");
    let (created, relay_keys) = relay.accept_create(&create, rng).expect("accept");
    let client_keys = client.finish(&created).expect("finish");
    (create, created, client_keys, relay_keys)
}

#[test]
fn client_and_relay_derive_the_same_hop_keys() {
    for seed in 0..8 {
        let (mut relay, mut rng) = relay(seed);
        let (_, _, client, relay) = handshake(&mut relay, &mut rng);
        assert_eq!(client.fingerprint(), relay.fingerprint(), "seed {seed}");
    }
}

#[test]
fn a_create_for_a_key_the_relay_does_not_hold_is_refused() {
    let (mut relay, mut rng) = relay(1);
    let other = OnionSecret::generate(&mut rng).public();
    let (_, create) = ClientHandshake::start(&other, &mut rng).expect("start");
    let error = relay
        .accept_create(&create, &mut rng)
        .expect_err("unknown key");
    assert!(
        matches!(error, HandshakeError::UnknownOnionKey { onion_key } if onion_key == other),
        "{error:?}"
    );
}

#[test]
fn a_handshake_made_for_another_onion_key_does_not_authenticate() {
    let (mut relay, mut rng) = relay(2);
    let other = OnionSecret::generate(&mut rng).public();
    let (_, mut create) = ClientHandshake::start(&other, &mut rng).expect("start");
    // Relabelled for this relay's key, the message is still sealed to the other.
    create.onion_key = relay.current_key();
    let error = relay
        .accept_create(&create, &mut rng)
        .expect_err("wrong key");
    assert!(
        matches!(error, HandshakeError::Unauthenticated),
        "{error:?}"
    );
}

#[test]
fn a_created_from_anyone_but_the_key_holder_does_not_authenticate() {
    let (relay, mut rng) = relay(3);
    let mut impostor = OnionKeyring::new(OnionSecret::generate(&mut rng));
    let (client, mut create) =
        ClientHandshake::start(&relay.current_key(), &mut rng).expect("start");
    create.onion_key = impostor.current_key();
    let error = impostor
        .accept_create(&create, &mut rng)
        .expect_err("impostor");
    assert!(
        matches!(error, HandshakeError::Unauthenticated),
        "{error:?}"
    );
    // An impostor that answers with its own handshake is refused by the client.
    let (_, own_create) = ClientHandshake::start(&impostor.current_key(), &mut rng).expect("start");
    let (created, _) = impostor
        .accept_create(&own_create, &mut rng)
        .expect("accept");
    let error = client.finish(&created).expect_err("impostor reply");
    assert!(
        matches!(error, HandshakeError::Unauthenticated),
        "{error:?}"
    );
}

#[test]
fn a_low_order_onion_key_is_refused_by_the_client() {
    let error = ClientHandshake::start(&OnionKey::from_bytes([0; 32]), &mut rng(4))
        .expect_err("all-zero key");
    assert!(matches!(error, HandshakeError::WeakKey), "{error:?}");
}

/// `bytes` with bit `bit` flipped.
fn flipped(bytes: &[u8; CELL_BODY_LEN], bit: usize) -> [u8; CELL_BODY_LEN] {
    let mut out = *bytes;
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

#[test]
fn every_flipped_bit_of_a_create_body_is_rejected() {
    let (mut relay, mut rng) = relay(5);
    let (_, create) = ClientHandshake::start(&relay.current_key(), &mut rng).expect("start");
    let body = create.encode();
    for bit in 0..CELL_BODY_LEN * 8 {
        let rejected = match CreateBody::decode(&flipped(&body, bit)) {
            Err(_) => true,
            Ok(changed) => relay.accept_create(&changed, &mut rng).is_err(),
        };
        assert!(rejected, "bit {bit} of the CREATE body was accepted");
    }
    // Nothing was recorded: the genuine CREATE still goes through.
    relay
        .accept_create(&create, &mut rng)
        .expect("genuine CREATE");
}

#[test]
fn every_flipped_bit_of_a_created_body_is_rejected() {
    let (mut relay, mut rng) = relay(6);
    for bit in 0..CELL_BODY_LEN * 8 {
        let (client, create) =
            ClientHandshake::start(&relay.current_key(), &mut rng).expect("start");
        let (created, _) = relay.accept_create(&create, &mut rng).expect("accept");
        let rejected = match CreatedBody::decode(&flipped(&created.encode(), bit)) {
            Err(_) => true,
            Ok(changed) => client.finish(&changed).is_err(),
        };
        assert!(rejected, "bit {bit} of the CREATED body was accepted");
    }
}

#[test]
fn a_replayed_create_is_rejected_under_the_current_and_the_previous_key() {
    let (mut relay, mut rng) = relay(7);
    let (create, _, _, _) = handshake(&mut relay, &mut rng);
    let error = relay.accept_create(&create, &mut rng).expect_err("replay");
    assert!(matches!(error, HandshakeError::Replayed), "{error:?}");

    // After one rotation the key is the previous one and its filter remains.
    relay.rotate(OnionSecret::generate(&mut rng));
    let error = relay.accept_create(&create, &mut rng).expect_err("replay");
    assert!(matches!(error, HandshakeError::Replayed), "{error:?}");
    // Fresh handshakes to the previous key are still accepted.
    let (_, fresh) = ClientHandshake::start(&create.onion_key, &mut rng).expect("start");
    relay.accept_create(&fresh, &mut rng).expect("previous key");

    // After a second rotation the key, and its filter, are gone.
    relay.rotate(OnionSecret::generate(&mut rng));
    let error = relay.accept_create(&create, &mut rng).expect_err("old key");
    assert!(
        matches!(error, HandshakeError::UnknownOnionKey { .. }),
        "{error:?}"
    );
}

#[test]
fn a_full_replay_filter_refuses_new_handshakes_until_rotation() {
    let mut rng = rng(8);
    let mut relay = OnionKeyring::with_replay_capacity(OnionSecret::generate(&mut rng), 3);
    for left in (0..3).rev() {
        handshake(&mut relay, &mut rng);
        assert_eq!(relay.remaining_capacity(), left);
    }
    let (_, create) = ClientHandshake::start(&relay.current_key(), &mut rng).expect("start");
    let error = relay.accept_create(&create, &mut rng).expect_err("full");
    assert!(
        matches!(error, HandshakeError::ReplayFilterFull { capacity: 3 }),
        "{error:?}"
    );
    relay.rotate(OnionSecret::generate(&mut rng));
    assert_eq!(relay.remaining_capacity(), 3);
    handshake(&mut relay, &mut rng);
}

#[test]
fn two_handshakes_with_one_relay_give_unrelated_keys() {
    let (mut relay, mut rng) = relay(9);
    let (first_create, _, first, _) = handshake(&mut relay, &mut rng);
    let (second_create, _, second, _) = handshake(&mut relay, &mut rng);
    assert_ne!(first_create.handshake, second_create.handshake);
    let (a, b) = (first.fingerprint(), second.fingerprint());
    let differing: u32 = a.iter().zip(&b).map(|(x, y)| (x ^ y).count_ones()).sum();
    // Unrelated 128-bit digests differ in about half their bits.
    assert!((32..=96).contains(&differing), "{differing} bits differ");
}

#[test]
fn the_onion_secret_alone_does_not_recover_a_recorded_session() {
    for seed in 10..14 {
        let mut rng = rng(seed);
        let secret = [seed as u8; 32];
        let mut relay = OnionKeyring::new(OnionSecret::from_bytes(secret));
        let (create, created, client_keys, _) = handshake(&mut relay, &mut rng);
        drop(relay);

        // Later the attacker learns the onion secret and replays the recorded
        // CREATE into a responder of its own: without the relay's ephemeral
        // secret (wiped) it answers with a new ephemeral and other keys.
        let mut attacker = OnionKeyring::new(OnionSecret::from_bytes(secret));
        let (answer, keys) = attacker.accept_create(&create, &mut rng).expect("decrypts");
        assert_ne!(answer, created, "seed {seed}");
        assert_ne!(keys.fingerprint(), client_keys.fingerprint(), "seed {seed}");
    }
}

#[test]
fn key_types_wipe_themselves_on_drop() {
    fn zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroize_on_drop::<HopKeys>();
    zeroize_on_drop::<OnionSecret>();

    // Drop runs `zeroize`; it clears every key the fingerprint covers
    // (8 keys of 16 bytes).
    use zeroize::Zeroize;
    let (mut relay, mut rng) = relay(15);
    let (_, _, mut keys, _) = handshake(&mut relay, &mut rng);
    keys.zeroize();
    let mut all_zero = [0; 16];
    blake3::Hasher::new()
        .update(&[0; 128])
        .finalize_xof()
        .fill(&mut all_zero);
    assert_eq!(keys.fingerprint(), all_zero);
}

/// An RNG that yields the given 32-byte blocks, one per draw.
struct FixedRng(Vec<[u8; 32]>);

impl TryRng for FixedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        unreachable!("the handshake draws whole keys")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        unreachable!("the handshake draws whole keys")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        dst.copy_from_slice(&self.0.remove(0));
        Ok(())
    }
}

impl TryCryptoRng for FixedRng {}

/// The fixed keys of the known-answer tests.
const CLIENT_EPHEMERAL: [u8; 32] = [0x11; 32];
const RELAY_STATIC: [u8; 32] = [0x22; 32];
const RELAY_EPHEMERAL: [u8; 32] = [0x33; 32];

/// One handshake with the fixed keys through onion-core's API.
fn fixed_handshake() -> (CreateBody, CreatedBody, HopKeys) {
    let mut relay = OnionKeyring::new(OnionSecret::from_bytes(RELAY_STATIC));
    let (client, create) =
        ClientHandshake::start(&relay.current_key(), &mut FixedRng(vec![CLIENT_EPHEMERAL]))
            .expect("start");
    let (created, relay_keys) = relay
        .accept_create(&create, &mut FixedRng(vec![RELAY_EPHEMERAL]))
        .expect("accept");
    let client_keys = client.finish(&created).expect("finish");
    assert_eq!(client_keys.fingerprint(), relay_keys.fingerprint());
    (create, created, client_keys)
}

/// Gives snow's default resolver the RNG it lacks without getrandom; the
/// fixed ephemeral keys mean it is never drawn from.
struct NoRandom;

impl snow::types::Random for NoRandom {
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), snow::Error> {
        Err(snow::Error::Rng)
    }
}

struct DefaultWithoutRandom;

impl snow::resolvers::CryptoResolver for DefaultWithoutRandom {
    fn resolve_rng(&self) -> Option<Box<dyn snow::types::Random>> {
        Some(Box::new(NoRandom))
    }
    fn resolve_dh(&self, c: &snow::params::DHChoice) -> Option<Box<dyn snow::types::Dh>> {
        snow::resolvers::DefaultResolver.resolve_dh(c)
    }
    fn resolve_hash(&self, c: &snow::params::HashChoice) -> Option<Box<dyn snow::types::Hash>> {
        snow::resolvers::DefaultResolver.resolve_hash(c)
    }
    fn resolve_cipher(
        &self,
        c: &snow::params::CipherChoice,
    ) -> Option<Box<dyn snow::types::Cipher>> {
        snow::resolvers::DefaultResolver.resolve_cipher(c)
    }
}

fn snow_default(ephemeral: &[u8; 32]) -> snow::Builder<'_> {
    snow::Builder::with_resolver(
        NOISE_PROTOCOL.parse().expect("params"),
        Box::new(DefaultWithoutRandom),
    )
    .fixed_ephemeral_key_for_testing_only(ephemeral)
    .prologue(PROLOGUE)
    .expect("prologue")
}

/// The key schedule as PROTOCOL.md writes it, on a finished snow handshake.
fn documented_hop_keys(noise: &mut snow::HandshakeState) -> HopKeys {
    let (k1, k2) = noise.dangerously_get_raw_split();
    let material = [&k1[..], &k2[..], noise.get_handshake_hash()].concat();
    let seed: [u8; HOP_SEED_LEN] =
        blake3::derive_key("onionswarm 2026-12 onion-core hop seed v1", &material);
    HopKeys::derive(&seed)
}

#[test]
fn the_handshake_matches_snows_default_resolver_and_the_documented_key_schedule() {
    let (create, created, keys) = fixed_handshake();
    let relay_key = OnionSecret::from_bytes(RELAY_STATIC).public();

    let mut initiator = snow_default(&CLIENT_EPHEMERAL)
        .remote_public_key(relay_key.as_bytes())
        .and_then(snow::Builder::build_initiator)
        .expect("initiator");
    let mut responder = snow_default(&RELAY_EPHEMERAL)
        .local_private_key(&RELAY_STATIC)
        .and_then(snow::Builder::build_responder)
        .expect("responder");
    let mut message = [0; 48];
    assert_eq!(initiator.write_message(&[], &mut message), Ok(48));
    assert_eq!(message, create.handshake, "CREATE");
    responder.read_message(&message, &mut []).expect("read");
    assert_eq!(responder.write_message(&[], &mut message), Ok(48));
    assert_eq!(message, created.handshake, "CREATED");
    initiator.read_message(&message, &mut []).expect("read");

    for side in [&mut initiator, &mut responder] {
        assert_eq!(documented_hop_keys(side).fingerprint(), keys.fingerprint());
    }
}

#[test]
fn the_frozen_handshake_vectors_are_reproduced() {
    let (create, created, keys) = fixed_handshake();
    let derived = format!(
        "# onion-core hop handshake known answers, generated by tests/handshake.rs\n\
         # (ONION_CORE_WRITE_VECTORS=1) and then frozen. Fixed X25519 secrets in,\n\
         # CREATE and CREATED bodies (first 80 / 48 bytes, the rest is zero) and\n\
         # HopKeys::fingerprint of the key schedule out.\n\
         client_ephemeral {}\nrelay_static {}\nrelay_ephemeral {}\n\
         create {}\ncreated {}\nhop_keys {}\n",
        HEXLOWER.encode(&CLIENT_EPHEMERAL),
        HEXLOWER.encode(&RELAY_STATIC),
        HEXLOWER.encode(&RELAY_EPHEMERAL),
        HEXLOWER.encode(&create.encode()[..CreateBody::LEN]),
        HEXLOWER.encode(&created.handshake),
        HEXLOWER.encode(&keys.fingerprint()),
    );
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/handshake/vectors.txt");
    if std::env::var_os("ONION_CORE_WRITE_VECTORS").is_some() {
        std::fs::write(&path, &derived).expect("write vectors");
    }
    let frozen = std::fs::read_to_string(&path).expect("vectors are committed");
    assert_eq!(derived, frozen);
}

/// Every file in `testdata/create` is a CREATE body for the relay with
/// `RELAY_STATIC`, refused with the error its name describes, and nothing
/// panics. `replayed` is a genuine CREATE, accepted once and then refused.
#[test]
fn every_hostile_create_is_refused_with_the_named_error() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/create");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/create")
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut rng = rng(20);
    for path in files {
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).expect("readable");
        let body = bytes.as_slice().try_into().expect("a 512-byte body");
        let mut relay = OnionKeyring::new(OnionSecret::from_bytes(RELAY_STATIC));
        let create = match CreateBody::decode(body) {
            Ok(create) => create,
            Err(error) => {
                let padding = matches!(error, onion_core::CellError::NonZeroPadding { .. });
                assert!(name == "nonzero-padding" && padding, "{name}: {error:?}");
                continue;
            }
        };
        if name == "replayed" {
            relay.accept_create(&create, &mut rng).expect("first time");
        }
        let error = relay.accept_create(&create, &mut rng).expect_err(&name);
        use HandshakeError as E;
        let expected = match name.as_str() {
            "replayed" => matches!(error, E::Replayed),
            "unknown-onion-key" | "all-zero" => matches!(error, E::UnknownOnionKey { .. }),
            "zero-ephemeral" | "low-order-ephemeral" => matches!(error, E::WeakKey),
            "flipped-tag" | "zero-tag" | "ephemeral-top-bit-flipped" => {
                matches!(error, E::Unauthenticated)
            }
            other => panic!("testdata/create/{other}.bin has no expected error here"),
        };
        assert!(expected, "{name}: unexpected {error:?}");
    }
}
