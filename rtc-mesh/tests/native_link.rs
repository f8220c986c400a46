//! The native backend over real WebRTC on loopback, set up through a real
//! signalling server over WebSocket: messages both ways, large messages,
//! close reasons, backpressure, refusals and counters.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{key, start};
use rtc_mesh::client::SignalClient;
use rtc_mesh::link::{CloseCode, CloseReason, ClosedBy, Link};
use rtc_mesh::native::{NativeConfig, NativeLink, answer, dial};
use rtc_mesh::router::{RouterEvent, SignalRouter};
use rtc_mesh::signal::ErrorCode;
use rtc_mesh::{LinkError, NativeError, PeerId};

/// Every test ends within this, whatever happens on the network.
const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Two links joined through a fresh signalling server; the routers stay
/// alive with them.
struct Pair {
    a: NativeLink,
    b: NativeLink,
    _routers: (SignalRouter, SignalRouter),
}

async fn pair(config: &NativeConfig) -> Pair {
    let (server, url, realm) = start().await;
    let alice = SignalClient::connect(&url, &key(1), &realm)
        .await
        .expect("registers");
    let bob = SignalClient::connect(&url, &key(2), &realm)
        .await
        .expect("registers");
    let (alice, _) = SignalRouter::spawn(alice);
    let (bob, mut bob_events) = SignalRouter::spawn(bob);
    let mut to_bob = alice.open(bob.me());
    let answering = async {
        let Some(RouterEvent::Offer { from, sdp }) = bob_events.recv().await else {
            panic!("bob got no offer");
        };
        let mut to_alice = bob.open(from);
        answer(config, sdp, &mut to_alice).await
    };
    let (a, b) = tokio::join!(dial(config, &mut to_bob), answering);
    // The links do not need the server once they are up.
    server.shutdown().await;
    Pair {
        a: a.expect("alice links"),
        b: b.expect("bob links"),
        _routers: (alice, bob),
    }
}

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_TIMEOUT, future)
        .await
        .expect("test timed out")
}

/// Sends `messages` from `from` and checks that `to` receives exactly them.
async fn one_way(from: &NativeLink, to: &NativeLink, messages: &[Bytes]) {
    let send = async {
        for message in messages {
            from.send(message.clone()).await.expect("sends");
        }
    };
    let receive = async {
        let mut got = Vec::new();
        for _ in 0..messages.len() {
            got.push(to.recv().await.expect("receives"));
        }
        got
    };
    let ((), got) = tokio::join!(send, receive);
    assert_eq!(got, messages, "whole, in order, exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_peers_link_and_exchange_messages_both_ways() {
    within(async {
        let Pair { a, b, .. } = pair(&NativeConfig::loopback()).await;
        let messages: Vec<Bytes> = (0..300u32)
            .map(|i| Bytes::from(i.to_be_bytes().repeat(i as usize % 50 + 1)))
            .collect();
        tokio::join!(one_way(&a, &b, &messages), one_way(&b, &a, &messages));
        assert_eq!(a.stats().messages_sent, 300);
        assert_eq!(b.stats().messages_received, 300);
        assert_eq!(a.stats().bytes_sent, b.stats().bytes_received);
        assert_eq!(b.stats().bytes_sent, a.stats().bytes_received);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_up_to_the_largest_frame_arrive_whole() {
    within(async {
        let Pair { a, b, .. } = pair(&NativeConfig::loopback()).await;
        let max = a.max_message_len();
        assert_eq!(max, 64 * 1024 + rtc_mesh::frame::MAX_FRAME_HEADER);
        let large: Vec<Bytes> = (0..40u8)
            .map(|i| Bytes::from(vec![i; max - usize::from(i) * 1000]))
            .collect();
        one_way(&a, &b, &large).await;
        let too_long = Bytes::from(vec![0; max + 1]);
        assert_eq!(
            a.send(too_long).await,
            Err(LinkError::MessageTooLong { len: max + 1, max })
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_close_reason_reaches_the_peer_after_every_earlier_message() {
    within(async {
        let Pair { a, b, .. } = pair(&NativeConfig::loopback()).await;
        for i in 0..100u32 {
            a.send(Bytes::from(vec![i as u8; 1000]))
                .await
                .expect("sends");
        }
        let reason = CloseReason::new(CloseCode::NORMAL, "done with this link");
        a.close(reason.clone());
        for i in 0..100u32 {
            assert_eq!(b.recv().await, Ok(Bytes::from(vec![i as u8; 1000])));
        }
        let closed = LinkError::Closed {
            by: ClosedBy::Remote,
            reason: reason.clone(),
        };
        assert_eq!(b.recv().await, Err(closed.clone()));
        assert_eq!(b.send(Bytes::from_static(b"late")).await, Err(closed));
        let local = LinkError::Closed {
            by: ClosedBy::Local,
            reason,
        };
        assert_eq!(a.recv().await, Err(local.clone()));
        assert_eq!(a.send(Bytes::from_static(b"late")).await, Err(local));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_link_closes_as_going_away() {
    within(async {
        let Pair { a, b, .. } = pair(&NativeConfig::loopback()).await;
        drop(a);
        match b.recv().await {
            Err(LinkError::Closed {
                by: ClosedBy::Remote,
                reason,
            }) => assert_eq!(reason.code, CloseCode::GOING_AWAY),
            other => panic!("expected a remote close, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_whose_peer_does_not_read_is_held_at_a_bounded_buffer() {
    within(async {
        let config = NativeConfig {
            send_buffer: 64 * 1024,
            ..NativeConfig::loopback()
        };
        let Pair { a, b, .. } = pair(&config).await;
        let message = Bytes::from(vec![7; 1024]);
        let mut accepted = 0usize;
        // The peer reads nothing, so sends stop being accepted once the
        // send buffer, the SCTP queues of both ends and the peer's
        // 256-message event queue are full (measured: about 700 KiB here).
        // Unbounded, the stack would take all it is given.
        let bound = 1024 * 1024;
        loop {
            let send = tokio::time::timeout(Duration::from_millis(500), a.send(message.clone()));
            match send.await {
                Ok(sent) => sent.expect("sends"),
                Err(_) => break,
            }
            accepted += message.len();
            assert!(
                accepted <= bound,
                "{accepted} bytes accepted without a reader"
            );
        }
        assert!(
            accepted > config.send_buffer / 2,
            "only {accepted} bytes accepted"
        );
        // Once the peer reads, everything arrives and sending resumes.
        let reader = async {
            let mut got = 0;
            while got < accepted + message.len() {
                got += b.recv().await.expect("receives").len();
            }
            got
        };
        let (sent, got) = tokio::join!(a.send(message.clone()), reader);
        sent.expect("sends once the peer reads");
        assert_eq!(got, accepted + message.len());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialing_an_unregistered_peer_is_refused_by_the_server() {
    within(async {
        let (_server, url, realm) = start().await;
        let alice = SignalClient::connect(&url, &key(1), &realm)
            .await
            .expect("registers");
        let (alice, _) = SignalRouter::spawn(alice);
        let nobody = PeerId::from_verifying_key(&key(9).verifying_key());
        let mut signals = alice.open(nobody);
        match dial(&NativeConfig::loopback(), &mut signals).await {
            Err(NativeError::Refused { code }) => assert_eq!(code, ErrorCode::UnknownPeer),
            Err(other) => panic!("expected a refusal, got {other}"),
            Ok(_) => panic!("linked to nobody"),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_round_trip_time_becomes_known() {
    within(async {
        let Pair { a, b, .. } = pair(&NativeConfig::loopback()).await;
        let mut rtt = None;
        for _ in 0..40 {
            a.send(Bytes::from_static(b"ping")).await.expect("sends");
            b.recv().await.expect("receives");
            rtt = a.stats().rtt;
            if rtt.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let rtt = rtt.expect("an RTT within 4 s");
        assert!(rtt < Duration::from_secs(1), "loopback RTT {rtt:?}");
    })
    .await;
}
