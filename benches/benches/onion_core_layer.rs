//! onion-core's layer crypto per relay cell body, next to the baselines
//! issue 3 and `shared/notes/relay-crypto-anchors.md` name, in one run.
//!
//! Every benchmark processes one [`CELL_BODY_LEN`]-byte body per iteration
//! and reports bytes per second, so any two lines divide into a ratio:
//!
//! - baselines: ring ChaCha20-Poly1305 and AES-128-GCM sealing the body in
//!   place, and AES-128-CTR (the `aes` and `ctr` crates) over it;
//! - `relay_forward`: a relay removing its layer from a cell for a later
//!   hop (goal ≤ 150 ns, and ≥ 0.6× the ChaCha20-Poly1305 throughput);
//! - `relay_recognise`: the last hop removing its layer and recognising a
//!   cell addressed to it;
//! - `client_originate_3_hops`: a client wrapping a cell for hop 3
//!   (goal ≤ 700 ns);
//! - `client_peel_3_hops`: a client removing three layers from a cell hop 3
//!   sent back.
//!
//! Before criterion runs, every operation is also timed in short
//! interleaved rounds and the fastest and median rounds printed with their
//! ratios, so load from other processes falls on all of them alike.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes::Aes128;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ctr::cipher::{KeyIvInit, StreamCipher};
use onion_core::CELL_BODY_LEN;
use onion_core::cell::CellBody;
use onion_core::crypto::{ClientCrypto, Disposition, HopKeys, RelayCrypto, TAG_LEN};
use ring::aead::{AES_128_GCM, Aad, Algorithm, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};

const HOPS: usize = 3;
/// Interleaved rounds, and cells each operation processes per round: a
/// round lasts well under a scheduler time slice, so the fastest rounds are
/// the ones no other process interrupted, and a batch of prepared cells
/// (256 KiB) stays in L2.
const ROUNDS: usize = 401;
const CALLS: u32 = 500;

/// A body whose message area holds a recognisable relay message.
fn message() -> CellBody {
    let mut body = [0u8; CELL_BODY_LEN];
    for (i, byte) in body[TAG_LEN..].iter_mut().enumerate() {
        *byte = i as u8;
    }
    body
}

fn hop_keys(hop: usize) -> HopKeys {
    HopKeys::derive(&[hop as u8 + 1; 32])
}

/// A client and the relays of one circuit of `hops` hops.
fn circuit(hops: usize) -> (ClientCrypto, Vec<RelayCrypto>) {
    let mut client = ClientCrypto::new();
    let mut relays = Vec::new();
    for hop in 0..hops {
        let keys = hop_keys(hop);
        client.add_hop(&keys).expect("under MAX_HOPS");
        relays.push(RelayCrypto::new(&keys));
    }
    (client, relays)
}

/// One cell-sized operation that can run any number of times in a row.
trait CellOp {
    /// Readies the next `cells` runs, outside the timing.
    fn prepare(&mut self, cells: u32) {
        let _ = cells;
    }

    fn run(&mut self);
}

/// Cells made in order for the operation under test, which takes them in
/// the same order (the chains of both sides advance once per cell).
#[derive(Default)]
struct Batch {
    cells: Vec<CellBody>,
    next: usize,
}

impl Batch {
    fn refill(&mut self, cells: u32, mut make: impl FnMut() -> CellBody) {
        self.cells.clear();
        self.cells.extend((0..cells).map(|_| make()));
        self.next = 0;
    }

    fn take(&mut self) -> &mut CellBody {
        let cell = &mut self.cells[self.next];
        self.next += 1;
        cell
    }
}

/// A ring AEAD sealing one body in place with a fresh counter nonce, as a
/// per-hop AEAD layer would.
struct RingSeal {
    key: LessSafeKey,
    body: CellBody,
    counter: u64,
}

impl RingSeal {
    fn new(algorithm: &'static Algorithm) -> Self {
        let key = vec![7u8; algorithm.key_len()];
        let key = LessSafeKey::new(UnboundKey::new(algorithm, &key).expect("key length"));
        RingSeal {
            key,
            body: message(),
            counter: 0,
        }
    }
}

impl CellOp for RingSeal {
    fn run(&mut self) {
        self.counter += 1;
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&self.counter.to_be_bytes());
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut self.body,
            )
            .expect("in the AEAD's length limit");
        let _ = black_box(tag);
    }
}

/// One running AES-128-CTR keystream over the body: the key schedule stays
/// out of the timing.
struct AesCtr {
    cipher: ctr::Ctr128BE<Aes128>,
    body: CellBody,
}

impl AesCtr {
    fn new() -> Self {
        AesCtr {
            cipher: ctr::Ctr128BE::<Aes128>::new(&[7u8; 16].into(), &[9u8; 16].into()),
            body: message(),
        }
    }
}

impl CellOp for AesCtr {
    fn run(&mut self) {
        self.cipher.apply_keystream(&mut self.body);
        black_box(&self.body);
    }
}

/// A middle relay removing its layer from cells for a later hop. Any body
/// is such a cell, so the same buffer goes round again.
struct RelayForward {
    relay: RelayCrypto,
    body: CellBody,
}

impl RelayForward {
    fn new() -> Self {
        RelayForward {
            relay: RelayCrypto::new(&hop_keys(0)),
            body: message(),
        }
    }
}

impl CellOp for RelayForward {
    fn run(&mut self) {
        let _ = black_box(self.relay.forward(&mut self.body));
    }
}

/// A client wrapping cells for the last hop of a 3-hop circuit.
struct ClientOriginate {
    client: ClientCrypto,
    body: CellBody,
}

impl ClientOriginate {
    fn new() -> Self {
        ClientOriginate {
            client: circuit(HOPS).0,
            body: message(),
        }
    }
}

impl CellOp for ClientOriginate {
    fn run(&mut self) {
        self.client
            .originate(HOPS - 1, &mut self.body)
            .expect("hop exists");
        black_box(&self.body);
    }
}

/// The last hop of a circuit recognising cells addressed to it.
struct RelayRecognise {
    client: ClientCrypto,
    exit: RelayCrypto,
    batch: Batch,
}

impl RelayRecognise {
    fn new() -> Self {
        let (client, mut relays) = circuit(1);
        RelayRecognise {
            client,
            exit: relays.remove(0),
            batch: Batch::default(),
        }
    }
}

impl CellOp for RelayRecognise {
    fn prepare(&mut self, cells: u32) {
        let client = &mut self.client;
        self.batch.refill(cells, || {
            let mut body = message();
            client.originate(0, &mut body).expect("hop 0 exists");
            body
        });
    }

    fn run(&mut self) {
        let body = self.batch.take();
        self.exit.deliver_at_end(body).expect("recognised");
    }
}

/// A client peeling cells that the last hop of a 3-hop circuit sent back
/// through the two before it.
struct ClientPeel {
    client: ClientCrypto,
    relays: Vec<RelayCrypto>,
    batch: Batch,
}

impl ClientPeel {
    fn new() -> Self {
        let (client, relays) = circuit(HOPS);
        ClientPeel {
            client,
            relays,
            batch: Batch::default(),
        }
    }
}

impl CellOp for ClientPeel {
    fn prepare(&mut self, cells: u32) {
        let (last, earlier) = self.relays.split_last_mut().expect("three relays");
        self.batch.refill(cells, || {
            let mut body = message();
            last.originate(&mut body);
            for relay in earlier.iter_mut().rev() {
                relay.backward(&mut body);
            }
            body
        });
    }

    fn run(&mut self) {
        let hop = self.client.peel(self.batch.take()).expect("recognised");
        assert_eq!(hop, HOPS - 1);
    }
}

fn bench_op(c: &mut Criterion, name: &str, mut op: impl CellOp) {
    let mut group = c.benchmark_group("onion_core_layer");
    group.throughput(Throughput::Bytes(CELL_BODY_LEN as u64));
    group.bench_function(name, |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            let mut left = iterations;
            while left > 0 {
                let cells = u32::try_from(left).unwrap_or(u32::MAX).min(CALLS);
                total += timed_run(&mut op, cells);
                left -= u64::from(cells);
            }
            total
        });
    });
    group.finish();
}

/// Prepares and then times `cells` runs of `op`.
fn timed_run<Op: CellOp + ?Sized>(op: &mut Op, cells: u32) -> Duration {
    op.prepare(cells);
    let started = Instant::now();
    for _ in 0..cells {
        op.run();
    }
    started.elapsed()
}

/// One operation's times over the interleaved rounds.
struct Timed {
    name: &'static str,
    op: Box<dyn CellOp>,
    ns_per_cell: Vec<f64>,
}

fn timed(name: &'static str, op: impl CellOp + 'static) -> Timed {
    Timed {
        name,
        op: Box::new(op),
        ns_per_cell: Vec::with_capacity(ROUNDS),
    }
}

impl Timed {
    fn round(&mut self) {
        let ns = timed_run(&mut *self.op, CALLS).as_secs_f64() * 1e9 / f64::from(CALLS);
        self.ns_per_cell.push(ns);
    }

    /// The fastest round and the median one.
    fn summary(&mut self) -> (f64, f64) {
        self.ns_per_cell.sort_by(f64::total_cmp);
        (
            self.ns_per_cell[0],
            self.ns_per_cell[self.ns_per_cell.len() / 2],
        )
    }
}

/// The fastest and the median of interleaved rounds, in ns per cell, with
/// the throughput ratios (of the fastest rounds) the goals are stated in.
fn print_interleaved() {
    let mut ops = [
        timed(
            "ring ChaCha20-Poly1305 seal",
            RingSeal::new(&CHACHA20_POLY1305),
        ),
        timed("ring AES-128-GCM seal", RingSeal::new(&AES_128_GCM)),
        timed("AES-128-CTR", AesCtr::new()),
        timed("relay forward", RelayForward::new()),
        timed("relay recognise", RelayRecognise::new()),
        timed("client originate, 3 hops", ClientOriginate::new()),
        timed("client peel, 3 hops", ClientPeel::new()),
    ];
    for _ in 0..ROUNDS {
        ops.iter_mut().for_each(Timed::round);
    }
    let summaries = ops.map(|mut op| (op.name, op.summary()));
    let [(_, (chacha, _)), (_, (gcm, _)), ..] = summaries;
    println!(
        "onion_core layer, {CELL_BODY_LEN}-byte body, {ROUNDS} interleaved rounds of {CALLS} cells, ns/cell fastest (median):"
    );
    for (name, (fastest, median)) in summaries {
        println!(
            "  {name:27} {fastest:6.1} ({median:6.1}), throughput {:.2}x ChaCha20-Poly1305, {:.2}x AES-128-GCM",
            chacha / fastest,
            gcm / fastest
        );
    }
}

/// Checks once, outside the timings, that the benchmarked paths do what
/// their names say.
fn sanity() {
    let (mut client, mut relays) = circuit(HOPS);
    let mut body = message();
    client.originate(HOPS - 1, &mut body).expect("hop exists");
    let (last, earlier) = relays.split_last_mut().expect("three relays");
    for relay in earlier {
        assert_eq!(relay.forward(&mut body), Disposition::Forward);
    }
    last.deliver_at_end(&mut body).expect("recognised");
    assert_eq!(body[TAG_LEN..], message()[TAG_LEN..]);
}

fn layer(c: &mut Criterion) {
    sanity();
    print_interleaved();
    bench_op(
        c,
        "ring_chacha20_poly1305_seal",
        RingSeal::new(&CHACHA20_POLY1305),
    );
    bench_op(c, "ring_aes_128_gcm_seal", RingSeal::new(&AES_128_GCM));
    bench_op(c, "aes_128_ctr", AesCtr::new());
    bench_op(c, "relay_forward", RelayForward::new());
    bench_op(c, "relay_recognise", RelayRecognise::new());
    bench_op(c, "client_originate_3_hops", ClientOriginate::new());
    bench_op(c, "client_peel_3_hops", ClientPeel::new());
}

criterion_group!(benches, layer);
criterion_main!(benches);
