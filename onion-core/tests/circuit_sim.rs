//! Client and relay state machines together in the deterministic
//! simulation: building, streams, flow control, timeouts, teardown.

mod support;

use core::time::Duration;
use std::cell::RefCell;
use std::rc::Rc;

use onion_core::circuit::{CloseReason, Event};
use onion_core::flow::{CIRCUIT_WINDOW, STREAM_WINDOW};
use onion_core::sim::{Delivery, Faults, NodeId, Sim, SimConfig, Verdict};
use onion_core::{CellCommand, CircuitError, DestroyReason, EndReason, Error};
use support::{STEPS, close_reason, echo, open_stream, pattern, ready_circuit};

fn sim(seed: u64) -> Sim {
    Sim::new(SimConfig::default(), Sim::seed_from_env(seed))
}

fn is_relay_cell(delivery: &Delivery) -> bool {
    delivery.cell[4] == CellCommand::RELAY.0
}

#[test]
fn a_three_hop_circuit_carries_a_stream_end_to_end() {
    let mut sim = sim(1);
    let (circuit, path) = ready_circuit(&mut sim, 3);
    let stream = open_stream(&mut sim, circuit);
    let data = pattern(64 * 1024, 1);
    let back = echo(&mut sim, circuit, &[stream], &data);
    assert!(back[0] == data, "echo differs from what was sent");
    let exit = &sim.relay(path[2]).expect("exit").endpoint;
    assert_eq!(exit.received.values().sum::<usize>(), data.len());
    // The middle and the guard only forward.
    for hop in &path[..2] {
        assert!(sim.relay(*hop).expect("relay").endpoint.received.is_empty());
    }
}

#[test]
fn three_and_five_hop_circuits_carry_ten_mebibytes_each_way_across_several_streams() {
    for hops in [3, 5] {
        let mut sim = sim(2 + hops as u64);
        let (circuit, _) = ready_circuit(&mut sim, hops);
        let streams: Vec<_> = (0..4).map(|_| open_stream(&mut sim, circuit)).collect();
        // 4 streams × 2.5 MiB = 10 MiB out, and the echo brings 10 MiB back.
        let data = pattern(10 * 1024 * 1024 / 4, hops as u8);
        let back = echo(&mut sim, circuit, &streams, &data);
        for got in back {
            assert!(
                got == data,
                "{hops}-hop echo differs ({} of {} bytes)",
                got.len(),
                data.len()
            );
        }
    }
}

/// Flips one bit of the first RELAY cell that `to` receives after `armed`
/// is set.
fn flip_one_bit(sim: &mut Sim, to: NodeId, bit: usize) -> Rc<RefCell<bool>> {
    let armed = Rc::new(RefCell::new(false));
    let trigger = Rc::clone(&armed);
    sim.set_tap(Box::new(move |delivery| {
        if delivery.to == to && is_relay_cell(delivery) && trigger.replace(false) {
            let byte = 5 + (bit / 8) % 512;
            delivery.cell[byte] ^= 1 << (bit % 8);
        }
        Verdict::Deliver
    }));
    armed
}

#[test]
fn a_bit_flipped_on_the_way_to_any_hop_tears_the_circuit_down_at_both_ends() {
    for hop in 0..3 {
        for bit in [0, 200, 4095] {
            let mut sim = sim(10 + hop as u64);
            let (circuit, path) = ready_circuit(&mut sim, 3);
            let stream = open_stream(&mut sim, circuit);
            let armed = flip_one_bit(&mut sim, NodeId::Relay(path[hop]), bit);
            *armed.borrow_mut() = true;
            sim.with_client(0, |client, now, _| {
                client.send_data(now, circuit, stream, b"x")
            })
            .expect("sent");
            sim.run(STEPS);
            assert!(!*armed.borrow(), "the tap never fired");
            assert_eq!(
                close_reason(&sim, circuit),
                Some(CloseReason::Destroyed(DestroyReason::PROTOCOL)),
                "hop {hop} bit {bit}"
            );
            for relay in &path {
                assert_eq!(sim.relay(*relay).expect("relay").relay.circuits(), 0);
            }
            let exit = &sim.relay(path[2]).expect("exit").endpoint;
            assert_eq!(
                exit.received.values().sum::<usize>(),
                0,
                "tampered data delivered"
            );
            assert_eq!(exit.closed_circuits, 1);
        }
    }
}

#[test]
fn a_bit_flipped_on_the_way_back_is_caught_by_the_client_and_destroys_every_hop() {
    let mut sim = sim(20);
    let (circuit, path) = ready_circuit(&mut sim, 3);
    let stream = open_stream(&mut sim, circuit);
    let armed = flip_one_bit(&mut sim, NodeId::Client(0), 1234);
    *armed.borrow_mut() = true;
    sim.with_client(0, |client, now, _| {
        client.send_data(now, circuit, stream, b"ping")
    })
    .expect("sent");
    sim.run(STEPS);
    assert_eq!(close_reason(&sim, circuit), Some(CloseReason::Integrity));
    assert!(
        !sim.events(0)
            .iter()
            .any(|event| matches!(event, Event::StreamData { .. })),
        "tampered data delivered"
    );
    for relay in &path {
        assert_eq!(sim.relay(*relay).expect("relay").relay.circuits(), 0);
    }
}

#[test]
fn a_replayed_relay_cell_is_rejected_and_the_circuit_destroyed() {
    for hop in 0..3 {
        let mut sim = sim(30 + hop as u64);
        let (circuit, path) = ready_circuit(&mut sim, 3);
        let stream = open_stream(&mut sim, circuit);
        let to = NodeId::Relay(path[hop]);
        let armed = Rc::new(RefCell::new(true));
        let trigger = Rc::clone(&armed);
        sim.set_tap(Box::new(move |delivery| {
            if delivery.to == to && is_relay_cell(delivery) && trigger.replace(false) {
                Verdict::Replay
            } else {
                Verdict::Deliver
            }
        }));
        sim.with_client(0, |client, now, _| {
            client.send_data(now, circuit, stream, b"once")
        })
        .expect("sent");
        sim.run(STEPS);
        assert!(!*armed.borrow(), "the tap never fired");
        assert!(
            close_reason(&sim, circuit).is_some(),
            "replay at hop {hop} accepted"
        );
        let exit = &sim.relay(path[2]).expect("exit").endpoint;
        assert!(
            exit.received.values().sum::<usize>() <= 4,
            "replayed data delivered twice"
        );
        for relay in &path {
            assert_eq!(sim.relay(*relay).expect("relay").relay.circuits(), 0);
        }
    }
}

/// Pearson's chi-square of byte counts against uniform.
fn chi_square_uniform(counts: &[u64; 256]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / 256.0;
    counts
        .iter()
        .map(|&count| (count as f64 - expected).powi(2) / expected)
        .sum()
}

/// Chi-square homogeneity of several byte histograms.
fn chi_square_homogeneity(tables: &[[u64; 256]]) -> f64 {
    let grand: u64 = tables.iter().flatten().sum();
    let mut chi = 0.0;
    for value in 0..256 {
        let column: u64 = tables.iter().map(|table| table[value]).sum();
        for table in tables {
            let row: u64 = table.iter().sum();
            let expected = row as f64 * column as f64 / grand as f64;
            if expected > 0.0 {
                chi += (table[value] as f64 - expected).powi(2) / expected;
            }
        }
    }
    chi
}

#[test]
fn every_cell_a_relay_sees_has_one_size_and_hops_see_indistinguishable_bytes() {
    let mut sim = sim(40);
    let histograms = Rc::new(RefCell::new([[0u64; 256]; 3]));
    let mut sizes = std::collections::BTreeSet::new();
    let (circuit, path) = ready_circuit(&mut sim, 3);
    let stream = open_stream(&mut sim, circuit);
    let seen = Rc::clone(&histograms);
    let (sizes_seen, hops) = (Rc::new(RefCell::new(Vec::new())), path.clone());
    let sizes_tap = Rc::clone(&sizes_seen);
    sim.set_tap(Box::new(move |delivery| {
        sizes_tap.borrow_mut().push(delivery.cell.len());
        let hop = hops
            .iter()
            .position(|relay| delivery.to == NodeId::Relay(*relay));
        if let (Some(hop), true) = (hop, is_relay_cell(delivery)) {
            for &byte in &delivery.cell[5..] {
                seen.borrow_mut()[hop][usize::from(byte)] += 1;
            }
        }
        Verdict::Deliver
    }));
    // Low-entropy traffic: one-byte DATA cells of zeros (the rest of each
    // message area is zero padding), SENDMEs, and the echo.
    let zeros = vec![0u8; 1];
    for _ in 0..1500 {
        let _ = sim.with_client(0, |client, now, _| {
            client.send_data(now, circuit, stream, &zeros)
        });
        sim.run(50);
    }
    sim.with_client(0, |client, now, _| {
        client.end_stream(now, circuit, stream, EndReason::DONE)
    })
    .expect("END sent");
    sim.run(STEPS);
    sizes.extend(sizes_seen.borrow().iter().copied());
    assert_eq!(
        sizes.into_iter().collect::<Vec<_>>(),
        vec![onion_core::CELL_LEN]
    );
    let histograms = histograms.borrow();
    for (hop, histogram) in histograms.iter().enumerate() {
        let total: u64 = histogram.iter().sum();
        assert!(total > 500_000, "hop {hop} saw only {total} bytes");
        let chi = chi_square_uniform(histogram);
        // 255 degrees of freedom: P(chi2 > 340) < 0.03 %.
        assert!(
            chi < 340.0,
            "hop {hop} bytes are not uniform: chi2 = {chi:.1}"
        );
    }
    // 510 degrees of freedom: P(chi2 > 630) < 0.03 %.
    let chi = chi_square_homogeneity(&histograms[..]);
    assert!(
        chi < 630.0,
        "hops see different distributions: chi2 = {chi:.1}"
    );
}

#[test]
fn a_client_never_sends_beyond_the_stream_or_circuit_window() {
    let mut sim = sim(50);
    let (circuit, _) = ready_circuit(&mut sim, 3);
    let streams: Vec<_> = (0..3).map(|_| open_stream(&mut sim, circuit)).collect();
    let mut accepted = vec![0usize; streams.len()];
    for (index, stream) in streams.iter().enumerate() {
        for _ in 0..2 * usize::from(STREAM_WINDOW) {
            let sent = sim.with_client(0, |client, now, _| {
                client.send_data(now, circuit, *stream, b"window")
            });
            match sent {
                Ok(()) => accepted[index] += 1,
                Err(Error::Circuit(CircuitError::WindowClosed { .. })) => break,
                Err(error) => panic!("{error}"),
            }
        }
    }
    // Without any step no SENDME can have come back.
    let window = usize::from(STREAM_WINDOW);
    assert_eq!(
        accepted,
        vec![window, usize::from(CIRCUIT_WINDOW) - window, 0]
    );
    // Once the exit's SENDMEs arrive the client may send again.
    let writable = |sim: &Sim| {
        sim.events(0)
            .iter()
            .any(|event| matches!(event, Event::StreamWritable { .. }))
    };
    assert!(sim.run_until(STEPS, writable));
}

#[test]
fn an_exit_never_sends_beyond_the_stream_window() {
    let mut sim = sim(51);
    let (circuit, path) = ready_circuit(&mut sim, 3);
    let stream = open_stream(&mut sim, circuit);
    sim.with_client(0, |client, now, _| {
        client.send_data(now, circuit, stream, b"k")
    })
    .expect("sent");
    sim.run(STEPS);
    // From now on nothing the client sends arrives: no SENDME reaches the
    // exit, so only its window bounds what it sends.
    sim.set_tap(Box::new(|delivery| match delivery.from {
        NodeId::Client(_) => Verdict::Drop,
        NodeId::Relay(_) => Verdict::Deliver,
    }));
    let exit = path[2];
    let (exit_circuit, exit_stream) = *sim
        .relay(exit)
        .expect("exit")
        .endpoint
        .received
        .keys()
        .next()
        .expect("the exit saw the stream");
    let mut accepted = 0;
    for _ in 0..2 * usize::from(STREAM_WINDOW) {
        match sim.with_relay(exit, |relay, _| {
            relay.send_data(exit_circuit, exit_stream, b"w")
        }) {
            Ok(()) => accepted += 1,
            Err(Error::Circuit(CircuitError::WindowClosed { .. })) => break,
            Err(error) => panic!("{error}"),
        }
    }
    sim.run(STEPS);
    // The echo of "k" used one cell of the window.
    assert_eq!(accepted + 1, usize::from(STREAM_WINDOW));
    let data_events = sim
        .events(0)
        .iter()
        .filter(|event| matches!(event, Event::StreamData { .. }))
        .count();
    assert_eq!(data_events, usize::from(STREAM_WINDOW));
}

#[test]
fn an_extension_that_gets_no_answer_times_out_at_the_relay_and_the_client_learns_it() {
    let mut sim = sim(60);
    let path = sim.path(0, 3).expect("a path");
    let exit = NodeId::Relay(sim.relay_index(&path[2].identity).expect("relay"));
    sim.set_tap(Box::new(move |delivery| {
        if delivery.to == exit {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    }));
    let circuit = sim.build_circuit(0, &path).expect("build starts");
    sim.run(STEPS);
    assert_eq!(
        close_reason(&sim, circuit),
        Some(CloseReason::Truncated(DestroyReason::TIMEOUT))
    );
    let extend_timeout = onion_core::relay::RelayConfig::default().extend_timeout;
    assert!(
        sim.now() >= extend_timeout,
        "gave up early at {:?}",
        sim.now()
    );
}

#[test]
fn a_circuit_that_is_not_built_in_time_is_destroyed_by_the_client() {
    let mut config = SimConfig::default();
    // Relays wait longer than the client, so the client's timeout fires.
    config.relay.extend_timeout = Duration::from_secs(600);
    let mut sim = Sim::new(config, Sim::seed_from_env(61));
    let path = sim.path(0, 3).expect("a path");
    let exit = NodeId::Relay(sim.relay_index(&path[2].identity).expect("relay"));
    sim.set_tap(Box::new(move |delivery| {
        if delivery.to == exit {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    }));
    let circuit = sim.build_circuit(0, &path).expect("build starts");
    sim.run(STEPS);
    assert_eq!(close_reason(&sim, circuit), Some(CloseReason::BuildTimeout));
    assert!(sim.now() >= config.client.build_timeout);
    // The client's DESTROY cleared the circuit at every relay, the
    // extension pending at the middle included.
    assert!(sim.relays().iter().all(|relay| relay.relay.circuits() == 0));
}

#[test]
fn a_begin_that_gets_no_answer_times_out() {
    let mut sim = sim(62);
    let (circuit, _) = ready_circuit(&mut sim, 3);
    sim.set_tap(Box::new(|delivery| match delivery.from {
        NodeId::Client(_) => Verdict::Drop,
        NodeId::Relay(_) => Verdict::Deliver,
    }));
    let target = onion_core::Target::new("tracker.invalid", 6969).expect("target");
    let stream = sim
        .with_client(0, |client, now, _| {
            client.begin_stream(now, circuit, target)
        })
        .expect("BEGIN sent");
    sim.run(STEPS);
    let ended = sim.events(0).iter().any(|event| {
        matches!(event, Event::StreamEnded { stream: s, reason, .. }
            if *s == stream && *reason == EndReason::TIMEOUT)
    });
    assert!(ended, "{:?}", sim.events(0));
    assert!(sim.now() >= onion_core::circuit::ClientConfig::default().stream_timeout);
}

#[test]
fn an_idle_open_circuit_sends_padding_that_keeps_it_usable() {
    let mut config = SimConfig::default();
    let interval = Duration::from_secs(5);
    config.client.padding_interval = Some(interval);
    let mut sim = Sim::new(config, Sim::seed_from_env(63));
    let (circuit, path) = ready_circuit(&mut sim, 3);
    let guard = NodeId::Relay(path[0]);
    let padding = Rc::new(RefCell::new(0usize));
    let count = Rc::clone(&padding);
    sim.set_tap(Box::new(move |delivery| {
        if delivery.to == guard && is_relay_cell(delivery) {
            *count.borrow_mut() += 1;
        }
        Verdict::Deliver
    }));
    let start = sim.now();
    sim.advance_to(start + interval * 10, STEPS);
    let padded = *padding.borrow();
    assert!(
        (9..=11).contains(&padded),
        "{padded} padding cells in 10 intervals"
    );
    sim.set_tap(Box::new(|_| Verdict::Deliver));
    let stream = open_stream(&mut sim, circuit);
    let back = echo(&mut sim, circuit, &[stream], b"still works");
    assert_eq!(back[0], b"still works");
}

#[test]
fn a_client_destroy_reaches_every_hop() {
    let mut sim = sim(70);
    let (circuit, path) = ready_circuit(&mut sim, 3);
    open_stream(&mut sim, circuit);
    sim.with_client(0, |client, _, _| {
        client.destroy(circuit);
        Ok(())
    })
    .expect("destroyed");
    sim.run(STEPS);
    assert_eq!(close_reason(&sim, circuit), Some(CloseReason::Requested));
    for relay in &path {
        let relay = sim.relay(*relay).expect("relay");
        assert_eq!(relay.relay.circuits(), 0);
        assert_eq!(relay.relay.queued_outputs(), 0);
    }
    assert_eq!(
        sim.relay(path[2]).expect("exit").endpoint.closed_circuits,
        1
    );
}

#[test]
fn a_link_closing_mid_path_destroys_the_circuit_towards_the_client_and_the_exit() {
    let mut sim = sim(71);
    let (circuit, path) = ready_circuit(&mut sim, 3);
    open_stream(&mut sim, circuit);
    sim.close_link(NodeId::Relay(path[0]), NodeId::Relay(path[1]));
    sim.run(STEPS);
    assert_eq!(
        close_reason(&sim, circuit),
        Some(CloseReason::Destroyed(DestroyReason::LINK_CLOSED))
    );
    for relay in &path {
        assert_eq!(sim.relay(*relay).expect("relay").relay.circuits(), 0);
    }
    assert_eq!(
        sim.relay(path[2]).expect("exit").endpoint.closed_circuits,
        1
    );
}

#[test]
fn a_flood_into_a_stalled_relay_is_cut_at_its_queue_limit() {
    let mut config = SimConfig::default();
    config.relay.max_queued_cells = 64;
    let mut sim = Sim::new(config, Sim::seed_from_env(80));
    let (circuit, path) = ready_circuit(&mut sim, 3);
    let streams: Vec<_> = (0..2).map(|_| open_stream(&mut sim, circuit)).collect();
    let guard = NodeId::Relay(path[0]);
    sim.pause(guard);
    let mut most_queued = 0;
    for stream in &streams {
        for _ in 0..usize::from(STREAM_WINDOW) {
            let _ = sim.with_client(0, |client, now, _| {
                client.send_data(now, circuit, *stream, b"flood")
            });
            sim.run(STEPS);
            let queued = sim.relay(path[0]).expect("guard").relay.queued_outputs();
            most_queued = most_queued.max(queued);
        }
    }
    // The limit plus the DESTROYs of the circuit it cut, never more.
    assert!(most_queued <= 64 + 2, "queued {most_queued}");
    assert_eq!(sim.relay(path[0]).expect("guard").relay.circuits(), 0);
    sim.resume(guard);
    sim.run(STEPS);
    assert_eq!(
        close_reason(&sim, circuit),
        Some(CloseReason::Destroyed(DestroyReason::RESOURCE_LIMIT))
    );
    assert!(sim.relays().iter().all(|relay| relay.relay.circuits() == 0));
}

#[test]
fn lost_or_reordered_cells_close_circuits_but_never_corrupt_a_stream() {
    let (mut intact, mut closed, mut detected) = (0, 0, 0);
    for seed in 0..12u64 {
        let mut sim = sim(90 + seed);
        let (circuit, _) = ready_circuit(&mut sim, 3);
        let stream = open_stream(&mut sim, circuit);
        let (loss, reorder) = if seed % 2 == 0 {
            (0.002, 0.0)
        } else {
            (0.0, 0.002)
        };
        sim.set_faults(Faults { loss, reorder });
        let data = pattern(200 * 1024, seed as u8);
        let mut sent = 0;
        let mut received = Vec::new();
        let mut was_closed = false;
        for _ in 0..STEPS {
            while sent < data.len() {
                let end = (sent + onion_core::MAX_RELAY_DATA).min(data.len());
                let chunk = &data[sent..end];
                match sim.with_client(0, |client, now, _| {
                    client.send_data(now, circuit, stream, chunk)
                }) {
                    Ok(()) => sent = end,
                    Err(_) => break,
                }
            }
            for event in sim.take_events(0) {
                match event {
                    Event::StreamData { data, .. } => received.extend_from_slice(&data),
                    Event::CircuitClosed { .. } => was_closed = true,
                    _ => {}
                }
            }
            if received.len() == data.len() || !sim.step() {
                break;
            }
        }
        assert!(
            data.starts_with(&received),
            "seed {seed}: the stream delivered foreign bytes"
        );
        if received.len() == data.len() {
            intact += 1;
        } else {
            // Closed, or stalled because the lost cell was the last one on
            // its link (links are meant to be reliable; see PROTOCOL.md).
            closed += 1;
            detected += usize::from(was_closed);
        }
    }
    eprintln!("{intact} runs intact, {closed} cut short, {detected} of them closed");
    assert!(detected > 0, "no fault was ever detected");
    // About 1700 cells cross each link; at 0.2 % most runs meet a fault.
    assert!(closed > 0, "no fault ever hit: {intact} intact runs");
}
