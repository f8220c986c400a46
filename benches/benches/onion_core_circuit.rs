//! A client building a 3-hop circuit in onion-core's simulation, no
//! network: three Noise NK handshakes on each side, two EXTENDs through
//! the layer crypto, and the simulation's own bookkeeping. Goal: under
//! 1 ms of CPU per circuit.
//!
//! - `circuit_build/sim_3_hops`: each iteration builds one circuit along
//!   the same path and runs the simulation until the client reports it
//!   ready; the circuit is destroyed outside the timed part, so relays do
//!   not accumulate state.
//! - `circuit_build/bare_3_handshakes`: the three hop handshakes alone
//!   (`ClientHandshake::start`, `OnionKeyring::accept_create`,
//!   `ClientHandshake::finish`), so the gap between the two is what the
//!   state machines and the simulation add.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use onion_core::circuit::Event;
use onion_core::sim::{Sim, SimConfig};
use onion_core::{ClientHandshake, OnionKeyring, OnionSecret};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// Simulation steps a build may take: 3 round trips and a few cells each.
const STEPS: usize = 10_000;

fn build_three_hops(c: &mut Criterion) {
    let mut sim = Sim::new(SimConfig::default(), 1);
    let path = sim.path(0, 3).expect("a path");
    let mut group = c.benchmark_group("circuit_build");
    group.bench_function("sim_3_hops", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                let start = Instant::now();
                let circuit = sim
                    .build_circuit(0, black_box(&path))
                    .expect("build starts");
                let ready = sim.run_until(STEPS, |sim| sim.is_ready(0, circuit));
                spent += start.elapsed();
                assert!(ready, "the circuit was not built");
                let _ = sim.with_client(0, |client, _, _| {
                    client.destroy(circuit);
                    Ok(())
                });
                sim.run(STEPS);
                let events = sim.take_events(0);
                assert!(
                    events
                        .iter()
                        .any(|event| matches!(event, Event::CircuitClosed { .. }))
                );
            }
            spent
        });
    });

    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut relays: Vec<OnionKeyring> = (0..3)
        .map(|_| OnionKeyring::new(OnionSecret::generate(&mut rng)))
        .collect();
    group.bench_function("bare_3_handshakes", |b| {
        b.iter(|| {
            for relay in &mut relays {
                let (client, create) =
                    ClientHandshake::start(&relay.current_key(), &mut rng).expect("start");
                let (created, _) = relay.accept_create(&create, &mut rng).expect("accept");
                black_box(client.finish(&created).expect("finish"));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, build_three_hops);
criterion_main!(benches);
