//! Random operation sequences against clients and relays in the
//! simulation, with random faults: nothing panics, and no stream ever
//! delivers bytes other than a prefix of what was sent.

mod support;

use core::time::Duration;
use std::collections::HashMap;

use onion_core::circuit::{CircuitHandle, Event};
use onion_core::sim::{Faults, NodeId, Sim, SimConfig, Verdict};
use onion_core::{EndReason, StreamId, Target};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Build { hops: usize },
    Begin { circuit: usize },
    Send { stream: usize, len: usize },
    End { stream: usize },
    Destroy { circuit: usize },
    Step { steps: usize },
    Advance { secs: u64 },
    Faults { loss: u8, reorder: u8 },
    Tamper { node: usize, verdict: u8 },
    CloseLink { a: usize, b: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (1usize..=5).prop_map(|hops| Op::Build { hops }),
        3 => any::<usize>().prop_map(|circuit| Op::Begin { circuit }),
        10 => (any::<usize>(), 1usize..=onion_core::MAX_RELAY_DATA)
            .prop_map(|(stream, len)| Op::Send { stream, len }),
        1 => any::<usize>().prop_map(|stream| Op::End { stream }),
        1 => any::<usize>().prop_map(|circuit| Op::Destroy { circuit }),
        3 => (1usize..400).prop_map(|steps| Op::Step { steps }),
        1 => (0u64..200).prop_map(|secs| Op::Advance { secs }),
        1 => (0u8..5, 0u8..5).prop_map(|(loss, reorder)| Op::Faults { loss, reorder }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(node, verdict)| Op::Tamper { node, verdict }),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::CloseLink { a, b }),
    ]
}

/// What the test has opened and sent, to check what comes back.
#[derive(Default)]
struct Book {
    circuits: Vec<CircuitHandle>,
    streams: Vec<(CircuitHandle, StreamId)>,
    sent: HashMap<(CircuitHandle, StreamId), Vec<u8>>,
    received: HashMap<(CircuitHandle, StreamId), Vec<u8>>,
}

fn pick<T: Copy>(items: &[T], index: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[index % items.len()])
}

fn apply(sim: &mut Sim, book: &mut Book, op: Op) {
    let target = Target::new("tracker.invalid", 6969).expect("a valid target");
    match op {
        Op::Build { hops } => {
            if let Ok(path) = sim.path(0, hops.max(2)) {
                let path = &path[..hops.min(path.len())];
                if let Ok(circuit) = sim.build_circuit(0, path) {
                    book.circuits.push(circuit);
                    // Give the build its round trips, so later operations
                    // meet open circuits too.
                    sim.run_until(20_000, |sim| {
                        sim.events(0).iter().any(|event| match event {
                            Event::CircuitReady { circuit: c } => *c == circuit,
                            Event::CircuitClosed { circuit: c, .. } => *c == circuit,
                            _ => false,
                        })
                    });
                }
            }
        }
        Op::Begin { circuit } => {
            if let Some(circuit) = pick(&book.circuits, circuit)
                && let Ok(stream) = sim.with_client(0, |client, now, _| {
                    client.begin_stream(now, circuit, target)
                })
            {
                book.streams.push((circuit, stream));
                sim.run(2_000);
            }
        }
        Op::Send { stream, len } => {
            if let Some((circuit, stream)) = pick(&book.streams, stream) {
                let sent = book.sent.entry((circuit, stream)).or_default();
                let data: Vec<u8> = (0..len).map(|i| (sent.len() + i) as u8).collect();
                if sim
                    .with_client(0, |client, now, _| {
                        client.send_data(now, circuit, stream, &data)
                    })
                    .is_ok()
                {
                    sent.extend_from_slice(&data);
                }
            }
        }
        Op::End { stream } => {
            if let Some((circuit, stream)) = pick(&book.streams, stream) {
                let _ = sim.with_client(0, |client, now, _| {
                    client.end_stream(now, circuit, stream, EndReason::DONE)
                });
            }
        }
        Op::Destroy { circuit } => {
            if let Some(circuit) = pick(&book.circuits, circuit) {
                let _ = sim.with_client(0, |client, _, _| {
                    client.destroy(circuit);
                    Ok(())
                });
            }
        }
        Op::Step { steps } => {
            sim.run(steps);
        }
        Op::Advance { secs } => {
            let at = sim.now() + Duration::from_secs(secs);
            sim.advance_to(at, 100_000);
        }
        Op::Faults { loss, reorder } => sim.set_faults(Faults {
            loss: f64::from(loss) / 100.0,
            reorder: f64::from(reorder) / 100.0,
        }),
        Op::Tamper { node, verdict } => {
            let relays = sim.relays().len();
            let to = if node % (relays + 1) == relays {
                NodeId::Client(0)
            } else {
                NodeId::Relay(node % (relays + 1))
            };
            let mut armed = true;
            sim.set_tap(Box::new(move |delivery| {
                if delivery.to != to || !std::mem::take(&mut armed) {
                    return Verdict::Deliver;
                }
                match verdict % 3 {
                    0 => {
                        let byte = 5 + usize::from(verdict) % 512;
                        delivery.cell[byte] ^= 0x10;
                        Verdict::Deliver
                    }
                    1 => Verdict::Drop,
                    _ => Verdict::Replay,
                }
            }));
        }
        Op::CloseLink { a, b } => {
            let relays = sim.relays().len();
            let node = |i: usize| {
                if i % (relays + 1) == relays {
                    NodeId::Client(0)
                } else {
                    NodeId::Relay(i % (relays + 1))
                }
            };
            sim.close_link(node(a), node(b));
        }
    }
    for event in sim.take_events(0) {
        if let Event::StreamData {
            circuit,
            stream,
            data,
        } = event
        {
            book.received
                .entry((circuit, stream))
                .or_default()
                .extend_from_slice(&data);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_operations_never_panic_or_deliver_foreign_bytes(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let mut sim = Sim::new(SimConfig::default(), seed);
        let mut book = Book::default();
        for op in ops {
            apply(&mut sim, &mut book, op);
        }
        sim.run(200_000);
        apply(&mut sim, &mut book, Op::Step { steps: 0 });
        for (key, received) in &book.received {
            let sent = book.sent.get(key).map_or(&[][..], Vec::as_slice);
            prop_assert!(sent.starts_with(received), "stream {key:?} echoed bytes it was never sent");
        }
        for relay in sim.relays() {
            prop_assert_eq!(relay.relay.queued_outputs(), 0);
        }
    }
}
