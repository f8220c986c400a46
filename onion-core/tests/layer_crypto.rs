//! The layer cipher's properties (PROTOCOL.md, "Layer crypto"): round trips,
//! tagging resistance, replay and reorder rejection, wrong keys, what each
//! hop sees, and frozen known-answer vectors.

use onion_core::CryptoError;
use onion_core::cell::CellBody;
use onion_core::crypto::{ClientCrypto, Disposition, HopKeys, RelayCrypto, TAG_LEN};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const BODY_LEN: usize = onion_core::CELL_BODY_LEN;

/// A client and the relays of one circuit.
struct Circuit {
    client: ClientCrypto,
    relays: Vec<RelayCrypto>,
}

fn seed_for(circuit: u8, hop: usize) -> [u8; 32] {
    let mut seed = [circuit; 32];
    seed[0] = u8::try_from(hop).unwrap_or(u8::MAX);
    seed
}

fn circuit(id: u8, hops: usize) -> Circuit {
    let mut client = ClientCrypto::new();
    let mut relays = Vec::new();
    for hop in 0..hops {
        let keys = HopKeys::derive(&seed_for(id, hop));
        client.add_hop(&keys).expect("under MAX_HOPS");
        relays.push(RelayCrypto::new(&keys));
    }
    Circuit { client, relays }
}

fn message(fill: u8) -> CellBody {
    let mut body = [0u8; BODY_LEN];
    for (i, byte) in body[TAG_LEN..].iter_mut().enumerate() {
        *byte = fill ^ (i as u8);
    }
    body
}

impl Circuit {
    /// Carries `body` from the client towards `target`: returns the hop
    /// that recognised it and every body a hop received, in hop order.
    fn send(&mut self, body: &mut CellBody) -> (Result<usize, CryptoError>, Vec<CellBody>) {
        let last = self.relays.len() - 1;
        let mut seen = Vec::new();
        for (hop, relay) in self.relays.iter_mut().enumerate() {
            seen.push(*body);
            if hop == last {
                return (relay.deliver_at_end(body).map(|()| hop), seen);
            }
            if relay.forward(body) == Disposition::ForMe {
                return (Ok(hop), seen);
            }
        }
        unreachable!("the loop returns at the last hop")
    }

    /// Carries a cell originated by hop `from` back to the client.
    fn receive(&mut self, from: usize, body: &mut CellBody) -> Result<usize, CryptoError> {
        self.relays[from].originate(body);
        for relay in self.relays[..from].iter_mut().rev() {
            relay.backward(body);
        }
        self.client.peel(body)
    }
}

fn differing_bits(a: &[u8], b: &[u8]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

#[test]
fn every_hop_receives_and_recognises_its_own_cells_in_both_directions() {
    let mut circuit = circuit(1, 3);
    for round in 0..4u8 {
        for hop in 0..3 {
            let plain = message(round ^ hop as u8);
            let mut body = plain;
            circuit
                .client
                .originate(hop, &mut body)
                .expect("hop exists");
            assert_ne!(body[TAG_LEN..], plain[TAG_LEN..], "a layer encrypts");
            let (recognised, _) = circuit.send(&mut body);
            assert_eq!(recognised, Ok(hop), "round {round}");
            assert_eq!(body[TAG_LEN..], plain[TAG_LEN..]);

            let mut back = plain;
            assert_eq!(circuit.receive(hop, &mut back), Ok(hop), "round {round}");
            assert_eq!(back[TAG_LEN..], plain[TAG_LEN..]);
        }
    }
}

#[test]
fn a_bit_flipped_after_hop_one_is_rejected_at_the_exit_and_leaves_no_pattern() {
    for bit in [
        0usize,
        7,
        8 * TAG_LEN,
        8 * TAG_LEN + 1,
        8 * 300 + 3,
        8 * BODY_LEN - 1,
    ] {
        let mut circuit = circuit(2, 3);
        let plain = message(0x5a);
        let mut body = plain;
        circuit.client.originate(2, &mut body).expect("hop exists");
        assert_eq!(circuit.relays[0].forward(&mut body), Disposition::Forward);
        body[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(circuit.relays[1].forward(&mut body), Disposition::Forward);
        assert_eq!(
            circuit.relays[2].deliver_at_end(&mut body),
            Err(CryptoError::Unrecognised),
            "bit {bit}"
        );
        // What the exit got is noise: about half the message bits differ
        // from the plaintext (a binomial(3968, 1/2) is within 45..55 %
        // with probability 1 - 2^-40).
        let area_bits = 8 * (BODY_LEN - TAG_LEN) as u32;
        let diff = differing_bits(&body[TAG_LEN..], &plain[TAG_LEN..]);
        assert!(
            (area_bits * 45 / 100..=area_bits * 55 / 100).contains(&diff),
            "bit {bit}: {diff} of {area_bits} bits differ"
        );
        // The circuit stays broken: the next honest cell fails too.
        let mut next = message(1);
        circuit.client.originate(2, &mut next).expect("hop exists");
        assert_eq!(circuit.send(&mut next).0, Err(CryptoError::Unrecognised));
    }
}

#[test]
fn a_bit_flipped_in_a_cell_for_the_modifying_hops_successor_is_detected_there_or_at_the_end() {
    let mut circuit = circuit(3, 3);
    let mut body = message(3);
    circuit.client.originate(1, &mut body).expect("hop exists");
    assert_eq!(circuit.relays[0].forward(&mut body), Disposition::Forward);
    body[100] ^= 0x10;
    assert_eq!(circuit.relays[1].forward(&mut body), Disposition::Forward);
    assert_eq!(
        circuit.relays[2].deliver_at_end(&mut body),
        Err(CryptoError::Unrecognised)
    );
}

#[test]
fn a_bit_flipped_on_the_way_back_is_rejected_by_the_client() {
    let mut circuit = circuit(4, 3);
    let mut body = message(4);
    circuit.relays[2].originate(&mut body);
    body[200] ^= 1;
    circuit.relays[1].backward(&mut body);
    circuit.relays[0].backward(&mut body);
    assert_eq!(
        circuit.client.peel(&mut body),
        Err(CryptoError::Unrecognised)
    );
}

#[test]
fn a_replayed_relay_cell_is_rejected() {
    let mut circuit = circuit(5, 3);
    let mut body = message(5);
    circuit.client.originate(2, &mut body).expect("hop exists");
    let wire = body;
    assert_eq!(circuit.send(&mut body).0, Ok(2));
    let mut replay = wire;
    assert_eq!(circuit.send(&mut replay).0, Err(CryptoError::Unrecognised));

    // Backward: the client accepts a cell once.
    let mut circuit = self::circuit(6, 3);
    let mut back = message(6);
    circuit.relays[0].originate(&mut back);
    let wire = back;
    assert_eq!(circuit.client.peel(&mut back), Ok(0));
    let mut replay = wire;
    assert_eq!(
        circuit.client.peel(&mut replay),
        Err(CryptoError::Unrecognised)
    );
}

#[test]
fn reordered_relay_cells_are_rejected() {
    let mut circuit = circuit(7, 3);
    let mut first = message(1);
    let mut second = message(2);
    circuit.client.originate(2, &mut first).expect("hop exists");
    circuit
        .client
        .originate(2, &mut second)
        .expect("hop exists");
    assert_eq!(circuit.send(&mut second).0, Err(CryptoError::Unrecognised));
    assert_eq!(circuit.send(&mut first).0, Err(CryptoError::Unrecognised));
}

#[test]
fn a_relay_with_other_keys_does_not_recognise_the_cell() {
    let keys = HopKeys::derive(&[9; 32]);
    let mut client = ClientCrypto::new();
    client.add_hop(&keys).expect("first hop");
    let mut wrong = RelayCrypto::new(&HopKeys::derive(&[10; 32]));
    let mut body = message(9);
    client.originate(0, &mut body).expect("hop exists");
    assert_eq!(
        wrong.deliver_at_end(&mut body),
        Err(CryptoError::Unrecognised)
    );

    let mut back = message(9);
    wrong.originate(&mut back);
    assert_eq!(client.peel(&mut back), Err(CryptoError::Unrecognised));
}

#[test]
fn originating_for_a_missing_hop_or_a_ninth_hop_is_an_error() {
    let mut client = circuit(11, 2).client;
    let mut body = message(0);
    assert_eq!(
        client.originate(2, &mut body),
        Err(CryptoError::NoSuchHop { hop: 2, hops: 2 })
    );
    let keys = HopKeys::derive(&[11; 32]);
    for _ in 2..onion_core::crypto::MAX_HOPS {
        client.add_hop(&keys).expect("under MAX_HOPS");
    }
    assert_eq!(
        client.add_hop(&keys),
        Err(CryptoError::TooManyHops {
            max: onion_core::crypto::MAX_HOPS
        })
    );
}

/// Pearson's chi-square of byte counts against the uniform distribution.
fn chi_square_uniform(counts: &[u64; 256]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / 256.0;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

/// Chi-square test of homogeneity of several byte histograms.
fn chi_square_homogeneity(tables: &[[u64; 256]]) -> f64 {
    let totals: Vec<f64> = tables
        .iter()
        .map(|t| t.iter().sum::<u64>() as f64)
        .collect();
    let grand: f64 = totals.iter().sum();
    let mut chi = 0.0;
    for value in 0..256 {
        let column: f64 = tables.iter().map(|t| t[value] as f64).sum();
        for (table, total) in tables.iter().zip(&totals) {
            let expected = column * total / grand;
            chi += (table[value] as f64 - expected).powi(2) / expected;
        }
    }
    chi
}

#[test]
fn hops_one_two_and_three_see_byte_distributions_a_chi_square_test_cannot_tell_apart() {
    let seed: u64 = 0x0c0f_fee5;
    eprintln!("chi-square seed {seed:#x}");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut circuit = circuit(12, 3);
    let mut histograms = [[0u64; 256]; 3];
    // Low-entropy plaintext (mostly zeros, a few random bytes) is the case
    // where a missing or weak layer would show.
    for _ in 0..2000 {
        let mut body = [0u8; BODY_LEN];
        rng.fill_bytes(&mut body[TAG_LEN..TAG_LEN + 4]);
        circuit.client.originate(2, &mut body).expect("hop exists");
        let (recognised, seen) = circuit.send(&mut body);
        assert_eq!(recognised, Ok(2), "seed {seed:#x}");
        for (histogram, cell) in histograms.iter_mut().zip(&seen) {
            assert_eq!(cell.len(), BODY_LEN);
            for &byte in cell {
                histogram[usize::from(byte)] += 1;
            }
        }
    }
    // 255 degrees of freedom: P(chi2 > 330) ~ 0.1 %. 510: P(> 620) ~ 0.05 %.
    for (hop, histogram) in histograms.iter().enumerate() {
        let chi = chi_square_uniform(histogram);
        eprintln!("hop {hop}: chi-square against uniform {chi:.1} (255 df)");
        assert!(chi < 330.0, "seed {seed:#x}: hop {hop} chi-square {chi:.1}");
    }
    let chi = chi_square_homogeneity(&histograms);
    eprintln!("hops 0..3 homogeneity chi-square {chi:.1} (510 df)");
    assert!(
        chi < 620.0,
        "seed {seed:#x}: homogeneity chi-square {chi:.1}"
    );
}

// ---- known-answer vectors ------------------------------------------------

const VECTORS: &str = "testdata/layer_crypto/vectors.txt";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Derives every vector line: key schedules, then forward and backward
/// cells of a 3-hop circuit, two rounds.
fn derive_vectors() -> String {
    let mut out = String::from(
        "# onion-core layer crypto known-answer vectors, generated by\n\
         # tests/layer_crypto.rs (ONION_CORE_WRITE_VECTORS=1) and then frozen.\n\
         # seed: hop seed; keys: HopKeys::fingerprint; fwd/bwd: the body on the\n\
         # wire at the client for cell `round` to/from hop `hop`.\n",
    );
    let mut circuit = circuit(0x42, 3);
    for hop in 0..3 {
        let seed = seed_for(0x42, hop);
        out += &format!("seed {hop} {}\n", hex(&seed));
        out += &format!(
            "keys {hop} {}\n",
            hex(&HopKeys::derive(&seed).fingerprint())
        );
    }
    for round in 0..2u8 {
        for hop in 0..3 {
            let plain = message(round * 3 + hop as u8);
            let mut body = plain;
            circuit
                .client
                .originate(hop, &mut body)
                .expect("hop exists");
            out += &format!("fwd {round} {hop} {}\n", hex(&body));
            assert_eq!(circuit.send(&mut body).0, Ok(hop));
            let mut back = plain;
            circuit.relays[hop].originate(&mut back);
            for relay in circuit.relays[..hop].iter_mut().rev() {
                relay.backward(&mut back);
            }
            out += &format!("bwd {round} {hop} {}\n", hex(&back));
            assert_eq!(circuit.client.peel(&mut back), Ok(hop));
        }
    }
    out
}

#[test]
fn the_frozen_known_answer_vectors_are_re_derived() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    let derived = derive_vectors();
    if std::env::var_os("ONION_CORE_WRITE_VECTORS").is_some() {
        std::fs::write(&path, &derived).expect("write vectors");
    }
    let frozen = std::fs::read_to_string(&path).expect("vectors are committed");
    assert_eq!(frozen.lines().count(), 6 + 12 + 4);
    for (line, (frozen, derived)) in frozen.lines().zip(derived.lines()).enumerate() {
        assert_eq!(frozen, derived, "{VECTORS} line {}", line + 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_message_sequence_round_trips_on_any_circuit(
        seeds in prop::collection::vec(any::<[u8; 32]>(), 1..=5),
        cells in prop::collection::vec((any::<usize>(), any::<bool>(), any::<[u8; 32]>()), 1..12),
    ) {
        let mut client = ClientCrypto::new();
        let mut relays = Vec::new();
        for seed in &seeds {
            let keys = HopKeys::derive(seed);
            client.add_hop(&keys).expect("at most 5 hops");
            relays.push(RelayCrypto::new(&keys));
        }
        let mut circuit = Circuit { client, relays };
        for (hop, backward, content) in cells {
            let hop = hop % seeds.len();
            let mut plain = [0u8; BODY_LEN];
            for (i, chunk) in plain[TAG_LEN..].chunks_mut(32).enumerate() {
                chunk.copy_from_slice(&content[..chunk.len()]);
                chunk[0] ^= i as u8;
            }
            let mut body = plain;
            if backward {
                prop_assert_eq!(circuit.receive(hop, &mut body), Ok(hop));
            } else {
                circuit.client.originate(hop, &mut body).expect("hop exists");
                prop_assert_eq!(circuit.send(&mut body).0, Ok(hop));
            }
            prop_assert_eq!(&body[TAG_LEN..], &plain[TAG_LEN..]);
        }
    }
}
