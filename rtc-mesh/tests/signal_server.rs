//! The signalling server over real WebSocket on loopback: authenticated
//! registration, forwarding only between registered peers, replacement on
//! re-registration, descriptors, and counters.

mod common;

use common::{Raw, key, start};
use rtc_mesh::PeerId;
use rtc_mesh::client::SignalClient;
use rtc_mesh::signal::{
    BoundedString, ClientMessage, Descriptor, ErrorCode, IceCandidate, Nonce, Sdp, ServerMessage,
    sign_registration,
};

fn sdp(text: &str) -> Sdp {
    Sdp::new(text.into()).expect("short")
}

#[tokio::test]
async fn a_client_that_cannot_sign_for_an_identity_cannot_register_as_it() {
    let (server, url, realm) = start().await;
    let victim = PeerId::from_verifying_key(&key(1).verifying_key());
    let attacker = key(2);

    let mut raw = Raw::connect(&url).await;
    raw.send(&ClientMessage::Register { peer: victim }).await;
    let ServerMessage::Challenge { nonce } = raw.recv().await.expect("challenge") else {
        panic!("no challenge");
    };
    // The attacker signs the victim's challenge with its own key…
    let forged = sign_registration(&attacker, &realm, &nonce);
    raw.send(&ClientMessage::Authenticate { signature: forged })
        .await;
    assert_eq!(
        raw.recv().await,
        Some(ServerMessage::Error {
            code: ErrorCode::BadSignature,
            peer: Some(victim)
        })
    );
    // …or replays a valid signature over another nonce.
    raw.send(&ClientMessage::Register { peer: victim }).await;
    let Some(ServerMessage::Challenge { nonce: fresh }) = raw.recv().await else {
        panic!("no second challenge");
    };
    assert_ne!(fresh, nonce, "every challenge is fresh");
    let replayed = sign_registration(&key(1), &realm, &Nonce(nonce.0));
    raw.send(&ClientMessage::Authenticate {
        signature: replayed,
    })
    .await;
    assert!(matches!(
        raw.recv().await,
        Some(ServerMessage::Error {
            code: ErrorCode::BadSignature,
            ..
        })
    ));

    // The victim's id is not registered: a real client cannot reach it.
    let mut honest = SignalClient::connect(&url, &key(3), &realm)
        .await
        .expect("registers");
    honest
        .send(&ClientMessage::Offer {
            to: victim,
            sdp: sdp("v=0"),
        })
        .await
        .expect("sent");
    assert_eq!(
        honest.recv().await.expect("reply"),
        ServerMessage::Error {
            code: ErrorCode::UnknownPeer,
            peer: Some(victim)
        }
    );
    let counters = server.counters();
    assert_eq!(counters.registrations, 1);
    assert_eq!(counters.rejected(ErrorCode::BadSignature), 2);
}

#[tokio::test]
async fn a_peer_id_that_is_no_valid_key_cannot_register_nor_be_signalled() {
    let (server, url, realm) = start().await;
    let mut identity_point = [0; 32];
    identity_point[0] = 1;
    let mut not_on_curve = [0; 32];
    not_on_curve[0] = 2;
    let invalid = [identity_point, [0; 32], not_on_curve].map(PeerId::from_bytes);

    let mut raw = Raw::connect(&url).await;
    for peer in invalid {
        raw.send(&ClientMessage::Register { peer }).await;
        assert_eq!(
            raw.recv().await,
            Some(ServerMessage::Error {
                code: ErrorCode::Malformed,
                peer: None
            }),
            "no challenge for an id that cannot sign"
        );
    }

    let mut honest = SignalClient::connect(&url, &key(5), &realm)
        .await
        .expect("registers");
    for peer in invalid {
        honest
            .send(&ClientMessage::Offer {
                to: peer,
                sdp: sdp("v=0"),
            })
            .await
            .expect("sent");
        assert_eq!(
            honest.recv().await.expect("reply"),
            ServerMessage::Error {
                code: ErrorCode::UnknownPeer,
                peer: Some(peer)
            }
        );
    }
    let counters = server.counters();
    assert_eq!(counters.registrations, 1, "{counters:?}");
    assert_eq!(counters.messages_forwarded, 0, "{counters:?}");
}

#[tokio::test]
async fn a_signature_for_another_realm_does_not_register() {
    let (_server, url, _realm) = start().await;
    let other_realm = rtc_mesh::signal::Realm::new("ws://elsewhere.invalid").expect("short");
    let refused = SignalClient::connect(&url, &key(4), &other_realm).await;
    assert!(
        matches!(
            refused,
            Err(rtc_mesh::SignalClientError::Refused {
                code: ErrorCode::BadSignature
            })
        ),
        "{:?}",
        refused.err()
    );
}

#[tokio::test]
async fn offers_answers_and_candidates_reach_the_peer_stamped_with_the_sender() {
    let (server, url, realm) = start().await;
    let mut alice = SignalClient::connect(&url, &key(10), &realm)
        .await
        .expect("alice");
    let mut bob = SignalClient::connect(&url, &key(11), &realm)
        .await
        .expect("bob");
    let (a, b) = (alice.peer(), bob.peer());

    alice
        .send(&ClientMessage::Offer {
            to: b,
            sdp: sdp("offer"),
        })
        .await
        .expect("sent");
    assert_eq!(
        bob.recv().await.expect("offer"),
        ServerMessage::Offer {
            from: a,
            sdp: sdp("offer")
        }
    );
    bob.send(&ClientMessage::Answer {
        to: a,
        sdp: sdp("answer"),
    })
    .await
    .expect("sent");
    assert_eq!(
        alice.recv().await.expect("answer"),
        ServerMessage::Answer {
            from: b,
            sdp: sdp("answer")
        }
    );
    let candidate = IceCandidate {
        candidate: BoundedString::new("candidate:1 1 udp 1 127.0.0.1 9 typ host".into())
            .expect("short"),
        sdp_mid: Some(BoundedString::new("0".into()).expect("short")),
        sdp_mline_index: Some(0),
    };
    alice
        .send(&ClientMessage::Candidate {
            to: b,
            candidate: candidate.clone(),
        })
        .await
        .expect("sent");
    assert_eq!(
        bob.recv().await.expect("candidate"),
        ServerMessage::Candidate { from: a, candidate }
    );

    bob.send(&ClientMessage::ListPeers { limit: 10 })
        .await
        .expect("sent");
    assert_eq!(
        bob.recv().await.expect("peers"),
        ServerMessage::Peers { peers: vec![a] }
    );
    assert_eq!(server.counters().messages_forwarded, 3);
}

#[tokio::test]
async fn signalling_before_registration_or_to_unregistered_ids_is_refused() {
    let (server, url, realm) = start().await;
    let stranger = PeerId::from_verifying_key(&key(20).verifying_key());
    let mut raw = Raw::connect(&url).await;
    raw.send(&ClientMessage::Offer {
        to: stranger,
        sdp: sdp("v=0"),
    })
    .await;
    assert_eq!(
        raw.recv().await,
        Some(ServerMessage::Error {
            code: ErrorCode::NotRegistered,
            peer: None
        })
    );

    let mut alice = SignalClient::connect(&url, &key(21), &realm)
        .await
        .expect("alice");
    alice
        .send(&ClientMessage::Answer {
            to: stranger,
            sdp: sdp("v=0"),
        })
        .await
        .expect("sent");
    assert_eq!(
        alice.recv().await.expect("reply"),
        ServerMessage::Error {
            code: ErrorCode::UnknownPeer,
            peer: Some(stranger)
        }
    );

    // A peer that disconnected is unregistered again.
    let bob = SignalClient::connect(&url, &key(22), &realm)
        .await
        .expect("bob");
    let b = bob.peer();
    bob.close().await.expect("closed");
    let mut refused = false;
    for _ in 0..200 {
        alice
            .send(&ClientMessage::Offer {
                to: b,
                sdp: sdp("v=0"),
            })
            .await
            .expect("sent");
        if alice.recv().await.expect("reply")
            == (ServerMessage::Error {
                code: ErrorCode::UnknownPeer,
                peer: Some(b),
            })
        {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(refused, "a closed peer stays reachable");
    assert_eq!(server.counters().rejected(ErrorCode::NotRegistered), 1);
}

#[tokio::test]
async fn registering_again_replaces_the_older_connection() {
    let (server, url, realm) = start().await;
    let mut first = SignalClient::connect(&url, &key(30), &realm)
        .await
        .expect("first");
    let mut second = SignalClient::connect(&url, &key(30), &realm)
        .await
        .expect("second");
    assert!(matches!(
        first.recv().await,
        Err(rtc_mesh::SignalClientError::Closed)
    ));

    let mut alice = SignalClient::connect(&url, &key(31), &realm)
        .await
        .expect("alice");
    alice
        .send(&ClientMessage::Offer {
            to: second.peer(),
            sdp: sdp("o"),
        })
        .await
        .expect("sent");
    assert!(matches!(
        second.recv().await.expect("offer"),
        ServerMessage::Offer { .. }
    ));
    let counters = server.counters();
    assert_eq!(
        (counters.registrations, counters.registrations_replaced),
        (3, 1)
    );
}

#[tokio::test]
async fn a_published_descriptor_can_be_fetched_by_others() {
    let (_server, url, realm) = start().await;
    let mut relay = SignalClient::connect(&url, &key(40), &realm)
        .await
        .expect("relay");
    let mut client = SignalClient::connect(&url, &key(41), &realm)
        .await
        .expect("client");
    let descriptor = Descriptor::new(b"signed relay descriptor".to_vec()).expect("short");
    relay
        .send(&ClientMessage::PublishDescriptor {
            descriptor: descriptor.clone(),
        })
        .await
        .expect("sent");
    let peer = relay.peer();
    // Publishing has no reply; a round trip on the relay's own connection
    // orders it before the fetch.
    relay
        .send(&ClientMessage::FetchDescriptor { peer })
        .await
        .expect("sent");
    assert!(matches!(
        relay.recv().await.expect("own"),
        ServerMessage::Descriptor { .. }
    ));

    client
        .send(&ClientMessage::FetchDescriptor { peer })
        .await
        .expect("sent");
    assert_eq!(
        client.recv().await.expect("descriptor"),
        ServerMessage::Descriptor {
            peer,
            descriptor: Some(descriptor)
        }
    );
    let nobody = client.peer();
    client
        .send(&ClientMessage::FetchDescriptor { peer: nobody })
        .await
        .expect("sent");
    assert_eq!(
        client.recv().await.expect("none"),
        ServerMessage::Descriptor {
            peer: nobody,
            descriptor: None
        }
    );
}
