//! onion-core relay CREATE processing, next to the baseline issue 3 names.
//!
//! - `relay_create/onion_core`: `OnionKeyring::accept_create` on a fresh
//!   CREATE: key lookup, replay filter, Noise NK responder with onion-core's
//!   resolver, key schedule into `HopKeys`.
//! - `relay_create/snow_default`: a bare snow NK responder with snow's default
//!   resolver on the same kind of message: build, read `-> e, es`, write
//!   `<- e, ee`.
//!
//! Both run in the same process; handshakes per second of both and their
//! ratio (goal: ≥ 0.9×) are then printed from interleaved rounds over the
//! same CREATEs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use onion_core::handshake::{NOISE_PROTOCOL, PROLOGUE};
use onion_core::{ClientHandshake, CreateBody, OnionKey, OnionKeyring, OnionSecret};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use snow::params::NoiseParams;

const RELAY_STATIC: [u8; 32] = [0x22; 32];
/// CREATEs per interleaved round, and rounds.
const ROUND: usize = 2000;
const ROUNDS: usize = 5;

fn create(onion_key: &OnionKey, rng: &mut ChaCha20Rng) -> CreateBody {
    ClientHandshake::start(onion_key, rng).expect("start").1
}

/// One handshake with a bare snow responder and snow's default resolver.
fn snow_respond(params: &NoiseParams, create: &CreateBody) -> [u8; 48] {
    let mut noise = snow::Builder::new(params.clone())
        .prologue(PROLOGUE)
        .and_then(|b| b.local_private_key(&RELAY_STATIC))
        .and_then(snow::Builder::build_responder)
        .expect("responder");
    noise
        .read_message(&create.handshake, &mut [])
        .expect("read");
    let mut reply = [0; 48];
    noise.write_message(&[], &mut reply).expect("write");
    reply
}

fn relay_create(c: &mut Criterion) {
    let params: NoiseParams = NOISE_PROTOCOL.parse().expect("params");
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut relay = OnionKeyring::new(OnionSecret::from_bytes(RELAY_STATIC));
    let onion_key = relay.current_key();

    let mut group = c.benchmark_group("relay_create");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    // Criterion calls each closure several times: the client RNG lives
    // outside it so every CREATE is new to the relay.
    let mut client_rng = ChaCha20Rng::seed_from_u64(4);
    group.bench_function("onion_core", |b| {
        b.iter_batched(
            || create(&onion_key, &mut client_rng),
            |create| black_box(relay.accept_create(&create, &mut rng).expect("accept")),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("snow_default", |b| {
        b.iter_batched(
            || create(&onion_key, &mut client_rng),
            |create| black_box(snow_respond(&params, &create)),
            BatchSize::SmallInput,
        );
    });
    group.finish();

    let mut ours = Duration::ZERO;
    let mut theirs = Duration::ZERO;
    for _ in 0..ROUNDS {
        let creates: Vec<_> = (0..ROUND).map(|_| create(&onion_key, &mut rng)).collect();
        let mut relay = OnionKeyring::new(OnionSecret::from_bytes(RELAY_STATIC));
        let start = Instant::now();
        for create in &creates {
            black_box(relay.accept_create(create, &mut rng).expect("accept"));
        }
        ours += start.elapsed();
        let start = Instant::now();
        for create in &creates {
            black_box(snow_respond(&params, create));
        }
        theirs += start.elapsed();
    }
    let per_second = |time: Duration| (ROUND * ROUNDS) as f64 / time.as_secs_f64();
    println!(
        "relay CREATE: onion-core {:.0}/s, snow default responder {:.0}/s, ratio {:.2}x (goal >= 0.9x)",
        per_second(ours),
        per_second(theirs),
        theirs.as_secs_f64() / ours.as_secs_f64(),
    );
}

criterion_group!(benches, relay_create);
criterion_main!(benches);
