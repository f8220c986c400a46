//! rtc-mesh native links on loopback, next to the baselines issue 4 names.
//!
//! - `link_setup`: signalling through a real server over WebSocket, then
//!   ICE, DTLS, SCTP and the channel open, until both ends can send. The
//!   p50/p95 over 50 set-ups is printed (goal: p50 ≤ 20 ms; webrtc 0.21's
//!   default set-up idles about 600 ms).
//! - `throughput`: one link moving 16 KiB messages one way, against a bare
//!   webrtc 0.21 data channel with the same SCTP window and send-buffer
//!   limit, measured in the same run (goal: ≥ 0.9×). MB/s of both and their
//!   ratio are printed from interleaved rounds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use rtc_mesh::client::SignalClient;
use rtc_mesh::link::Link;
use rtc_mesh::native::{NativeConfig, NativeLink, answer, dial};
use rtc_mesh::router::{RouterEvent, SignalRouter};
use rtc_mesh::server::{RateLimit, SignalServer, SignalServerConfig};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCIceGatheringState,
    RTCSessionDescription, SettingEngineBuilder,
};

const SETUPS: usize = 50;
const MESSAGE: usize = 16 * 1024;
/// Bytes per throughput round.
const ROUND: usize = 32 * 1024 * 1024;
const ROUNDS: usize = 5;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Two registered signalling routers on a loopback server.
struct Signalling {
    _server: SignalServer,
    alice: SignalRouter,
    bob: SignalRouter,
    bob_events: mpsc::Receiver<RouterEvent>,
}

async fn signalling() -> Signalling {
    // Criterion sets up dozens of links a second between the same two
    // peers, each an offer or answer plus candidates: far beyond the default
    // per-connection rate limit (a burst of 200, then 100 messages/s), which
    // would refuse signalling mid-run. This bench times set-up, not the limit.
    let config = SignalServerConfig {
        rate: RateLimit {
            burst: u32::MAX,
            per_second: u32::MAX,
        },
        ..SignalServerConfig::default()
    };
    let realm = config.realm.clone();
    let server = SignalServer::bind("127.0.0.1:0".parse().expect("address"), config)
        .await
        .expect("binds");
    let url = format!("ws://{}", server.local_addr());
    let connect = |n: u8| {
        let (url, realm) = (url.clone(), realm.clone());
        async move {
            let client = SignalClient::connect(&url, &SigningKey::from_bytes(&[n; 32]), &realm)
                .await
                .expect("registers");
            SignalRouter::spawn(client)
        }
    };
    let (alice, _) = connect(1).await;
    let (bob, bob_events) = connect(2).await;
    Signalling {
        _server: server,
        alice,
        bob,
        bob_events,
    }
}

/// One link set-up, timed from the first offer to both ends open.
async fn link(s: &mut Signalling, config: &NativeConfig) -> (Duration, NativeLink, NativeLink) {
    let started = Instant::now();
    let mut to_bob = s.alice.open(s.bob.me());
    let (bob, events) = (&s.bob, &mut s.bob_events);
    let answering = async {
        loop {
            if let Some(RouterEvent::Offer { from, sdp }) = events.recv().await {
                let mut to_alice = bob.open(from);
                break answer(config, sdp, &mut to_alice).await;
            }
        }
    };
    let (a, b) = tokio::join!(dial(config, &mut to_bob), answering);
    let elapsed = started.elapsed();
    (elapsed, a.expect("dials"), b.expect("answers"))
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn link_setup(c: &mut Criterion) {
    let rt = runtime();
    let config = NativeConfig::loopback();
    let mut s = rt.block_on(signalling());
    let mut times: Vec<Duration> = (0..SETUPS)
        .map(|_| rt.block_on(async { link(&mut s, &config).await.0 }))
        .collect();
    times.sort();
    println!(
        "rtc_mesh link set-up over {SETUPS} links: p50 {:.2} ms, p95 {:.2} ms (max {:.2} ms)",
        percentile(&times, 50).as_secs_f64() * 1e3,
        percentile(&times, 95).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
    let mut group = c.benchmark_group("rtc_mesh");
    group.sample_size(10);
    group.bench_function("link_setup", |b| {
        b.iter_custom(|iterations| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    total += link(&mut s, &config).await.0;
                }
                total
            })
        });
    });
    group.finish();
}

/// Moves `bytes` from `a` to `b` over a link; returns the time taken.
async fn link_round(a: &NativeLink, b: &NativeLink, bytes: usize) -> Duration {
    let message = Bytes::from(vec![0x5a; MESSAGE]);
    let started = Instant::now();
    let send = async {
        for _ in 0..bytes / MESSAGE {
            a.send(message.clone()).await.expect("sends");
        }
    };
    let receive = async {
        let mut got = 0;
        while got < bytes / MESSAGE * MESSAGE {
            got += b.recv().await.expect("receives").len();
        }
    };
    tokio::join!(send, receive);
    started.elapsed()
}

/// Signals the bare answerer's gathering and its in-band channel.
struct BareHandler {
    gathered: mpsc::UnboundedSender<()>,
    channels: mpsc::UnboundedSender<Arc<dyn DataChannel>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for BareHandler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.gathered.send(());
        }
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        let _ = self.channels.send(channel);
    }
}

/// A bare webrtc 0.21 pair as its examples build one: full-gathering
/// offer/answer in process, one in-band (DCEP) channel, with the same SCTP
/// window and send-buffer limit the link uses.
struct Bare {
    _pcs: (Box<dyn PeerConnection>, Box<dyn PeerConnection>),
    sender: Arc<dyn DataChannel>,
    receiver: Arc<dyn DataChannel>,
}

async fn bare_peer(
    config: &NativeConfig,
) -> (
    Box<dyn PeerConnection>,
    mpsc::UnboundedReceiver<()>,
    mpsc::UnboundedReceiver<Arc<dyn DataChannel>>,
) {
    let (gathered, gathered_rx) = mpsc::unbounded_channel();
    let (channels, channels_rx) = mpsc::unbounded_channel();
    let settings = SettingEngineBuilder::new()
        .with_sctp_max_receive_buffer_size(config.sctp_receive_window)
        .build();
    let pc = PeerConnectionBuilder::new()
        .with_setting_engine(settings)
        .with_handler(Arc::new(BareHandler { gathered, channels }))
        .with_udp_addrs(config.udp_addrs.clone())
        .with_data_channel_send_buffer_limit(config.send_buffer)
        .build()
        .await
        .expect("bare peer connection");
    (Box::new(pc), gathered_rx, channels_rx)
}

/// Sets `description` as local and returns it once gathering completes.
async fn gathered(
    pc: &dyn PeerConnection,
    description: RTCSessionDescription,
    complete: &mut mpsc::UnboundedReceiver<()>,
) -> RTCSessionDescription {
    pc.set_local_description(description).await.expect("local");
    complete.recv().await;
    pc.local_description().await.expect("local description")
}

async fn bare(config: &NativeConfig) -> Bare {
    let (offerer, mut offerer_gathered, _) = bare_peer(config).await;
    let (answerer, mut answerer_gathered, mut channels) = bare_peer(config).await;
    let sender = offerer
        .create_data_channel("bare", None)
        .await
        .expect("channel");
    let offer = offerer.create_offer(None).await.expect("offer");
    let offer = gathered(&*offerer, offer, &mut offerer_gathered).await;
    answerer
        .set_remote_description(offer)
        .await
        .expect("remote");
    let answer = answerer.create_answer(None).await.expect("answer");
    let answer = gathered(&*answerer, answer, &mut answerer_gathered).await;
    offerer
        .set_remote_description(answer)
        .await
        .expect("remote");
    while !matches!(sender.poll().await, Some(DataChannelEvent::OnOpen)) {}
    let receiver = channels.recv().await.expect("in-band channel");
    Bare {
        _pcs: (offerer, answerer),
        sender,
        receiver,
    }
}

/// Moves `bytes` over the bare channel; returns the time taken.
async fn bare_round(bare: &Bare, bytes: usize) -> Duration {
    let message = BytesMut::from(&[0x5a; MESSAGE][..]);
    let started = Instant::now();
    let send = async {
        for _ in 0..bytes / MESSAGE {
            bare.sender.send(message.clone()).await.expect("sends");
        }
    };
    let receive = async {
        let mut got = 0;
        while got < bytes / MESSAGE * MESSAGE {
            if let Some(DataChannelEvent::OnMessage(message)) = bare.receiver.poll().await {
                got += message.data.len();
            }
        }
    };
    tokio::join!(send, receive);
    started.elapsed()
}

fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e6
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn throughput(c: &mut Criterion) {
    let rt = runtime();
    let config = NativeConfig::loopback();
    let mut s = rt.block_on(signalling());
    let (_, a, b) = rt.block_on(link(&mut s, &config));
    let bare = rt.block_on(bare(&config));
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ours.push(mb_per_s(ROUND, rt.block_on(link_round(&a, &b, ROUND))));
        theirs.push(mb_per_s(ROUND, rt.block_on(bare_round(&bare, ROUND))));
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "rtc_mesh throughput, {} KiB messages, median of {ROUNDS} × {} MiB: link {ours:.0} MB/s, bare webrtc {theirs:.0} MB/s, ratio {:.2}",
        MESSAGE / 1024,
        ROUND / (1024 * 1024),
        ours / theirs
    );
    let mut group = c.benchmark_group("rtc_mesh_throughput");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Bytes((ROUND / 4) as u64));
    group.bench_function("link", |bench| {
        bench.iter_custom(|n| {
            (0..n)
                .map(|_| rt.block_on(link_round(&a, &b, ROUND / 4)))
                .sum()
        });
    });
    group.bench_function("bare_webrtc", |bench| {
        bench.iter_custom(|n| {
            (0..n)
                .map(|_| rt.block_on(bare_round(&bare, ROUND / 4)))
                .sum()
        });
    });
    group.finish();
}

criterion_group!(benches, link_setup, throughput);
criterion_main!(benches);
