//! One relay and one client wired together by hand: hostile cells,
//! replayed CREATEs, limits, service requests, and the relay's state size.

use core::time::Duration;

use onion_core::circuit::{Client, ClientConfig, Event, HopTarget};
use onion_core::handshake::{OnionKeyring, OnionSecret};
use onion_core::relay::{CircuitRef, Endpoint, Relay, RelayConfig};
use onion_core::{
    CELL_BODY_LEN, CELL_LEN, Cell, CellCommand, CircId, CircuitError, DestroyBody, DestroyReason,
    EndReason, Error, HandshakeError, LinkId, Output, RelayId, ServiceCommand, StreamId, Target,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

const LINK: LinkId = LinkId(1);
const NOW: Duration = Duration::ZERO;

/// Records what the relay delivers.
#[derive(Default)]
struct Recorder {
    services: Vec<(CircuitRef, StreamId, ServiceCommand, Vec<u8>)>,
    closed: Vec<CircuitRef>,
}

impl Endpoint for Recorder {
    fn begin(&mut self, _: CircuitRef, _: StreamId, _: Target<'_>) {}
    fn data(&mut self, _: CircuitRef, _: StreamId, _: &[u8]) {}
    fn end(&mut self, _: CircuitRef, _: StreamId, _: EndReason) {}
    fn writable(&mut self, _: CircuitRef, _: StreamId) {}
    fn service(
        &mut self,
        circuit: CircuitRef,
        request: StreamId,
        command: ServiceCommand,
        body: &[u8],
    ) {
        self.services
            .push((circuit, request, command, body.to_vec()));
    }
    fn circuit_closed(&mut self, circuit: CircuitRef) {
        self.closed.push(circuit);
    }
}

/// A relay and a client with one link between them.
struct Pair {
    relay: Relay,
    client: Client,
    endpoint: Recorder,
    target: HopTarget,
    rng: ChaCha20Rng,
}

impl Pair {
    fn new(config: RelayConfig, seed: u64) -> Self {
        eprintln!("relay_machine seed {seed}");
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let keyring = OnionKeyring::new(OnionSecret::generate(&mut rng));
        let relay_id = RelayId::from_bytes([0xee; 32]);
        let client_id = RelayId::from_bytes([0x11; 32]);
        let target = HopTarget {
            identity: relay_id,
            onion_key: keyring.current_key(),
        };
        let mut relay = Relay::new(relay_id, keyring, config);
        relay.link_up(NOW, LINK, client_id, &mut rng);
        let mut client = Client::new(client_id, ClientConfig::default());
        client.link_up(LINK, relay_id, &mut rng);
        Pair {
            relay,
            client,
            endpoint: Recorder::default(),
            target,
            rng,
        }
    }

    /// The cells the client queued, in order.
    fn client_cells(&mut self) -> Vec<[u8; CELL_LEN]> {
        std::iter::from_fn(|| self.client.poll_output())
            .filter_map(|output| match output {
                Output::Transmit { cell, .. } => Some(cell),
                Output::Connect { .. } => None,
            })
            .collect()
    }

    fn relay_cells(&mut self) -> Vec<[u8; CELL_LEN]> {
        std::iter::from_fn(|| self.relay.poll_output())
            .filter_map(|output| match output {
                Output::Transmit { cell, .. } => Some(cell),
                Output::Connect { .. } => None,
            })
            .collect()
    }

    /// Moves cells both ways until neither side has any.
    fn settle(&mut self) {
        for _ in 0..100 {
            let to_relay = self.client_cells();
            let to_client = self.relay_cells();
            if to_relay.is_empty() && to_client.is_empty() {
                return;
            }
            for cell in to_relay {
                let _ = self
                    .relay
                    .handle_cell(NOW, LINK, &cell, &mut self.rng, &mut self.endpoint);
            }
            for cell in to_client {
                let _ = self.client.handle_cell(NOW, LINK, &cell, &mut self.rng);
            }
        }
        panic!("the pair never settled");
    }

    fn open_circuit(&mut self) -> onion_core::circuit::CircuitHandle {
        let circuit = self
            .client
            .build_circuit(NOW, &[self.target], &mut self.rng)
            .expect("build starts");
        self.settle();
        let events: Vec<Event> = std::iter::from_fn(|| self.client.poll_event()).collect();
        assert!(
            events.contains(&Event::CircuitReady { circuit }),
            "{events:?}"
        );
        circuit
    }
}

fn destroy_reason(cell: &[u8; CELL_LEN]) -> Option<DestroyReason> {
    let cell = Cell::decode(cell).ok()?;
    (cell.command == CellCommand::DESTROY)
        .then(|| DestroyBody::decode(&cell.body).ok().map(|body| body.reason))
        .flatten()
}

#[test]
fn a_replayed_create_is_refused_with_a_destroy() {
    let mut pair = Pair::new(RelayConfig::default(), 1);
    pair.client
        .build_circuit(NOW, &[pair.target], &mut pair.rng)
        .expect("build starts");
    let create = pair.client_cells().pop().expect("a CREATE");
    pair.relay
        .handle_cell(NOW, LINK, &create, &mut pair.rng, &mut pair.endpoint)
        .expect("the first CREATE is accepted");
    // The same handshake under a fresh circuit id.
    let mut replay = Cell::decode(&create).expect("a cell");
    replay.circ_id = CircId(replay.circ_id.0 ^ 1);
    let result = pair.relay.handle_cell(
        NOW,
        LINK,
        &replay.encode(),
        &mut pair.rng,
        &mut pair.endpoint,
    );
    assert!(
        matches!(result, Err(Error::Handshake(HandshakeError::Replayed))),
        "{result:?}"
    );
    let cells = pair.relay_cells();
    assert_eq!(cells.len(), 2, "a CREATED, then a DESTROY");
    assert_eq!(destroy_reason(&cells[1]), Some(DestroyReason::PROTOCOL));
    assert_eq!(pair.relay.circuits(), 1);
}

#[test]
fn a_create_in_the_relays_half_of_the_id_space_is_refused() {
    let mut pair = Pair::new(RelayConfig::default(), 2);
    pair.client
        .build_circuit(NOW, &[pair.target], &mut pair.rng)
        .expect("build starts");
    let mut create = Cell::decode(&pair.client_cells()[0]).expect("a cell");
    create.circ_id = CircId(create.circ_id.0 ^ 0x8000_0000);
    let result = pair.relay.handle_cell(
        NOW,
        LINK,
        &create.encode(),
        &mut pair.rng,
        &mut pair.endpoint,
    );
    assert!(
        matches!(
            result,
            Err(Error::Circuit(CircuitError::BadCircuitId { .. }))
        ),
        "{result:?}"
    );
    assert_eq!(pair.relay.circuits(), 0);
}

#[test]
fn creates_beyond_the_circuit_limit_are_destroyed() {
    let config = RelayConfig {
        max_circuits: 3,
        ..RelayConfig::default()
    };
    let mut pair = Pair::new(config, 3);
    for _ in 0..3 {
        pair.open_circuit();
    }
    pair.client
        .build_circuit(NOW, &[pair.target], &mut pair.rng)
        .expect("build starts");
    pair.settle();
    assert_eq!(pair.relay.circuits(), 3);
    let closed: Vec<Event> = std::iter::from_fn(|| pair.client.poll_event()).collect();
    assert!(
        matches!(
            closed.as_slice(),
            [Event::CircuitClosed {
                reason: onion_core::circuit::CloseReason::Destroyed(DestroyReason::RESOURCE_LIMIT),
                ..
            }]
        ),
        "{closed:?}"
    );
}

#[test]
fn hostile_cells_are_errors_that_close_at_most_their_own_circuit() {
    let mut pair = Pair::new(RelayConfig::default(), 4);
    let survivor = pair.open_circuit();
    let victim = pair.open_circuit();
    let _ = pair.client.poll_event();
    // Which circuit id the victim has on the link: the last CREATE sent.
    let victim_id = {
        pair.client.destroy(victim);
        let cell = pair.client_cells().pop().expect("a DESTROY");
        Cell::decode(&cell).expect("a cell").circ_id
    };
    assert_eq!(
        pair.relay.circuits(),
        2,
        "the relay has not seen the DESTROY"
    );
    let mut bodies: Vec<[u8; CELL_BODY_LEN]> = vec![[0; CELL_BODY_LEN], [0xff; CELL_BODY_LEN]];
    let mut random = [0; CELL_BODY_LEN];
    pair.rng.fill_bytes(&mut random);
    bodies.push(random);
    let mut errors = 0;
    for command in 0..=255u8 {
        for body in &bodies {
            for circ_id in [victim_id, CircId(0x7fff_fff0), CircId(0x8000_0001)] {
                let cell = Cell {
                    circ_id,
                    command: CellCommand(command),
                    body: *body,
                };
                let result = pair.relay.handle_cell(
                    NOW,
                    LINK,
                    &cell.encode(),
                    &mut pair.rng,
                    &mut pair.endpoint,
                );
                errors += usize::from(result.is_err());
            }
        }
    }
    for bytes in [&b""[..], &[0u8; CELL_LEN - 1][..], &[0u8; CELL_LEN + 1][..]] {
        let result = pair
            .relay
            .handle_cell(NOW, LINK, bytes, &mut pair.rng, &mut pair.endpoint);
        assert!(matches!(result, Err(Error::Cell(_))));
    }
    let unknown_link = pair.relay.handle_cell(
        NOW,
        LinkId(99),
        &[0; CELL_LEN],
        &mut pair.rng,
        &mut pair.endpoint,
    );
    assert!(matches!(
        unknown_link,
        Err(Error::Circuit(CircuitError::UnknownLink { .. }))
    ));
    assert!(
        errors > 700,
        "only {errors} of 2304 hostile cells were refused"
    );
    // The victim is gone; the survivor still works end to end.
    pair.settle();
    assert_eq!(pair.relay.circuits(), 1);
    let request = StreamId::new(9).expect("non-zero");
    pair.client
        .service_request(
            NOW,
            survivor,
            request,
            ServiceCommand::FETCH_DESCRIPTOR,
            b"key",
        )
        .expect("the survivor is open");
    pair.settle();
    let (circuit, got, command, body) = pair.endpoint.services.pop().expect("delivered");
    assert_eq!(
        (got, command, body.as_slice()),
        (request, ServiceCommand::FETCH_DESCRIPTOR, &b"key"[..])
    );
    pair.relay
        .service_reply(circuit, request, ServiceCommand::REPLY, b"descriptor")
        .expect("answered");
    pair.settle();
    let reply: Vec<Event> = std::iter::from_fn(|| pair.client.poll_event()).collect();
    assert!(
        reply.contains(&Event::Service {
            circuit: survivor,
            request,
            command: ServiceCommand::REPLY,
            body: b"descriptor".to_vec(),
        }),
        "{reply:?}"
    );
}

#[test]
fn the_relay_reports_its_state_bytes_per_circuit_and_stream() {
    let per_circuit = Relay::state_bytes_per_circuit();
    let per_stream = Relay::state_bytes_per_stream();
    eprintln!("relay state: {per_circuit} bytes per circuit, {per_stream} per stream");
    // The four AES-128 key schedules (encryption and decryption round keys,
    // AES-NI and software forms) and two POLYVAL keys dominate; the bound
    // keeps the default 8192 circuits under 32 MiB before queues.
    assert!(per_circuit <= 4096, "{per_circuit} bytes per circuit");
    assert!(per_stream <= 64, "{per_stream} bytes per stream");
}
