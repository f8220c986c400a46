//! Helpers shared by the simulation tests: open a stream, move bytes
//! through it, look at events.

#![allow(dead_code)] // each test file uses its own subset

use onion_core::circuit::{CircuitHandle, CloseReason, Event};
use onion_core::sim::{EXIT_REQUEST, Sim};
use onion_core::{CircuitError, Error, MAX_RELAY_DATA, StreamId, Target};

/// Steps budget for anything a test waits for.
pub const STEPS: usize = 2_000_000;

/// A built circuit of client 0 through `hops` relays from the directory.
pub fn ready_circuit(sim: &mut Sim, hops: usize) -> (CircuitHandle, Vec<usize>) {
    let path = sim.path(0, hops).expect("a path");
    let indices = path
        .iter()
        .map(|hop| sim.relay_index(&hop.identity).expect("a simulated relay"))
        .collect();
    let circuit = sim.build_circuit(0, &path).expect("build starts");
    assert!(
        sim.run_until(STEPS, |sim| sim.is_ready(0, circuit)),
        "circuit not built: {:?}",
        sim.events(0)
    );
    (circuit, indices)
}

/// Opens a stream on `circuit` and waits for CONNECTED.
pub fn open_stream(sim: &mut Sim, circuit: CircuitHandle) -> StreamId {
    let target = Target::new("tracker.invalid", EXIT_REQUEST.port).expect("a valid target");
    let stream = sim
        .with_client(0, |client, now, _| {
            client.begin_stream(now, circuit, target)
        })
        .expect("BEGIN sent");
    let connected = |sim: &Sim| {
        sim.events(0)
            .iter()
            .any(|event| matches!(event, Event::StreamConnected { stream: s, .. } if *s == stream))
    };
    assert!(sim.run_until(STEPS, connected), "stream not connected");
    stream
}

/// Sends `data` on every stream (each stream its own copy) as fast as the
/// windows allow and collects what the echoing exit sends back, per
/// stream.
pub fn echo(
    sim: &mut Sim,
    circuit: CircuitHandle,
    streams: &[StreamId],
    data: &[u8],
) -> Vec<Vec<u8>> {
    let mut sent = vec![0usize; streams.len()];
    let mut received = vec![Vec::with_capacity(data.len()); streams.len()];
    for _ in 0..STEPS {
        for (index, stream) in streams.iter().enumerate() {
            while sent[index] < data.len() {
                let end = (sent[index] + MAX_RELAY_DATA).min(data.len());
                let chunk = &data[sent[index]..end];
                let result = sim.with_client(0, |client, now, _| {
                    client.send_data(now, circuit, *stream, chunk)
                });
                match result {
                    Ok(()) => sent[index] = end,
                    Err(Error::Circuit(CircuitError::WindowClosed { .. })) => break,
                    Err(error) => panic!("send failed: {error}"),
                }
            }
        }
        for event in sim.take_events(0) {
            match event {
                Event::StreamData { stream, data, .. } => {
                    let index = streams.iter().position(|s| *s == stream).expect("ours");
                    received[index].extend_from_slice(&data);
                }
                Event::CircuitClosed { reason, .. } => panic!("circuit closed: {reason:?}"),
                _ => {}
            }
        }
        if received.iter().all(|got| got.len() >= data.len()) || !sim.step() {
            break;
        }
    }
    received
}

/// Whether client 0 saw `circuit` close, and why.
pub fn close_reason(sim: &Sim, circuit: CircuitHandle) -> Option<CloseReason> {
    sim.events(0).iter().find_map(|event| match event {
        Event::CircuitClosed { circuit: c, reason } if *c == circuit => Some(*reason),
        _ => None,
    })
}

/// A deterministic byte pattern that shows any shift, loss or repeat.
pub fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ (i >> 8) as u8 ^ salt)
        .collect()
}
