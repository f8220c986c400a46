//! A deterministic simulation of relays and clients on virtual time, for
//! tests, benches and fuzzing (feature `sim`).
//!
//! [`Sim`] owns N [`Relay`]s (each with an [`EchoEndpoint`]), M
//! [`Client`]s, a [`Directory`] of the relays' signed descriptors, and a
//! network that carries cells with a fixed latency, loses or reorders them
//! as [`Faults`] say, and shows each to an optional [`Tap`]. Everything
//! random comes from one seeded RNG, and [`Sim::new`] prints the seed, so
//! a failing run can be replayed with `ONION_SIM_SEED`.
//!
//! It lives in the crate rather than in `tests/` because the benches and
//! the fuzz targets drive the same network.
//!
//! ```
//! use onion_core::sim::{Sim, SimConfig};
//!
//! let mut sim = Sim::new(SimConfig::default(), Sim::seed_from_env(7));
//! let path = sim.path(0, 3)?;
//! let circuit = sim.build_circuit(0, &path)?;
//! sim.run(10_000);
//! assert!(sim.is_ready(0, circuit));
//! # Ok::<(), onion_core::Error>(())
//! ```

mod endpoint;
mod network;

use core::time::Duration;
use std::collections::BTreeSet;

use ed25519_dalek::SigningKey;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::circuit::{CircuitHandle, Client, ClientConfig, Event, HopTarget};
use crate::directory::{
    Descriptor, Directory, ExitPolicy, ExitRequest, GuardSet, LastHop, PathRequest, PortRange,
    RelayFlags, Traffic, TrafficSet, UnixTime, VerifiedDescriptor,
};
use crate::error::Error;
use crate::handshake::{OnionKeyring, OnionSecret};
use crate::identity::RelayId;
use crate::link::{LinkId, Output};
use crate::relay::{Relay, RelayConfig};

pub use endpoint::EchoEndpoint;
pub use network::{Delivery, Faults, NodeId, Tap, Verdict};

/// The environment variable that overrides a test's seed.
pub const SEED_VAR: &str = "ONION_SIM_SEED";

/// The wall-clock time the simulated directory is valid at.
const EPOCH: UnixTime = UnixTime::from_secs(1_800_000_000);

/// The request every simulated path ends with: tracker traffic, which
/// every simulated relay lets out.
pub const EXIT_REQUEST: ExitRequest = ExitRequest {
    traffic: Traffic::Tracker,
    port: 6969,
};

/// The shape of a simulation.
#[derive(Clone, Copy, Debug)]
pub struct SimConfig {
    /// How many relays.
    pub relays: usize,
    /// How many clients.
    pub clients: usize,
    /// How long a cell takes on any link.
    pub latency: Duration,
    /// Loss and reordering on every link.
    pub faults: Faults,
    /// Every relay's configuration.
    pub relay: RelayConfig,
    /// Every client's configuration.
    pub client: ClientConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            relays: 6,
            clients: 1,
            latency: Duration::from_millis(20),
            faults: Faults::default(),
            relay: RelayConfig::default(),
            // No padding by default, so an idle simulation stops.
            client: ClientConfig {
                padding_interval: None,
                ..ClientConfig::default()
            },
        }
    }
}

/// A relay of the simulation and its endpoint.
pub struct SimRelay {
    /// The state machine.
    pub relay: Relay,
    /// Its endpoint.
    pub endpoint: EchoEndpoint,
}

/// A client of the simulation and what it reported.
pub struct SimClient {
    /// The state machine.
    pub client: Client,
    /// Its mesh identity.
    pub identity: RelayId,
    /// Every event it produced, in order.
    pub events: Vec<Event>,
    guards: GuardSet,
}

/// The simulation. See the [module docs](self).
pub struct Sim {
    now: Duration,
    rng: ChaCha20Rng,
    config: SimConfig,
    relays: Vec<SimRelay>,
    clients: Vec<SimClient>,
    directory: Directory,
    network: network::Network,
    tap: Option<Tap>,
    /// Nodes whose outputs are left queued, like a caller whose links
    /// push back.
    paused: BTreeSet<NodeId>,
}

impl Sim {
    /// The seed in [`SEED_VAR`] if set, otherwise `default`.
    pub fn seed_from_env(default: u64) -> u64 {
        std::env::var(SEED_VAR)
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or(default)
    }

    /// A simulation of `config`, every random choice drawn from `seed`,
    /// which is printed so a failing test can be replayed.
    ///
    /// # Panics
    /// If a simulated descriptor fails to sign or verify, a bug in this
    /// crate.
    pub fn new(config: SimConfig, seed: u64) -> Self {
        eprintln!("onion-core sim seed: {seed} (replay with {SEED_VAR}={seed})");
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut directory = Directory::new();
        let relays = (0..config.relays)
            .map(|_| {
                let (relay, descriptor) = new_relay(&config, &mut rng);
                directory.insert(descriptor);
                SimRelay {
                    relay,
                    endpoint: EchoEndpoint::default(),
                }
            })
            .collect();
        let clients = (0..config.clients)
            .map(|_| {
                let identity = RelayId::from_bytes(random_bytes(&mut rng));
                SimClient {
                    client: Client::new(identity, config.client),
                    identity,
                    events: Vec::new(),
                    guards: GuardSet::default(),
                }
            })
            .collect();
        Sim {
            now: Duration::ZERO,
            rng,
            config,
            relays,
            clients,
            directory,
            network: network::Network::default(),
            tap: None,
            paused: BTreeSet::new(),
        }
    }

    /// The virtual time.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// The simulation's RNG, for tests that need more randomness from the
    /// same seed.
    pub fn rng(&mut self) -> &mut ChaCha20Rng {
        &mut self.rng
    }

    /// Shows every cell to `tap` as it arrives.
    pub fn set_tap(&mut self, tap: Tap) {
        self.tap = Some(tap);
    }

    /// Changes the faults of every link from now on.
    pub fn set_faults(&mut self, faults: Faults) {
        self.config.faults = faults;
    }

    /// The relay at `index`.
    pub fn relay(&self, index: usize) -> Option<&SimRelay> {
        self.relays.get(index)
    }

    /// The relays.
    pub fn relays(&self) -> &[SimRelay] {
        &self.relays
    }

    /// The index of the relay named `identity`.
    pub fn relay_index(&self, identity: &RelayId) -> Option<usize> {
        self.relays
            .iter()
            .position(|relay| relay.relay.identity() == identity)
    }

    /// The client at `index`.
    pub fn client(&self, index: usize) -> Option<&SimClient> {
        self.clients.get(index)
    }

    /// The link between two nodes, if one was opened.
    pub fn link_between(&self, a: NodeId, b: NodeId) -> Option<LinkId> {
        self.network.existing(a, b)
    }

    /// Closes the link between `a` and `b` and reports it at both ends;
    /// cells still on it are delivered to nobody.
    pub fn close_link(&mut self, a: NodeId, b: NodeId) {
        let Some(link) = self.network.close(a, b) else {
            return;
        };
        for node in [a, b] {
            match node {
                NodeId::Relay(index) => {
                    if let Some(state) = self.relays.get_mut(index) {
                        state.relay.link_down(link, &mut state.endpoint);
                        state.endpoint.apply(&mut state.relay);
                    }
                }
                NodeId::Client(index) => {
                    if let Some(state) = self.clients.get_mut(index) {
                        state.client.link_down(link);
                    }
                }
            }
            self.drain(node);
        }
    }

    /// How many cells are on the wire.
    pub fn in_flight(&self) -> usize {
        self.network.in_flight()
    }

    /// A path of `hops` relays for client `client`, from the directory.
    ///
    /// # Errors
    /// [`Error::Path`] if the directory cannot give one.
    pub fn path(&mut self, client: usize, hops: usize) -> Result<Vec<HopTarget>, Error> {
        let guards = &mut self
            .clients
            .get_mut(client)
            .ok_or(crate::CircuitError::Closed)?
            .guards;
        let request = PathRequest {
            hops,
            last_hop: LastHop::Exit(EXIT_REQUEST),
        };
        let path = self
            .directory
            .select_path(guards, &request, EPOCH, &mut self.rng)?;
        Ok(path
            .hops()
            .iter()
            .map(|hop| HopTarget::from(*hop))
            .collect())
    }

    /// Starts a circuit of client `client` through `path`.
    ///
    /// # Errors
    /// What [`Client::build_circuit`] returns.
    pub fn build_circuit(
        &mut self,
        client: usize,
        path: &[HopTarget],
    ) -> Result<CircuitHandle, Error> {
        self.with_client(client, |client, now, rng| {
            client.build_circuit(now, path, rng)
        })
    }

    /// Runs `act` on client `client` with the current time and the RNG,
    /// then carries out whatever it asked for.
    ///
    /// # Errors
    /// [`CircuitError::Closed`](crate::CircuitError::Closed) for a client
    /// that does not exist, or what `act` returns.
    pub fn with_client<T>(
        &mut self,
        client: usize,
        act: impl FnOnce(&mut Client, Duration, &mut ChaCha20Rng) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let now = self.now;
        let state = self
            .clients
            .get_mut(client)
            .ok_or(crate::CircuitError::Closed)?;
        let result = act(&mut state.client, now, &mut self.rng);
        self.drain(NodeId::Client(client));
        result
    }

    /// Runs `act` on relay `relay` and its endpoint, then carries out what
    /// they asked for.
    ///
    /// # Errors
    /// [`CircuitError::Closed`](crate::CircuitError::Closed) for a relay
    /// that does not exist, or what `act` returns.
    pub fn with_relay<T>(
        &mut self,
        relay: usize,
        act: impl FnOnce(&mut Relay, &mut EchoEndpoint) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let state = self
            .relays
            .get_mut(relay)
            .ok_or(crate::CircuitError::Closed)?;
        let result = act(&mut state.relay, &mut state.endpoint);
        state.endpoint.apply(&mut state.relay);
        self.drain(NodeId::Relay(relay));
        result
    }

    /// Stops carrying out `node`'s outputs: they wait in its queue.
    pub fn pause(&mut self, node: NodeId) {
        self.paused.insert(node);
    }

    /// Carries out `node`'s outputs again, starting with those it queued.
    pub fn resume(&mut self, node: NodeId) {
        self.paused.remove(&node);
        self.drain(node);
    }

    /// Whether client `client` saw `circuit` become ready.
    pub fn is_ready(&self, client: usize, circuit: CircuitHandle) -> bool {
        self.events(client).iter().any(
            |event| matches!(event, Event::CircuitReady { circuit: ready } if *ready == circuit),
        )
    }

    /// Every event client `client` produced.
    pub fn events(&self, client: usize) -> &[Event] {
        self.clients
            .get(client)
            .map_or(&[], |client| client.events.as_slice())
    }

    /// Takes the events client `client` produced so far.
    pub fn take_events(&mut self, client: usize) -> Vec<Event> {
        self.clients
            .get_mut(client)
            .map(|client| core::mem::take(&mut client.events))
            .unwrap_or_default()
    }

    /// Delivers the next cell, or fires the next timeout, whichever is
    /// first. Returns `false` when nothing is left to do.
    pub fn step(&mut self) -> bool {
        let timer = self.next_timeout();
        let delivery = self.network.next_at();
        match (delivery, timer) {
            (Some(at), None) => self.deliver_next(at),
            (Some(at), Some(timer)) if at <= timer => self.deliver_next(at),
            (_, Some(timer)) => {
                self.now = self.now.max(timer);
                self.fire_timeouts();
            }
            (None, None) => return false,
        }
        true
    }

    fn deliver_next(&mut self, at: Duration) {
        self.now = self.now.max(at);
        if let Some(delivery) = self.network.pop() {
            self.arrive(delivery);
        }
    }

    /// Steps until nothing is left or `max_steps` were taken; returns the
    /// steps taken.
    pub fn run(&mut self, max_steps: usize) -> usize {
        (0..max_steps).take_while(|_| self.step()).count()
    }

    /// Steps until `done` holds (then `true`), nothing is left or
    /// `max_steps` were taken (then `false`).
    pub fn run_until(&mut self, max_steps: usize, mut done: impl FnMut(&Sim) -> bool) -> bool {
        for _ in 0..max_steps {
            if done(self) {
                return true;
            }
            if !self.step() {
                break;
            }
        }
        done(self)
    }

    /// Advances virtual time to `at` (if later), firing every timeout and
    /// delivering every cell due on the way.
    pub fn advance_to(&mut self, at: Duration, max_steps: usize) {
        for _ in 0..max_steps {
            let next = [self.network.next_at(), self.next_timeout()]
                .into_iter()
                .flatten()
                .min();
            if next.is_none_or(|next| next > at) {
                break;
            }
            self.step();
        }
        self.now = self.now.max(at);
    }

    fn next_timeout(&self) -> Option<Duration> {
        let relays = self
            .relays
            .iter()
            .filter_map(|relay| relay.relay.poll_timeout());
        let clients = self
            .clients
            .iter()
            .filter_map(|client| client.client.poll_timeout());
        relays.chain(clients).min()
    }

    fn fire_timeouts(&mut self) {
        let now = self.now;
        for index in 0..self.relays.len() {
            if let Some(relay) = self.relays.get_mut(index)
                && relay.relay.poll_timeout().is_some_and(|due| due <= now)
            {
                relay.relay.handle_timeout(now);
                self.drain(NodeId::Relay(index));
            }
        }
        for index in 0..self.clients.len() {
            if let Some(client) = self.clients.get_mut(index)
                && client.client.poll_timeout().is_some_and(|due| due <= now)
            {
                client.client.handle_timeout(now);
                self.drain(NodeId::Client(index));
            }
        }
    }

    fn arrive(&mut self, mut delivery: Delivery) {
        let verdict = self
            .tap
            .as_mut()
            .map_or(Verdict::Deliver, |tap| tap(&mut delivery));
        let copies = match verdict {
            Verdict::Drop => 0,
            Verdict::Deliver => 1,
            Verdict::Replay => 2,
        };
        for _ in 0..copies {
            self.handle(delivery.to, delivery.link, &delivery.cell);
        }
    }

    /// Gives `cell` to node `to` as if `link` delivered it; errors are the
    /// node's business (it already closed what it had to).
    fn handle(&mut self, to: NodeId, link: LinkId, cell: &[u8]) {
        let now = self.now;
        match to {
            NodeId::Relay(index) => {
                if let Some(state) = self.relays.get_mut(index) {
                    let _ = state.relay.handle_cell(
                        now,
                        link,
                        cell,
                        &mut self.rng,
                        &mut state.endpoint,
                    );
                    state.endpoint.apply(&mut state.relay);
                }
            }
            NodeId::Client(index) => {
                if let Some(state) = self.clients.get_mut(index) {
                    let _ = state.client.handle_cell(now, link, cell, &mut self.rng);
                }
            }
        }
        self.drain(to);
    }

    /// Carries out every output of `node`, and of the nodes that opening a
    /// link woke.
    fn drain(&mut self, node: NodeId) {
        let mut dirty = vec![node];
        while let Some(node) = dirty.pop() {
            if self.paused.contains(&node) {
                continue;
            }
            while let Some(output) = self.poll_output(node) {
                match output {
                    Output::Transmit { link, cell } => self.transmit(node, link, cell),
                    Output::Connect { relay } => dirty.extend(self.connect(node, &relay)),
                }
            }
            if let NodeId::Client(index) = node
                && let Some(client) = self.clients.get_mut(index)
            {
                while let Some(event) = client.client.poll_event() {
                    client.events.push(event);
                }
            }
        }
    }

    fn poll_output(&mut self, node: NodeId) -> Option<Output> {
        match node {
            NodeId::Relay(index) => self.relays.get_mut(index)?.relay.poll_output(),
            NodeId::Client(index) => self.clients.get_mut(index)?.client.poll_output(),
        }
    }

    fn transmit(&mut self, from: NodeId, link: LinkId, cell: [u8; crate::CELL_LEN]) {
        let Some(to) = self.network.peer(link, from) else {
            return;
        };
        let faults = self.config.faults;
        if chance(&mut self.rng, faults.loss) {
            return;
        }
        let mut at = self.now + self.config.latency;
        if chance(&mut self.rng, faults.reorder) {
            at += self.config.latency * 4;
        }
        let delivery = Delivery {
            from,
            to,
            link,
            cell,
        };
        self.network.send(at, delivery);
    }

    /// Opens a link from `node` to the relay `relay` and reports it at both
    /// ends; returns the nodes that may now have outputs.
    fn connect(&mut self, node: NodeId, relay: &RelayId) -> Vec<NodeId> {
        let Some(target) = self.relay_index(relay) else {
            match node {
                NodeId::Relay(index) => {
                    if let Some(state) = self.relays.get_mut(index) {
                        state.relay.connect_failed(*relay);
                    }
                }
                NodeId::Client(index) => {
                    if let Some(state) = self.clients.get_mut(index) {
                        state.client.connect_failed(*relay);
                    }
                }
            }
            return vec![node];
        };
        let target_node = NodeId::Relay(target);
        let (link, _) = self.network.link(node, target_node);
        let now = self.now;
        let Some(identity) = self.identity(node) else {
            return Vec::new();
        };
        if let Some(state) = self.relays.get_mut(target) {
            state.relay.link_up(now, link, identity, &mut self.rng);
        }
        match node {
            NodeId::Relay(index) => {
                if let Some(state) = self.relays.get_mut(index) {
                    state.relay.link_up(now, link, *relay, &mut self.rng);
                }
            }
            NodeId::Client(index) => {
                if let Some(state) = self.clients.get_mut(index) {
                    state.client.link_up(link, *relay, &mut self.rng);
                }
            }
        }
        vec![node, target_node]
    }

    fn identity(&self, node: NodeId) -> Option<RelayId> {
        match node {
            NodeId::Relay(index) => self.relays.get(index).map(|relay| *relay.relay.identity()),
            NodeId::Client(index) => self.clients.get(index).map(|client| client.identity),
        }
    }
}

/// A relay with fresh keys and its verified descriptor: a guard and a
/// tracker exit, so any path fits it.
fn new_relay(config: &SimConfig, rng: &mut ChaCha20Rng) -> (Relay, VerifiedDescriptor) {
    let signing = SigningKey::from_bytes(&random_bytes(rng));
    let identity = RelayId::from_bytes(signing.verifying_key().to_bytes());
    let keyring = OnionKeyring::new(OnionSecret::generate(rng));
    let mut descriptor = Descriptor::new(
        keyring.current_key(),
        EPOCH,
        Duration::from_secs(24 * 60 * 60),
    );
    descriptor.flags = RelayFlags::GUARD | RelayFlags::EXIT;
    descriptor.exit_policy =
        ExitPolicy::accept(TrafficSet::EMPTY.with(Traffic::Tracker), [PortRange::ALL])
            .expect("one full port range is a valid exit policy");
    let signed = descriptor
        .sign(&signing)
        .expect("a simulated descriptor is valid");
    let verified =
        VerifiedDescriptor::verify(&signed, EPOCH).expect("a freshly signed descriptor verifies");
    (Relay::new(identity, keyring, config.relay), verified)
}

fn random_bytes(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut bytes = [0; 32];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// `true` with probability `probability`.
fn chance(rng: &mut ChaCha20Rng, probability: f64) -> bool {
    probability > 0.0 && (rng.next_u64() as f64) < probability * (u64::MAX as f64)
}
