//! The signalling server under load over real WebSocket on loopback: 200
//! registered clients signalling at once each get every message addressed
//! to them, in order, with nothing lost; and forwards queued for a client
//! that is not reading reach it in order once it reads.

mod common;

use std::time::Duration;

use common::{key, start};
use rtc_mesh::PeerId;
use rtc_mesh::client::SignalClient;
use rtc_mesh::signal::{ClientMessage, Sdp, ServerMessage};

const CLIENTS: usize = 200;
/// Offers each client sends; with the answers it sends back and the two
/// registration messages this stays within the default rate-limit burst.
const OFFERS: usize = 64;
/// Offers a client keeps unanswered.
const WINDOW: usize = 8;
/// Bound on the whole test; nothing here is a timing assertion.
const DEADLINE: Duration = Duration::from_secs(120);

fn sdp(text: String) -> Sdp {
    Sdp::new(text).expect("short")
}

/// Client `n`'s part of the ring: offers to `next` (windowed), answers every
/// offer from `prev`, and checks that both streams arrive complete and in
/// sequence.
async fn ring_member(n: usize, client: &mut SignalClient, prev: PeerId, next: PeerId) {
    let (mut sent, mut offers_seen, mut answers_seen) = (0, 0, 0);
    while offers_seen < OFFERS || answers_seen < OFFERS {
        if sent < OFFERS && sent - answers_seen < WINDOW {
            let offer = ClientMessage::Offer {
                to: next,
                sdp: sdp(format!("offer {sent}")),
            };
            client.send(&offer).await.expect("offer sent");
            sent += 1;
            continue;
        }
        match client.recv().await.expect("message") {
            ServerMessage::Offer { from, sdp: offer } => {
                assert_eq!(from, prev, "client {n}: offer from a stranger");
                assert_eq!(offer.as_str(), format!("offer {offers_seen}"), "client {n}");
                let answer = ClientMessage::Answer {
                    to: prev,
                    sdp: sdp(format!("answer {offers_seen}")),
                };
                client.send(&answer).await.expect("answer sent");
                offers_seen += 1;
            }
            ServerMessage::Answer { from, sdp: answer } => {
                assert_eq!(from, next, "client {n}: answer from a stranger");
                assert_eq!(
                    answer.as_str(),
                    format!("answer {answers_seen}"),
                    "client {n}"
                );
                answers_seen += 1;
            }
            other => panic!("client {n}: unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_each_get_every_message_for_them_in_order() {
    let (server, url, realm) = start().await;
    let run = async {
        let mut clients = Vec::with_capacity(CLIENTS);
        for n in 0..CLIENTS {
            let seed = u8::try_from(n).expect("fewer than 256 clients");
            let client = SignalClient::connect(&url, &key(seed), &realm)
                .await
                .expect("registers");
            clients.push(client);
        }
        let ids: Vec<PeerId> = clients.iter().map(SignalClient::peer).collect();
        let members: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(n, mut client)| {
                let prev = ids[(n + CLIENTS - 1) % CLIENTS];
                let next = ids[(n + 1) % CLIENTS];
                // Each client is returned, so none closes before all are done.
                tokio::spawn(async move {
                    ring_member(n, &mut client, prev, next).await;
                    client
                })
            })
            .collect();
        let mut done = Vec::with_capacity(CLIENTS);
        for member in members {
            done.push(member.await.expect("ring member"));
        }
        done
    };
    let clients = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("the ring finishes");

    let counters = server.counters();
    assert_eq!(counters.registrations, CLIENTS as u64);
    assert_eq!(counters.messages_forwarded, (CLIENTS * OFFERS * 2) as u64);
    assert_eq!(counters.rejected_total(), 0, "{counters:?}");
    drop(clients);
}

#[tokio::test]
async fn forwards_queued_for_a_client_that_is_not_reading_arrive_in_order() {
    // Within the default burst and the default per-client queue, so every
    // forward is queued at once while the receiver is not reading.
    const QUEUED: usize = 150;
    let (server, url, realm) = start().await;
    let run = async {
        let mut sender = SignalClient::connect(&url, &key(1), &realm)
            .await
            .expect("sender registers");
        let mut receiver = SignalClient::connect(&url, &key(2), &realm)
            .await
            .expect("receiver registers");
        for k in 0..QUEUED {
            let offer = ClientMessage::Offer {
                to: receiver.peer(),
                sdp: sdp(format!("offer {k}")),
            };
            sender.send(&offer).await.expect("sent");
        }
        for k in 0..QUEUED {
            match receiver.recv().await.expect("forwarded") {
                ServerMessage::Offer { from, sdp } => {
                    assert_eq!(from, sender.peer());
                    assert_eq!(sdp.as_str(), format!("offer {k}"));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    };
    tokio::time::timeout(DEADLINE, run)
        .await
        .expect("every forward arrives");
    assert_eq!(server.counters().messages_forwarded, QUEUED as u64);
}
