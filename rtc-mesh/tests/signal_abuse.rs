//! 10,000 hostile messages against one signalling server over real
//! WebSocket: each one gets an error reply or its connection is closed, the
//! server stays up, and honest clients still register and signal afterwards.

mod common;

use std::time::{Duration, Instant};

use common::{Raw, key, start, start_with};
use rtc_mesh::client::SignalClient;
use rtc_mesh::server::{RateLimit, SignalServerConfig};
use rtc_mesh::signal::{ClientMessage, ErrorCode, MAX_SIGNAL_MESSAGE_LEN, Sdp, ServerMessage};
use tokio_tungstenite::tungstenite::Message;

const HOSTILE_MESSAGES: usize = 10_000;

/// splitmix64: a small deterministic generator; the seed is in every
/// failure message.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One hostile message of a kind the generator picks.
fn hostile(rng: &mut Rng, peer_hex: &str) -> Message {
    let texts = [
        r#"{"type":"offer""#.to_owned(),
        "not json at all".to_owned(),
        r#"{"type":"offer","to":5,"sdp":[]}"#.to_owned(),
        r#"{"type":"list_peers","limit":"all"}"#.to_owned(),
        r#"{"type":"list_peers","limit":1,"admin":true}"#.to_owned(),
        r#"{"type":"become_root"}"#.to_owned(),
        r#"["register"]"#.to_owned(),
        format!(r#"{{"type":"register","peer":"{}"}}"#, "00".repeat(32)),
        format!(
            r#"{{"type":"authenticate","signature":"{}"}}"#,
            "11".repeat(64)
        ),
        format!(r#"{{"type":"offer","to":"{peer_hex}","sdp":"v=0"}}"#),
        format!(r#"{{"type":"list_peers","limit":{}}}"#, "[".repeat(300)),
    ];
    match rng.below(texts.len() + 2) {
        i if i < texts.len() => Message::text(texts[i].clone()),
        i if i == texts.len() => {
            let len = rng.below(64);
            Message::binary((0..len).map(|_| rng.next() as u8).collect::<Vec<u8>>())
        }
        _ => {
            let len = rng.below(200);
            let bytes: Vec<u8> = (0..len).map(|_| (rng.next() % 95 + 32) as u8).collect();
            Message::text(String::from_utf8(bytes).expect("printable ASCII"))
        }
    }
}

/// Outcomes of the hostile messages.
#[derive(Debug, Default)]
struct Tally {
    errors: usize,
    disconnects: usize,
    connections: usize,
}

#[tokio::test]
async fn ten_thousand_hostile_messages_each_get_an_error_or_a_disconnect() {
    let seed = std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0004_u64);
    let mut rng = Rng(seed);
    let (server, url, realm) = start().await;
    let target = SignalClient::connect(&url, &key(99), &realm)
        .await
        .expect("registers");
    let peer_hex: String = target
        .peer()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let mut tally = Tally::default();
    let mut sent = 0;
    let mut raw = Raw::connect(&url).await;
    tally.connections += 1;
    while sent < HOSTILE_MESSAGES {
        let lockstep = rng.below(10) != 0;
        if lockstep {
            // One message, then its outcome.
            sent += 1;
            let delivered = match rng.below(100) {
                0 => {
                    let oversized = "x".repeat(MAX_SIGNAL_MESSAGE_LEN + 1);
                    raw.send_raw(Message::text(oversized)).await
                }
                _ => raw.send_raw(hostile(&mut rng, &peer_hex)).await,
            };
            match if delivered { raw.recv().await } else { None } {
                Some(ServerMessage::Error { .. }) => tally.errors += 1,
                Some(other) => panic!("seed {seed}: message {sent} answered with {other:?}"),
                None => {
                    tally.disconnects += 1;
                    raw = Raw::connect(&url).await;
                    tally.connections += 1;
                }
            }
        } else {
            // A flood: a burst sent without reading, then every reply
            // until the server closes the connection.
            let burst = (HOSTILE_MESSAGES - sent).min(100 + rng.below(400));
            let mut fed = 0;
            for _ in 0..burst {
                if !raw.feed_raw(hostile(&mut rng, &peer_hex)).await {
                    break;
                }
                fed += 1;
            }
            let flushed = raw.flush().await;
            sent += burst;
            let mut answered = 0;
            while answered < fed && flushed {
                match raw.recv().await {
                    Some(ServerMessage::Error { .. }) => answered += 1,
                    Some(other) => panic!("seed {seed}: flood answered with {other:?}"),
                    None => break,
                }
            }
            tally.errors += answered;
            tally.disconnects += burst - answered;
            if answered < burst {
                raw = Raw::connect(&url).await;
                tally.connections += 1;
            }
        }
    }
    assert_eq!(
        tally.errors + tally.disconnects,
        HOSTILE_MESSAGES,
        "seed {seed}: {tally:?}"
    );
    assert!(
        tally.errors > 0 && tally.disconnects > 0,
        "seed {seed}: {tally:?}"
    );

    // The server is up and serves honest clients.
    let mut alice = SignalClient::connect(&url, &key(1), &realm)
        .await
        .expect("alice registers");
    let mut bob = SignalClient::connect(&url, &key(2), &realm)
        .await
        .expect("bob registers");
    let sdp = Sdp::new("v=0".into()).expect("short");
    alice
        .send(&ClientMessage::Offer {
            to: bob.peer(),
            sdp: sdp.clone(),
        })
        .await
        .expect("sent");
    assert_eq!(
        bob.recv().await.expect("forwarded"),
        ServerMessage::Offer {
            from: alice.peer(),
            sdp
        }
    );

    let counters = server.counters();
    println!("seed {seed}: {tally:?}; {counters:?}");
    assert!(counters.abuse_disconnects > 0, "{counters:?}");
    assert!(
        counters.rejected_total() >= tally.errors as u64,
        "{counters:?}"
    );
    assert_eq!(
        counters.messages_forwarded, 1,
        "no hostile message was forwarded"
    );
    assert!(counters.connections_accepted >= tally.connections as u64 + 3);
}

#[tokio::test]
async fn a_registered_client_flooding_valid_requests_is_rate_limited_then_closed() {
    let (server, url, realm) = start().await;
    let mut raw = Raw::connect(&url).await;
    raw.register(&key(7), &realm).await;

    let flood_started = Instant::now();
    let request = Message::text(
        ClientMessage::ListPeers { limit: 1 }
            .to_json()
            .expect("encodes"),
    );
    for _ in 0..1000 {
        if !raw.feed_raw(request.clone()).await {
            break;
        }
    }
    raw.flush().await;
    let (mut answered, mut limited) = (0, 0);
    while let Some(reply) = raw.recv().await {
        match reply {
            ServerMessage::Peers { .. } => answered += 1,
            ServerMessage::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    let flood_time = flood_started.elapsed();
    let config = SignalServerConfig::default();
    // The burst is answered (plus what refilled meanwhile); refusals beyond
    // the refusal budget close the connection before the flood ends.
    assert!(
        answered >= config.rate.burst as usize - 2,
        "{answered} answered"
    );
    assert!(
        answered + limited < 1000,
        "{answered} answered, {limited} refused"
    );
    // The budget's burst, the refusal that ran it out, and at most what it
    // refilled while the flood lasted.
    let refilled = flood_time.as_secs_f64() * f64::from(config.refusals.per_second);
    assert!(
        limited > config.refusals.burst as usize
            && limited as f64 <= f64::from(config.refusals.burst) + 2.0 + refilled,
        "{limited} refused in {flood_time:?}"
    );
    let counters = server.counters();
    assert_eq!(counters.rejected(ErrorCode::RateLimited), limited as u64);
    assert_eq!(counters.abuse_disconnects, 1);
}

#[tokio::test]
async fn a_client_refused_slowly_but_steadily_stays_connected() {
    // A small, fast-refilling budget so that a hundred refusals within it
    // take a second or two, not minutes.
    const BUDGET: RateLimit = RateLimit {
        burst: 4,
        per_second: 100,
    };
    const REFUSALS: usize = 100;
    let (server, url, realm) = start_with(SignalServerConfig {
        refusals: BUDGET,
        ..SignalServerConfig::default()
    })
    .await;
    let offline = rtc_mesh::PeerId::from_verifying_key(&key(9).verifying_key());
    let offer = ClientMessage::Offer {
        to: offline,
        sdp: Sdp::new("v=0".into()).expect("short"),
    };
    let refused = Some(ServerMessage::Error {
        code: ErrorCode::UnknownPeer,
        peer: Some(offline),
    });
    let mut raw = Raw::connect(&url).await;
    raw.register(&key(8), &realm).await;

    // Each refusal waits for its reply, then two refills' worth of time:
    // whatever the scheduling, the server sees them at least that far apart.
    let spacing = 2 * Duration::from_secs(1) / BUDGET.per_second;
    for n in 0..REFUSALS {
        raw.send(&offer).await;
        assert_eq!(raw.recv().await, refused, "refusal {n}");
        tokio::time::sleep(spacing).await;
    }
    raw.send(&ClientMessage::ListPeers { limit: 1 }).await;
    assert!(
        matches!(raw.recv().await, Some(ServerMessage::Peers { .. })),
        "still served after {REFUSALS} refusals"
    );
    let counters = server.counters();
    assert_eq!(counters.rejected(ErrorCode::UnknownPeer), REFUSALS as u64);
    assert_eq!(counters.abuse_disconnects, 0, "{counters:?}");

    // The same refusals sent at once still run the budget out.
    for _ in 0..REFUSALS {
        if !raw
            .feed_raw(Message::text(offer.to_json().expect("encodes")))
            .await
        {
            break;
        }
    }
    raw.flush().await;
    let mut answered = 0;
    while raw.recv().await == refused {
        answered += 1;
    }
    assert!(answered < REFUSALS, "{answered} refused, still open");
    assert_eq!(server.counters().abuse_disconnects, 1);
}
