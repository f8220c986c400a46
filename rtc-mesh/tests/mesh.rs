//! `Mesh` over real WebRTC on loopback with a real signalling server over
//! WebSocket: links on demand between eight nodes, a node killed and
//! restarted, the server restarted at the same address, glare, dead links,
//! malformed frames and a signalling connection that goes quiet.

mod common;

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use common::key;
use futures_util::future::join_all;
use futures_util::{SinkExt, StreamExt};
use rtc_mesh::client::SignalClient;
use rtc_mesh::frame::{Channel, Frame, StreamId};
use rtc_mesh::link::{CloseCode, CloseReason, ClosedBy, Link};
use rtc_mesh::mesh::{Direction, Mesh, MeshConfig, MeshEvent, MeshInbox};
use rtc_mesh::native::{NativeConfig, NativeLink, dial};
use rtc_mesh::router::SignalRouter;
use rtc_mesh::server::{SignalServer, SignalServerConfig};
use rtc_mesh::signal::ErrorCode;
use rtc_mesh::signal::{ClientMessage, NONCE_LEN, Nonce, Realm, ServerMessage};
use rtc_mesh::{LinkError, MeshError, NativeError, PeerId};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// Every test ends within this, whatever happens on the network.
const TEST_TIMEOUT: Duration = Duration::from_secs(90);
/// Longest wait for any one expected event.
const EVENT_TIMEOUT: Duration = Duration::from_secs(20);

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_TIMEOUT, future)
        .await
        .expect("test timed out")
}

/// One mesh node and its queues.
struct Node {
    mesh: Mesh,
    inbox: MeshInbox,
}

impl Node {
    fn start(url: &str, realm: &Realm, seed: u8) -> Node {
        Node::start_with(url, realm, seed, MeshConfig::loopback())
    }

    fn start_with(url: &str, realm: &Realm, seed: u8, config: MeshConfig) -> Node {
        let (mesh, inbox) = Mesh::start(url, key(seed), realm.clone(), config);
        Node { mesh, inbox }
    }

    fn id(&self) -> PeerId {
        self.mesh.me()
    }

    /// Waits for the first event that `wanted` accepts, skipping others.
    async fn event(&mut self, what: &str, wanted: impl Fn(&MeshEvent) -> bool) -> MeshEvent {
        let wait = async {
            loop {
                match self.inbox.events.recv().await {
                    Some(event) if wanted(&event) => return event,
                    Some(_) => {}
                    None => panic!("{what}: the mesh stopped"),
                }
            }
        };
        tokio::time::timeout(EVENT_TIMEOUT, wait)
            .await
            .unwrap_or_else(|_| panic!("{what}: no such event in {EVENT_TIMEOUT:?}"))
    }
}

/// A signalling server on 127.0.0.1 (`port` 0 for any), its URL and realm.
async fn start_server(port: u16) -> (SignalServer, String, Realm) {
    let config = SignalServerConfig::default();
    let realm = config.realm.clone();
    let server = SignalServer::bind(([127, 0, 0, 1], port).into(), config)
        .await
        .expect("binds");
    let url = format!("ws://{}", server.local_addr());
    (server, url, realm)
}

/// `count` nodes, all registered.
async fn nodes(url: &str, realm: &Realm, count: u8) -> Vec<Node> {
    let nodes: Vec<Node> = (1..=count)
        .map(|seed| Node::start(url, realm, seed))
        .collect();
    for node in &nodes {
        node.mesh.registered().await.expect("registers");
    }
    nodes
}

/// Every node in `from` sends one onion cell and one stream message to
/// every node in `to` (other than itself) over `link`, and every receiver
/// gets exactly the ones meant for it.
async fn exchange(nodes: &mut [Node], from: &[usize], to: &[usize]) {
    let ids: Vec<PeerId> = nodes.iter().map(Node::id).collect();
    let pairs: Vec<(usize, usize)> = from
        .iter()
        .flat_map(|&i| to.iter().map(move |&j| (i, j)))
        .filter(|(i, j)| i != j)
        .collect();
    let sends = pairs.iter().map(|&(i, j)| {
        let mesh = &nodes[i].mesh;
        let peer = ids[j];
        async move {
            let link = mesh.link(peer).await.expect("links on demand");
            let tag = Bytes::from(vec![i as u8, j as u8]);
            link.send_onion(tag.clone()).await.expect("sends a cell");
            let stream = StreamId::new(i as u32 + 1).expect("non-zero");
            link.send_stream(stream, tag)
                .await
                .expect("sends stream data");
        }
    });
    join_all(sends).await;
    for (j, node) in nodes.iter_mut().enumerate() {
        let expected: BTreeSet<(PeerId, Vec<u8>)> = pairs
            .iter()
            .filter(|&&(_, to)| to == j)
            .map(|&(i, _)| (ids[i], vec![i as u8, j as u8]))
            .collect();
        let mut cells = BTreeSet::new();
        let mut streams = BTreeSet::new();
        for _ in 0..expected.len() {
            let cell = node.inbox.onion.recv().await.expect("a cell");
            cells.insert((cell.from, cell.cell.to_vec()));
            let data = node.inbox.streams.recv().await.expect("stream data");
            let sender = ids.iter().position(|id| *id == data.from).expect("a node");
            assert_eq!(data.stream.get(), sender as u32 + 1, "stream id kept");
            streams.insert((data.from, data.data.to_vec()));
        }
        assert_eq!(cells, expected, "cells at node {j}");
        assert_eq!(streams, expected, "stream data at node {j}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_nodes_link_on_demand_and_exchange_messages_on_every_pair() {
    within(async {
        let (_server, url, realm) = start_server(0).await;
        let mut nodes = nodes(&url, &realm, 8).await;
        let all: Vec<usize> = (0..nodes.len()).collect();
        exchange(&mut nodes, &all, &all).await;
        for node in &nodes {
            assert_eq!(node.mesh.neighbours().len(), 7);
        }
        // Both ends of a pair dialed on demand, yet every pair has one link.
        let dialed: u64 = nodes.iter().map(|n| n.mesh.stats().links_dialed).sum();
        let answered: u64 = nodes.iter().map(|n| n.mesh.stats().links_answered).sum();
        assert_eq!((dialed, answered), (28, 28));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_and_restarted_is_linked_again() {
    within(async {
        let (_server, url, realm) = start_server(0).await;
        let mut nodes = nodes(&url, &realm, 4).await;
        let all: Vec<usize> = (0..nodes.len()).collect();
        exchange(&mut nodes, &all, &all).await;

        let victim = nodes.pop().expect("four nodes");
        let victim_id = victim.id();
        drop(victim);
        for node in &mut nodes {
            let down = node
                .event(
                    "the link to the killed node drops",
                    |event| matches!(event, MeshEvent::LinkDown { peer, .. } if *peer == victim_id),
                )
                .await;
            assert!(
                matches!(
                    down,
                    MeshEvent::LinkDown {
                        reconnecting: true,
                        ..
                    }
                ),
                "{down:?}"
            );
        }

        // Same identity, new process state: the others restore their links.
        nodes.push(Node::start(&url, &realm, 4));
        let restarted = nodes.last_mut().expect("restarted");
        for _ in 0..3 {
            restarted
                .event("a survivor links to the restarted node", |event| {
                    matches!(
                        event,
                        MeshEvent::LinkUp {
                            direction: Direction::Answered,
                            ..
                        }
                    )
                })
                .await;
        }
        assert_eq!(restarted.mesh.neighbours().len(), 3);
        exchange(&mut nodes, &all, &[3]).await;
        exchange(&mut nodes, &[3], &all).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_re_register_after_the_server_restarts_and_new_links_form() {
    within(async {
        let (server, url, realm) = start_server(0).await;
        let port = server.local_addr().port();
        let mut nodes = nodes(&url, &realm, 4).await;
        exchange(&mut nodes, &[0], &[1]).await;

        server.shutdown().await;
        for node in &mut nodes {
            node.event("signalling drops", |e| *e == MeshEvent::SignallingLost)
                .await;
        }
        // Links do not need the server once they are up.
        exchange(&mut nodes, &[1], &[0]).await;

        let (_server, _, _) = start_server(port).await;
        for node in &mut nodes {
            node.event("re-registers", |e| *e == MeshEvent::Registered)
                .await;
            assert_eq!(node.mesh.stats().registrations, 2);
        }
        let all: Vec<usize> = (0..nodes.len()).collect();
        exchange(&mut nodes, &all, &all).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_dialing_resolves_to_one_link() {
    within(async {
        let (_server, url, realm) = start_server(0).await;
        // Several pairs, so the lower id dials first in some and second in
        // others.
        for (a, b) in [(1, 2), (4, 3), (5, 6), (8, 7)] {
            let mut alice = Node::start(&url, &realm, a);
            let mut bob = Node::start(&url, &realm, b);
            alice.mesh.registered().await.expect("registers");
            bob.mesh.registered().await.expect("registers");
            let (to_bob, to_alice) =
                tokio::join!(alice.mesh.link(bob.id()), bob.mesh.link(alice.id()));
            let (to_bob, to_alice) = (to_bob.expect("alice links"), to_alice.expect("bob links"));
            let (sa, sb) = (alice.mesh.stats(), bob.mesh.stats());
            assert_eq!(sa.links_dialed + sb.links_dialed, 1, "one offer won");
            assert_eq!(sa.links_answered + sb.links_answered, 1, "one answer");
            assert!(
                alice
                    .mesh
                    .existing(&bob.id())
                    .is_some_and(|l| l.same_link(&to_bob))
            );
            assert!(
                bob.mesh
                    .existing(&alice.id())
                    .is_some_and(|l| l.same_link(&to_alice))
            );

            to_bob
                .send_onion(Bytes::from_static(b"to bob"))
                .await
                .expect("sends");
            to_alice
                .send_onion(Bytes::from_static(b"to alice"))
                .await
                .expect("sends");
            let at_bob = bob.inbox.onion.recv().await.expect("a cell");
            let at_alice = alice.inbox.onion.recv().await.expect("a cell");
            assert_eq!(
                (at_bob.from, &at_bob.cell[..]),
                (alice.id(), &b"to bob"[..])
            );
            assert_eq!(
                (at_alice.from, &at_alice.cell[..]),
                (bob.id(), &b"to alice"[..])
            );
        }
    })
    .await;
}

/// A bare native link to `to`, dialed by identity `seed` without a mesh,
/// so the test decides everything that end sends. The router must outlive
/// the set-up.
async fn bare_link(url: &str, realm: &Realm, seed: u8, to: PeerId) -> (NativeLink, SignalRouter) {
    let client = SignalClient::connect(url, &key(seed), realm)
        .await
        .expect("registers");
    let (router, _) = SignalRouter::spawn(client);
    let mut signals = router.open(to);
    let link = dial(&NativeConfig::loopback(), &mut signals)
        .await
        .expect("the mesh answers");
    (link, router)
}

/// Reads `link` until it closes, checking that everything before the
/// close was a keepalive, and returns how many there were and why it closed.
async fn keepalives_until_closed(link: &NativeLink) -> (usize, CloseReason) {
    let mut keepalives = 0;
    loop {
        match link.recv().await {
            Ok(message) => {
                let frame = Frame::decode_message(message).expect("a frame");
                assert_eq!(frame.channel(), Channel::Control);
                assert!(frame.payload().is_empty(), "a keepalive is empty");
                keepalives += 1;
            }
            Err(LinkError::Closed {
                by: ClosedBy::Remote,
                reason,
            }) => return (keepalives, reason),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_hears_nothing_is_closed_as_dead_and_redialed() {
    within(async {
        let (_server, url, realm) = start_server(0).await;
        let config = MeshConfig {
            keepalive_interval: Duration::from_millis(50),
            dead_after: Duration::from_millis(400),
            ..MeshConfig::loopback()
        };
        let mut node = Node::start_with(&url, &realm, 1, config);
        node.mesh.registered().await.expect("registers");
        let silent = PeerId::from_verifying_key(&key(2).verifying_key());
        let (link, _router) = bare_link(&url, &realm, 2, node.id()).await;

        // The mesh sends keepalives; this end sends nothing back.
        let (keepalives, reason) = keepalives_until_closed(&link).await;
        assert!(keepalives >= 1, "keepalives before the close");
        assert_eq!(reason.code, CloseCode::DEAD);
        let down = node
            .event("the silent link drops", |e| {
                matches!(e, MeshEvent::LinkDown { .. })
            })
            .await;
        match down {
            MeshEvent::LinkDown {
                peer,
                reason: LinkError::Closed { by, reason },
                reconnecting,
            } => {
                assert_eq!(
                    (peer, by, reason.code),
                    (silent, ClosedBy::Local, CloseCode::DEAD)
                );
                assert!(reconnecting, "a dead link is worth restoring");
            }
            other => panic!("unexpected {other:?}"),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_frame_closes_the_link_as_a_protocol_error_for_good() {
    within(async {
        let (_server, url, realm) = start_server(0).await;
        let mut node = Node::start(&url, &realm, 1);
        node.mesh.registered().await.expect("registers");
        let (link, _router) = bare_link(&url, &realm, 2, node.id()).await;

        link.send(Bytes::from_static(&[0xff, 0, 0, 0, 0]))
            .await
            .expect("sends");
        let (_, reason) = keepalives_until_closed(&link).await;
        assert_eq!(reason.code, CloseCode::PROTOCOL_ERROR);
        let down = node
            .event("the bad link drops", |e| {
                matches!(e, MeshEvent::LinkDown { .. })
            })
            .await;
        assert!(
            matches!(
                down,
                MeshEvent::LinkDown {
                    reconnecting: false,
                    ..
                }
            ),
            "{down:?}"
        );
        assert!(node.mesh.neighbours().is_empty());
    })
    .await;
}

/// A signalling server that registers anyone without checking, then never
/// says another word; returns its URL.
async fn mute_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("ws://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(Message::Text(text))) = ws.next().await {
                    let reply = match ClientMessage::from_json(text.as_bytes()) {
                        Ok(ClientMessage::Register { .. }) => ServerMessage::Challenge {
                            nonce: Nonce([0; NONCE_LEN]),
                        },
                        Ok(ClientMessage::Authenticate { .. }) => ServerMessage::Registered {
                            peer: PeerId::from_verifying_key(&key(1).verifying_key()),
                        },
                        // Keepalives and everything else go unanswered.
                        _ => continue,
                    };
                    let json = reply.to_json().expect("encodes");
                    if ws.send(Message::text(json)).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signalling_connection_that_goes_quiet_is_dropped_and_dialed_again() {
    within(async {
        let url = mute_server().await;
        let config = MeshConfig {
            signalling_keepalive: Duration::from_millis(50),
            signalling_dead_after: Duration::from_millis(300),
            ..MeshConfig::loopback()
        };
        let realm = SignalServerConfig::default().realm;
        let mut node = Node::start_with(&url, &realm, 1, config);
        node.event("registers", |e| *e == MeshEvent::Registered)
            .await;
        node.event("notices the silence", |e| *e == MeshEvent::SignallingLost)
            .await;
        node.event("registers again", |e| *e == MeshEvent::Registered)
            .await;
        assert_eq!(node.mesh.stats().registrations, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_to_itself_or_to_an_unregistered_peer_are_refused() {
    within(async {
        let (_server, url, realm) = start_server(0).await;
        let node = Node::start(&url, &realm, 1);
        node.mesh.registered().await.expect("registers");
        assert!(matches!(
            node.mesh.link(node.id()).await,
            Err(MeshError::SelfLink)
        ));
        let nobody = PeerId::from_verifying_key(&key(9).verifying_key());
        match node.mesh.link(nobody).await {
            Err(MeshError::SetUp(error)) => assert!(
                matches!(
                    *error,
                    NativeError::Refused {
                        code: ErrorCode::UnknownPeer
                    }
                ),
                "{error}"
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(node.mesh.stats().set_up_failures, 1);
        assert!(node.mesh.existing(&nobody).is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_inbox_holds_messages_back_instead_of_dropping_them() {
    within(async {
        let (_server, url, realm) = start_server(0).await;
        let small = MeshConfig {
            inbox_capacity: 4,
            ..MeshConfig::loopback()
        };
        let sender = Node::start(&url, &realm, 1);
        let mut receiver = Node::start_with(&url, &realm, 2, small);
        receiver.mesh.registered().await.expect("registers");
        let link = sender.mesh.link(receiver.id()).await.expect("links");
        // Far more than the inbox holds, all sent before anything is read.
        let cells: Vec<Bytes> = (0..300u16)
            .map(|i| Bytes::from(i.to_be_bytes().to_vec()))
            .collect();
        for cell in &cells {
            link.send_onion(cell.clone()).await.expect("sends");
        }
        for cell in &cells {
            let got = receiver.inbox.onion.recv().await.expect("a cell");
            assert_eq!(&got.cell, cell, "every cell, in order");
        }
    })
    .await;
}
