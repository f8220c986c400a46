//! One rtc-mesh signalling server under load, next to the anchors issue 4
//! names (aquatic_ws ≈120k responses/s per core, bittorrent-tracker
//! ≈25–30k/s).
//!
//! 200 authenticated clients on loopback form 100 pairs; in each pair one
//! client sends offers and the other answers every offer, with a window of
//! offers in flight. The figure is messages forwarded by the server per
//! second (an offer or an answer each).
//!
//! The server runs on a runtime of its own with one worker thread, the
//! clients on another, so the server's CPU time can be read from its
//! threads alone: besides wall-clock messages/s the bench prints messages
//! per second of server CPU, the unit of the aquatic_ws anchor. On a shared
//! machine the wall-clock figure also moves with the clients and other load.
//!
//! The per-connection rate limit is lifted for this bench: at the default
//! 100 messages/s per connection, 100 offerers cap the server at 20k
//! forwarded messages/s whatever its capacity. Size limits, queue bounds
//! and authentication stay as they are by default.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use rtc_mesh::client::SignalClient;
use rtc_mesh::server::{RateLimit, SignalServer, SignalServerConfig};
use rtc_mesh::signal::{ClientMessage, Sdp, ServerMessage};
use tokio::runtime::Runtime;

const CLIENTS: usize = 200;
const PAIRS: usize = CLIENTS / 2;
/// Offers a pair keeps unanswered; well under the server's per-client
/// queue, so no message is refused as `peer_busy`.
const WINDOW: usize = 16;
/// Offers each pair exchanges per measured round.
const OFFERS_PER_ROUND: usize = 200;
/// Rounds behind the printed headline figure.
const HEADLINE_ROUNDS: usize = 5;

/// Name of the server runtime's threads, by which their CPU time is found.
const SERVER_THREAD: &str = "signal-server";

fn runtime(name: &str, workers: usize) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// CPU time (user + system) spent so far by this process's threads named
/// `name`, from `/proc/self/task/*/stat`.
fn thread_cpu_time(name: &str) -> Duration {
    // Clock ticks per second on Linux (USER_HZ).
    const TICKS_PER_SECOND: u64 = 100;
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task");
    let ticks: u64 = tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("stat")).ok())
        .filter_map(|stat| {
            // `pid (comm) state …`: comm may hold spaces, so split at the
            // last parenthesis; utime and stime are fields 14 and 15.
            let (head, rest) = stat.rsplit_once(')')?;
            if head.split_once('(')?.1 != name {
                return None;
            }
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
            Some(ticks(11)? + ticks(12)?)
        })
        .sum();
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

/// A loopback host-candidate offer of typical size (~600 bytes).
fn sdp() -> Sdp {
    let text = "v=0\r\no=- 4215775240449105457 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        a=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n\
        m=application 51234 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 127.0.0.1\r\n\
        a=candidate:1467250027 1 udp 2122260223 127.0.0.1 51234 typ host generation 0\r\n\
        a=ice-ufrag:Xs2b\r\na=ice-pwd:mS1wTAnqvRZ4Bzi1dCGgCJ8S\r\na=ice-options:trickle\r\n\
        a=fingerprint:sha-256 8C:71:B3:8D:A5:38:FD:8F:A4:2E:A2:65:6C:86:52:BC:E0:6E:94:F2:\
        9F:7C:4D:B5:DF:AF:AA:6F:44:90:8D:F4\r\na=setup:actpass\r\na=mid:0\r\n\
        a=sctp-port:5000\r\na=max-message-size:262144\r\n";
    Sdp::new(text.to_owned()).expect("short SDP")
}

/// Client `n`'s identity key.
fn key(n: usize) -> SigningKey {
    let mut seed = [0; 32];
    seed[..8].copy_from_slice(&(n as u64).to_le_bytes());
    SigningKey::from_bytes(&seed)
}

/// One offerer and its answerer, both registered.
struct Pair {
    offerer: SignalClient,
    answerer: SignalClient,
}

/// The server and its clients.
struct Load {
    server: SignalServer,
    pairs: Vec<Pair>,
}

/// Starts the server on `server_rt` and registers the clients from the
/// current runtime.
async fn load(server_rt: &Runtime) -> Load {
    let config = SignalServerConfig {
        rate: RateLimit {
            burst: u32::MAX,
            per_second: u32::MAX,
        },
        ..SignalServerConfig::default()
    };
    let realm = config.realm.clone();
    let server = server_rt
        .spawn(SignalServer::bind(
            "127.0.0.1:0".parse().expect("address"),
            config,
        ))
        .await
        .expect("bind task")
        .expect("binds");
    let url = format!("ws://{}", server.local_addr());
    let mut pairs = Vec::with_capacity(PAIRS);
    for n in 0..PAIRS {
        let offerer = SignalClient::connect(&url, &key(2 * n), &realm)
            .await
            .expect("offerer registers");
        let answerer = SignalClient::connect(&url, &key(2 * n + 1), &realm)
            .await
            .expect("answerer registers");
        pairs.push(Pair { offerer, answerer });
    }
    Load { server, pairs }
}

/// Sends `offers` offers keeping [`WINDOW`] unanswered, and waits for
/// every answer.
async fn offer(client: &mut SignalClient, to: rtc_mesh::PeerId, offers: usize, sdp: &Sdp) {
    let message = ClientMessage::Offer {
        to,
        sdp: sdp.clone(),
    };
    let mut sent = 0;
    while sent < offers.min(WINDOW) {
        client.send(&message).await.expect("offer sent");
        sent += 1;
    }
    for _ in 0..offers {
        match client.recv().await.expect("answer") {
            ServerMessage::Answer { from, .. } if from == to => {}
            other => panic!("expected an answer, got {other:?}"),
        }
        if sent < offers {
            client.send(&message).await.expect("offer sent");
            sent += 1;
        }
    }
}

/// Answers `offers` offers from `from`.
async fn answer(client: &mut SignalClient, from: rtc_mesh::PeerId, offers: usize, sdp: &Sdp) {
    let message = ClientMessage::Answer {
        to: from,
        sdp: sdp.clone(),
    };
    for _ in 0..offers {
        match client.recv().await.expect("offer") {
            ServerMessage::Offer { from: sender, .. } if sender == from => {}
            other => panic!("expected an offer, got {other:?}"),
        }
        client.send(&message).await.expect("answer sent");
    }
}

/// Every pair exchanges `offers` offers and answers at once; returns the
/// time taken and gives the pairs back.
async fn round(pairs: Vec<Pair>, offers: usize) -> (Duration, Vec<Pair>) {
    let started = Instant::now();
    let tasks: Vec<_> = pairs
        .into_iter()
        .map(|mut pair| {
            tokio::spawn(async move {
                let sdp = sdp();
                let (a, b) = (pair.offerer.peer(), pair.answerer.peer());
                tokio::join!(
                    offer(&mut pair.offerer, b, offers, &sdp),
                    answer(&mut pair.answerer, a, offers, &sdp),
                );
                pair
            })
        })
        .collect();
    let mut pairs = Vec::with_capacity(tasks.len());
    for task in tasks {
        pairs.push(task.await.expect("pair task"));
    }
    (started.elapsed(), pairs)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Messages the server forwards in one round.
fn forwarded_per_round(offers: usize) -> u64 {
    (PAIRS * offers * 2) as u64
}

fn signal_load(c: &mut Criterion) {
    let server_rt = runtime(SERVER_THREAD, 1);
    let rt = runtime("signal-clients", 2);
    let Load { server, mut pairs } = rt.block_on(load(&server_rt));

    let (mut rates, mut per_cpu) = (Vec::new(), Vec::new());
    for _ in 0..HEADLINE_ROUNDS {
        let cpu_before = thread_cpu_time(SERVER_THREAD);
        let (time, back) = rt.block_on(round(pairs, OFFERS_PER_ROUND));
        let cpu = thread_cpu_time(SERVER_THREAD).saturating_sub(cpu_before);
        pairs = back;
        let forwarded = forwarded_per_round(OFFERS_PER_ROUND) as f64;
        rates.push(forwarded / time.as_secs_f64());
        per_cpu.push(forwarded / cpu.as_secs_f64().max(1e-3));
    }
    let counters = server.counters();
    assert_eq!(
        counters.messages_forwarded,
        forwarded_per_round(OFFERS_PER_ROUND) * HEADLINE_ROUNDS as u64,
        "every message forwarded, none refused: {counters:?}"
    );
    assert_eq!(counters.rejected_total(), 0, "{counters:?}");
    println!(
        "rtc_mesh signalling load, {CLIENTS} clients in {PAIRS} pairs, median of {HEADLINE_ROUNDS} rounds × {} forwarded: {:.0} messages/s wall clock, {:.0} messages per second of server CPU (anchors: aquatic_ws ≈120k responses/s per core, bittorrent-tracker ≈25–30k/s)",
        forwarded_per_round(OFFERS_PER_ROUND),
        median(rates),
        median(per_cpu),
    );

    let mut group = c.benchmark_group("rtc_mesh_signal");
    group.sample_size(10);
    group.throughput(Throughput::Elements(forwarded_per_round(OFFERS_PER_ROUND)));
    group.bench_function("forward_200_clients", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let (time, back) = rt.block_on(round(std::mem::take(&mut pairs), OFFERS_PER_ROUND));
                pairs = back;
                total += time;
            }
            total
        });
    });
    group.finish();
    server_rt.block_on(server.shutdown());
}

criterion_group!(benches, signal_load);
criterion_main!(benches);
