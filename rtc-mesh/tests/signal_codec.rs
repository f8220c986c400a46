//! Signalling messages: every message round-trips through JSON, parsing is
//! strict, and registration signatures bind identity, realm and nonce.

use ed25519_dalek::{Signature, SigningKey, Verifier, VerifyingKey};
use proptest::prelude::*;
use rtc_mesh::PeerId;
use rtc_mesh::SignalError;
use rtc_mesh::signal::{
    BoundedString, ClientMessage, Descriptor, ErrorCode, IceCandidate, MAX_DESCRIPTOR_LEN,
    MAX_PEER_LIST, MAX_SIGNAL_MESSAGE_LEN, Nonce, Realm, RegistrationSignature, Sdp, ServerMessage,
    sign_registration, verify_registration,
};

fn peer_id() -> impl Strategy<Value = PeerId> {
    any::<[u8; 32]>()
        .prop_map(|seed| PeerId::from_verifying_key(&SigningKey::from_bytes(&seed).verifying_key()))
}

fn sdp() -> impl Strategy<Value = Sdp> {
    any::<String>().prop_map(|s| Sdp::new(s).expect("proptest strings are short"))
}

fn candidate() -> impl Strategy<Value = IceCandidate> {
    (
        any::<String>(),
        proptest::option::of("[a-z0-9]{0,8}"),
        any::<Option<u16>>(),
    )
        .prop_map(|(candidate, mid, mline)| IceCandidate {
            candidate: BoundedString::new(candidate).expect("short"),
            sdp_mid: mid.map(|m| BoundedString::new(m).expect("short")),
            sdp_mline_index: mline,
        })
}

fn descriptor() -> impl Strategy<Value = Descriptor> {
    proptest::collection::vec(any::<u8>(), 0..512).prop_map(|b| Descriptor::new(b).expect("short"))
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        peer_id().prop_map(|peer| ClientMessage::Register { peer }),
        any::<[u8; 32]>().prop_map(|half| {
            let mut signature = [0; 64];
            signature[..32].copy_from_slice(&half);
            ClientMessage::Authenticate {
                signature: RegistrationSignature(signature),
            }
        }),
        (peer_id(), sdp()).prop_map(|(to, sdp)| ClientMessage::Offer { to, sdp }),
        (peer_id(), sdp()).prop_map(|(to, sdp)| ClientMessage::Answer { to, sdp }),
        (peer_id(), candidate())
            .prop_map(|(to, candidate)| ClientMessage::Candidate { to, candidate }),
        any::<u16>().prop_map(|limit| ClientMessage::ListPeers { limit }),
        descriptor().prop_map(|descriptor| ClientMessage::PublishDescriptor { descriptor }),
        peer_id().prop_map(|peer| ClientMessage::FetchDescriptor { peer }),
    ]
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        Just(ErrorCode::TooLarge),
        Just(ErrorCode::Malformed),
        Just(ErrorCode::NotRegistered),
        Just(ErrorCode::Unexpected),
        Just(ErrorCode::BadSignature),
        Just(ErrorCode::AlreadyRegistered),
        Just(ErrorCode::UnknownPeer),
        Just(ErrorCode::RateLimited),
        Just(ErrorCode::PeerBusy),
    ]
}

fn server_message() -> impl Strategy<Value = ServerMessage> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(|n| ServerMessage::Challenge { nonce: Nonce(n) }),
        peer_id().prop_map(|peer| ServerMessage::Registered { peer }),
        (peer_id(), sdp()).prop_map(|(from, sdp)| ServerMessage::Offer { from, sdp }),
        (peer_id(), sdp()).prop_map(|(from, sdp)| ServerMessage::Answer { from, sdp }),
        (peer_id(), candidate())
            .prop_map(|(from, candidate)| ServerMessage::Candidate { from, candidate }),
        proptest::collection::vec(peer_id(), 0..=MAX_PEER_LIST)
            .prop_map(|peers| ServerMessage::Peers { peers }),
        (peer_id(), proptest::option::of(descriptor()))
            .prop_map(|(peer, descriptor)| ServerMessage::Descriptor { peer, descriptor }),
        (error_code(), proptest::option::of(peer_id()))
            .prop_map(|(code, peer)| ServerMessage::Error { code, peer }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn client_messages_round_trip_through_json(message in client_message()) {
        let json = message.to_json().expect("within limits");
        prop_assert_eq!(ClientMessage::from_json(json.as_bytes()).expect("own output parses"), message);
    }

    #[test]
    fn server_messages_round_trip_through_json(message in server_message()) {
        let json = message.to_json().expect("within limits");
        prop_assert_eq!(ServerMessage::from_json(json.as_bytes()).expect("own output parses"), message);
    }

    #[test]
    fn registration_signature_verifies_only_for_its_identity_realm_and_nonce(
        seed in any::<[u8; 32]>(),
        other_seed in any::<[u8; 32]>(),
        nonce in any::<[u8; 32]>(),
        other_nonce in any::<[u8; 32]>(),
    ) {
        prop_assume!(seed != other_seed && nonce != other_nonce);
        let key = SigningKey::from_bytes(&seed);
        let peer = PeerId::from_verifying_key(&key.verifying_key());
        let other = PeerId::from_verifying_key(&SigningKey::from_bytes(&other_seed).verifying_key());
        let realm = Realm::new("ws://127.0.0.1:1").expect("short");
        let other_realm = Realm::new("ws://127.0.0.1:2").expect("short");
        let signature = sign_registration(&key, &realm, &Nonce(nonce));
        prop_assert!(verify_registration(&peer, &realm, &Nonce(nonce), &signature).is_ok());
        prop_assert!(verify_registration(&other, &realm, &Nonce(nonce), &signature).is_err());
        prop_assert!(verify_registration(&peer, &other_realm, &Nonce(nonce), &signature).is_err());
        prop_assert!(verify_registration(&peer, &realm, &Nonce(other_nonce), &signature).is_err());
    }
}

#[test]
fn a_small_order_peer_id_cannot_pass_registration_with_a_forged_signature() {
    let mut identity_point = [0; 32];
    identity_point[0] = 1;
    // With the identity point as public key, R = identity and s = 0 is a
    // signature over anything under lax (cofactorless) verification.
    let mut forged = [0; Signature::BYTE_SIZE];
    forged[0] = 1;
    let lax = VerifyingKey::from_bytes(&identity_point).expect("decompresses");
    assert!(
        lax.verify(b"any transcript", &Signature::from_bytes(&forged))
            .is_ok(),
        "the forgery works where the point is not checked"
    );
    let peer = PeerId::from_bytes(identity_point);
    let realm = Realm::new("ws://127.0.0.1:1").expect("short");
    assert!(matches!(
        verify_registration(
            &peer,
            &realm,
            &Nonce([3; 32]),
            &RegistrationSignature(forged)
        ),
        Err(SignalError::InvalidPeerId)
    ));
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    // Not JSON at all: a parser would report a syntax error instead.
    let input = vec![b'x'; MAX_SIGNAL_MESSAGE_LEN + 1];
    assert!(matches!(
        ClientMessage::from_json(&input),
        Err(SignalError::TooLong { len, .. }) if len == input.len()
    ));
    assert!(matches!(
        ServerMessage::from_json(&input),
        Err(SignalError::TooLong { .. })
    ));
}

#[test]
fn a_peer_list_longer_than_the_limit_is_refused_both_ways() {
    let peer = PeerId::from_verifying_key(&SigningKey::from_bytes(&[5; 32]).verifying_key());
    let long = ServerMessage::Peers {
        peers: vec![peer; MAX_PEER_LIST + 1],
    };
    assert!(matches!(
        long.to_json(),
        Err(SignalError::TooManyPeers { .. })
    ));
    let ids = vec![format!("\"{}\"", data_hex(peer.as_bytes())); MAX_PEER_LIST + 1];
    let json = format!(r#"{{"type":"peers","peers":[{}]}}"#, ids.join(","));
    assert!(matches!(
        ServerMessage::from_json(json.as_bytes()),
        Err(SignalError::TooManyPeers { count, .. }) if count == MAX_PEER_LIST + 1
    ));
}

fn data_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_descriptor_longer_than_the_limit_is_refused() {
    assert!(Descriptor::new(vec![0; MAX_DESCRIPTOR_LEN + 1]).is_err());
    let text = "A".repeat((MAX_DESCRIPTOR_LEN + 3) * 4 / 3);
    let json = format!(r#"{{"type":"publish_descriptor","descriptor":"{text}"}}"#);
    assert!(matches!(
        ClientMessage::from_json(json.as_bytes()),
        Err(SignalError::Malformed(e)) if e.is_data()
    ));
}

#[test]
fn debug_output_never_shows_sdp_or_keys() {
    let key = SigningKey::from_bytes(&[9; 32]);
    let peer = PeerId::from_verifying_key(&key.verifying_key());
    let message = ServerMessage::Offer {
        from: peer,
        sdp: Sdp::new("v=0 secret-ufrag".into()).expect("short"),
    };
    let debug = format!("{message:?}");
    assert!(!debug.contains("secret-ufrag"), "{debug}");
    assert!(!debug.contains(&data_hex(&peer.as_bytes()[..4])), "{debug}");
}
