//! Arbitrary operation sequences against the relay state machine: cells
//! from a real client (so CREATE, EXTEND, BEGIN and DATA reach deep
//! states), the same cells tampered with, raw cells on any link, link and
//! connect events, timeouts and the endpoint's answers. Nothing may panic,
//! and the relay's queue never passes its limit by more than the DESTROYs
//! of the circuits it just cut.
#![no_main]

use core::time::Duration;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use onion_core::circuit::{CircuitHandle, Client, ClientConfig, HopTarget};
use onion_core::handshake::{OnionKeyring, OnionSecret};
use onion_core::relay::{CircuitRef, Endpoint, Relay, RelayConfig};
use onion_core::{
    CELL_LEN, EndReason, LinkId, OnionKey, Output, RelayId, ServiceCommand, StreamId, Target,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const CLIENT_LINK: LinkId = LinkId(1);
const RELAY_ID: RelayId = RelayId::from_bytes([0xee; 32]);
const CLIENT_ID: RelayId = RelayId::from_bytes([0x11; 32]);
/// A relay the fuzzed one may be asked to extend to.
const NEXT_ID: RelayId = RelayId::from_bytes([0x33; 32]);
const MAX_QUEUED: usize = 32;

/// Remembers streams the relay opened so the endpoint can answer them.
#[derive(Default)]
struct Streams(Vec<(CircuitRef, StreamId)>);

impl Endpoint for Streams {
    fn begin(&mut self, circuit: CircuitRef, stream: StreamId, _: Target<'_>) {
        self.0.push((circuit, stream));
    }
    fn data(&mut self, _: CircuitRef, _: StreamId, _: &[u8]) {}
    fn end(&mut self, _: CircuitRef, _: StreamId, _: EndReason) {}
    fn writable(&mut self, _: CircuitRef, _: StreamId) {}
    fn service(&mut self, circuit: CircuitRef, request: StreamId, _: ServiceCommand, _: &[u8]) {
        self.0.push((circuit, request));
    }
    fn circuit_closed(&mut self, circuit: CircuitRef) {
        self.0.retain(|(owner, _)| *owner != circuit);
    }
}

struct World {
    relay: Relay,
    client: Client,
    endpoint: Streams,
    rng: ChaCha20Rng,
    now: Duration,
    guard: HopTarget,
    circuits: Vec<CircuitHandle>,
    to_relay: Vec<[u8; CELL_LEN]>,
    to_client: Vec<[u8; CELL_LEN]>,
}

impl World {
    fn new() -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(0);
        let keyring = OnionKeyring::new(OnionSecret::from_bytes([0x22; 32]));
        let guard = HopTarget {
            identity: RELAY_ID,
            onion_key: keyring.current_key(),
        };
        let config = RelayConfig {
            max_circuits: 8,
            max_queued_cells: MAX_QUEUED,
            ..RelayConfig::default()
        };
        let mut relay = Relay::new(RELAY_ID, keyring, config);
        relay.link_up(Duration::ZERO, CLIENT_LINK, CLIENT_ID, &mut rng);
        let mut client = Client::new(CLIENT_ID, ClientConfig::default());
        client.link_up(CLIENT_LINK, RELAY_ID, &mut rng);
        World {
            relay,
            client,
            endpoint: Streams::default(),
            rng,
            now: Duration::ZERO,
            guard,
            circuits: Vec::new(),
            to_relay: Vec::new(),
            to_client: Vec::new(),
        }
    }

    /// Collects both sides' outputs into the in-flight lists.
    fn collect(&mut self) {
        while let Some(output) = self.client.poll_output() {
            if let Output::Transmit { cell, .. } = output {
                self.to_relay.push(cell);
            }
        }
        assert!(self.relay.queued_outputs() <= MAX_QUEUED + 2 * 8);
        while let Some(output) = self.relay.poll_output() {
            if let Output::Transmit { link, cell } = output
                && link == CLIENT_LINK
            {
                self.to_client.push(cell);
            }
        }
    }

    fn step(&mut self, input: &mut Unstructured<'_>) -> Result<()> {
        let pick = |input: &mut Unstructured<'_>, len: usize| -> Result<Option<usize>> {
            Ok((len > 0).then_some(input.choose_index(len)?))
        };
        match input.int_in_range(0..=11u8)? {
            0 => {
                let second = HopTarget {
                    identity: NEXT_ID,
                    onion_key: OnionKey::from_bytes(input.arbitrary()?),
                };
                let path = if input.arbitrary()? {
                    vec![self.guard]
                } else {
                    vec![self.guard, second]
                };
                if let Ok(circuit) = self.client.build_circuit(self.now, &path, &mut self.rng) {
                    self.circuits.push(circuit);
                }
            }
            1 => {
                for cell in core::mem::take(&mut self.to_relay) {
                    let _ = self.relay.handle_cell(
                        self.now,
                        CLIENT_LINK,
                        &cell,
                        &mut self.rng,
                        &mut self.endpoint,
                    );
                }
            }
            2 => {
                for cell in core::mem::take(&mut self.to_client) {
                    let _ = self
                        .client
                        .handle_cell(self.now, CLIENT_LINK, &cell, &mut self.rng);
                }
            }
            3 => {
                // A tampered or replayed client cell.
                if let Some(index) = pick(input, self.to_relay.len())? {
                    let mut cell = self.to_relay[index];
                    let at = input.choose_index(CELL_LEN)?;
                    cell[at] ^= input.arbitrary::<u8>()?;
                    if input.arbitrary()? {
                        self.to_relay.remove(index);
                    }
                    let _ = self.relay.handle_cell(
                        self.now,
                        CLIENT_LINK,
                        &cell,
                        &mut self.rng,
                        &mut self.endpoint,
                    );
                }
            }
            4 => {
                let link = LinkId(input.int_in_range(1..=3)?);
                let len = input.int_in_range(0..=CELL_LEN + 1)?;
                let bytes = input.bytes(len)?;
                let _ = self.relay.handle_cell(
                    self.now,
                    link,
                    bytes,
                    &mut self.rng,
                    &mut self.endpoint,
                );
            }
            5 => {
                let peer = if input.arbitrary()? {
                    NEXT_ID
                } else {
                    RelayId::from_bytes(input.arbitrary()?)
                };
                self.relay.link_up(self.now, LinkId(2), peer, &mut self.rng);
            }
            6 => {
                let link = LinkId(input.int_in_range(1..=3)?);
                self.relay.link_down(link, &mut self.endpoint);
            }
            7 => self.relay.connect_failed(NEXT_ID),
            8 => {
                self.now += Duration::from_millis(input.int_in_range(0..=30_000)?);
                self.relay.handle_timeout(self.now);
                self.client.handle_timeout(self.now);
            }
            9 => {
                if let Some(index) = pick(input, self.circuits.len())? {
                    let circuit = self.circuits[index];
                    let target = Target::new("t.invalid", 80).expect("a valid target");
                    if let Ok(stream) = self.client.begin_stream(self.now, circuit, target) {
                        let len = input.int_in_range(1..=onion_core::MAX_RELAY_DATA)?;
                        let data = input.bytes(len.min(input.len()).max(1)).unwrap_or(b"x");
                        let _ = self.client.send_data(self.now, circuit, stream, data);
                    }
                }
            }
            10 => {
                if let Some(index) = pick(input, self.endpoint.0.len())? {
                    let (circuit, stream) = self.endpoint.0[index];
                    let _ = match input.int_in_range(0..=3u8)? {
                        0 => self.relay.connected(circuit, stream),
                        1 => self.relay.send_data(circuit, stream, b"reply"),
                        2 => self.relay.end_stream(circuit, stream, EndReason::DONE),
                        _ => self
                            .relay
                            .service_reply(circuit, stream, ServiceCommand::REPLY, b"r"),
                    };
                }
            }
            _ => {
                if let Some(index) = pick(input, self.circuits.len())? {
                    self.client.destroy(self.circuits[index]);
                }
            }
        }
        self.collect();
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Unstructured::new(data);
    let mut world = World::new();
    for _ in 0..256 {
        if input.is_empty() || world.step(&mut input).is_err() {
            break;
        }
    }
});
