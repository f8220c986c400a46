//! A deterministic swarm simulator: several [`Swarm`] engines joined by
//! in-memory byte pipes, on virtual time.
//!
//! Each [`Sim::step`] drains every engine's outputs (as a driver must after
//! each input), then delivers what the pipes hold, cut at random offsets,
//! so frames arrive split the way TCP splits them. When nothing moves, the
//! clock jumps to the earliest [`Swarm::poll_timeout`] and the engines due
//! get [`Swarm::handle_timeout`]. All randomness comes from one seed, which
//! every failure message prints; `SIM_SEED=n` replays one seed.
//!
//! A wiretap decodes what every engine sends, in the order it sends it, so
//! tests can assert on the messages the engines exchanged, not only on
//! their end state.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use torrent_wire::codec::Codec;
use torrent_wire::message::{HANDSHAKE_LEN, Message};
use torrent_wire::metainfo::Info;
use torrent_wire::session::{Event, Output, PeerKey, PieceSet, Swarm, SwarmConfig};
use torrent_wire::storage::MemoryStorage;
use torrent_wire::{Error, InfoHash, PeerId};

/// Virtual time that passes with each step that moved bytes: one pipe hop.
const HOP: Duration = Duration::from_millis(1);

/// The seeds a test runs with, or the one `SIM_SEED` names.
pub fn seeds() -> Vec<u64> {
    match std::env::var("SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("SIM_SEED is a number")],
        Err(_) => (0..4).collect(),
    }
}

/// An engine and what its driver saw.
pub struct Node {
    pub swarm: Swarm<MemoryStorage>,
    pub id: PeerId,
    /// Every event, in order.
    pub events: Vec<Event>,
    /// Every connection the engine closed, and why.
    pub disconnects: Vec<(PeerKey, Error)>,
    /// Storage failures.
    pub failures: Vec<Error>,
}

impl Node {
    /// Whether the engine reported [`Event::Complete`].
    pub fn completed(&self) -> bool {
        self.events.contains(&Event::Complete)
    }

    /// The peer ids this engine banned.
    pub fn banned(&self) -> Vec<PeerId> {
        self.events
            .iter()
            .filter_map(|event| match event {
                Event::PeerBanned { id, .. } => Some(*id),
                _ => None,
            })
            .collect()
    }
}

/// One direction of a link: bytes in transit and the tap's decoder.
#[derive(Default)]
struct Pipe {
    queued: VecDeque<Bytes>,
    /// Bytes stay queued, never delivered: a peer that stopped answering.
    held: bool,
    tap: BytesMut,
    handshake_seen: bool,
}

/// A connection between two nodes.
struct Link {
    /// `(node, the key that node's engine gave the connection)`, per side.
    ends: [(usize, PeerKey); 2],
    /// `pipes[0]` carries side 0's bytes to side 1.
    pipes: [Pipe; 2],
    open: bool,
}

/// A message the tap saw, `from` one node `to` another.
#[derive(Debug, Clone)]
pub struct Sent {
    pub from: usize,
    pub to: usize,
    pub message: Message,
}

/// The simulated network.
pub struct Sim {
    pub seed: u64,
    rng: ChaCha8Rng,
    pub start: Instant,
    pub now: Instant,
    pub nodes: Vec<Node>,
    links: Vec<Link>,
    /// Which link and side each `(node, key)` is.
    ends: BTreeMap<(usize, PeerKey), (usize, usize)>,
    /// Every message the tap decoded, in send order.
    pub log: Vec<Sent>,
    /// Steps taken so far.
    pub steps: usize,
}

impl Sim {
    /// An empty network whose randomness all comes from `seed`.
    pub fn new(seed: u64) -> Self {
        let start = Instant::now();
        Self {
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed),
            start,
            now: start,
            nodes: Vec::new(),
            links: Vec::new(),
            ends: BTreeMap::new(),
            log: Vec::new(),
            steps: 0,
        }
    }

    fn add(&mut self, id: PeerId, swarm: Swarm<MemoryStorage>) -> usize {
        self.nodes.push(Node {
            swarm,
            id,
            events: Vec::new(),
            disconnects: Vec::new(),
            failures: Vec::new(),
        });
        self.nodes.len() - 1
    }

    /// A node holding every piece of `info` in `content`, which a liar
    /// corrupts: it believes its storage and serves what is there.
    pub fn seeder(&mut self, config: SwarmConfig, info: &Info, content: Vec<u8>) -> usize {
        let storage = MemoryStorage::with_content(info, content).expect("content fits the torrent");
        let full = PieceSet::full(info.piece_count());
        let id = config.peer_id;
        let swarm = Swarm::new(config, info.clone(), storage, full).expect("a seeding engine");
        self.add(id, swarm)
    }

    /// A node with the metadata and nothing else.
    pub fn leecher(&mut self, config: SwarmConfig, info: &Info) -> usize {
        let storage = MemoryStorage::new(info).expect("storage for the torrent");
        let empty = PieceSet::empty(info.piece_count());
        let id = config.peer_id;
        let swarm = Swarm::new(config, info.clone(), storage, empty).expect("a leeching engine");
        self.add(id, swarm)
    }

    /// A node that knows only the info-hash; storage is attached when the
    /// metadata arrives, as a driver would.
    pub fn magnet_leecher(&mut self, config: SwarmConfig, info_hash: InfoHash) -> usize {
        let id = config.peer_id;
        self.add(id, Swarm::from_magnet(config, info_hash))
    }

    /// Opens a connection between nodes `a` and `b`.
    pub fn connect(&mut self, a: usize, b: usize) {
        let link = self.links.len();
        let key_a = self.nodes[a].swarm.add_peer(self.now);
        let key_b = self.nodes[b].swarm.add_peer(self.now);
        self.ends.insert((a, key_a), (link, 0));
        self.ends.insert((b, key_b), (link, 1));
        self.links.push(Link {
            ends: [(a, key_a), (b, key_b)],
            pipes: [Pipe::default(), Pipe::default()],
            open: true,
        });
    }

    /// Closes the connection between `a` and `b` as a broken socket would:
    /// both drivers call [`Swarm::remove_peer`], bytes in transit are lost.
    pub fn cut(&mut self, a: usize, b: usize) {
        let found = self.links.iter().position(|link| {
            link.open && {
                let nodes = [link.ends[0].0, link.ends[1].0];
                nodes == [a, b] || nodes == [b, a]
            }
        });
        let link = found.unwrap_or_else(|| panic!("seed {}: no open link {a}–{b}", self.seed));
        self.close(link);
        for (node, key) in self.links[link].ends {
            self.nodes[node].swarm.remove_peer(key);
        }
    }

    fn close(&mut self, link: usize) {
        let link = &mut self.links[link];
        link.open = false;
        for pipe in &mut link.pipes {
            pipe.queued.clear();
        }
    }

    /// From now on, what `from` sends `to` is never delivered, though the
    /// connection stays open: `from` went unresponsive.
    pub fn hold(&mut self, from: usize, to: usize) {
        let found = self.links.iter_mut().find_map(|link| {
            let side = link.ends.iter().position(|&(node, _)| node == from)?;
            (link.open && link.ends[1 - side].0 == to).then_some(&mut link.pipes[side])
        });
        found
            .unwrap_or_else(|| panic!("seed {}: no open link {from}→{to}", self.seed))
            .held = true;
    }

    /// Whether the connection between `a` and `b` is still open.
    pub fn linked(&self, a: usize, b: usize) -> bool {
        self.links.iter().any(|link| {
            let nodes = [link.ends[0].0, link.ends[1].0];
            link.open && (nodes == [a, b] || nodes == [b, a])
        })
    }

    /// Drains every engine's outputs into the pipes and the nodes' logs.
    fn collect(&mut self) -> bool {
        let mut moved = false;
        for node in 0..self.nodes.len() {
            while let Some(output) = self.nodes[node].swarm.poll_output() {
                moved = true;
                self.on_output(node, output);
            }
        }
        moved
    }

    fn on_output(&mut self, node: usize, output: Output) {
        match output {
            Output::Transmit { peer, data } => {
                let (link, side) = self.end(node, peer);
                if self.links[link].open {
                    self.tap(link, side, &data);
                    self.links[link].pipes[side].queued.push_back(data);
                }
            }
            Output::Disconnect { peer, reason } => {
                let (link, side) = self.end(node, peer);
                if self.links[link].open {
                    self.close(link);
                    // The other driver sees the socket close.
                    let (other, key) = self.links[link].ends[1 - side];
                    self.nodes[other].swarm.remove_peer(key);
                }
                self.nodes[node].disconnects.push((peer, reason));
            }
            Output::Event(Event::MetadataReady(info)) => {
                let storage = MemoryStorage::new(&info).expect("storage for the metadata");
                let empty = PieceSet::empty(info.piece_count());
                let attached =
                    self.nodes[node]
                        .swarm
                        .attach_storage(storage, empty, self.now, &mut self.rng);
                assert!(attached.is_ok(), "seed {}: attach: {attached:?}", self.seed);
                self.nodes[node].events.push(Event::MetadataReady(info));
            }
            Output::Event(event) => self.nodes[node].events.push(event),
            Output::Failed(error) => self.nodes[node].failures.push(error),
        }
    }

    fn end(&self, node: usize, key: PeerKey) -> (usize, usize) {
        *self
            .ends
            .get(&(node, key))
            .unwrap_or_else(|| panic!("seed {}: node {node} named unknown {key:?}", self.seed))
    }

    /// Delivers everything in transit, each chunk cut at a random offset;
    /// whether any byte moved.
    fn deliver(&mut self) -> bool {
        let mut moved = false;
        let mut order: Vec<(usize, usize)> = (0..self.links.len())
            .flat_map(|link| [(link, 0), (link, 1)])
            .collect();
        // Fisher–Yates, so no link is always served first.
        for i in (1..order.len()).rev() {
            let j = (self.rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        // What is in transit now; replies wait for the next step.
        let batches: Vec<(usize, usize, VecDeque<Bytes>)> = order
            .into_iter()
            .filter_map(|(link, side)| {
                let pipe = &mut self.links[link].pipes[side];
                (!pipe.held).then(|| (link, side, core::mem::take(&mut pipe.queued)))
            })
            .collect();
        for (link, side, batch) in batches {
            for data in batch {
                moved = true;
                let cut = (self.rng.next_u64() % (data.len() as u64 + 1)) as usize;
                for part in [data.slice(..cut), data.slice(cut..)] {
                    if part.is_empty() || !self.links[link].open {
                        continue;
                    }
                    let (to, key) = self.links[link].ends[1 - side];
                    self.nodes[to]
                        .swarm
                        .handle_input(key, &part, self.now, &mut self.rng);
                    // The driver contract: poll after every input.
                    self.collect();
                }
            }
        }
        moved
    }

    /// Decodes what `link`'s `side` sends into the log, in send order.
    fn tap(&mut self, link: usize, side: usize, bytes: &[u8]) {
        let (from, to) = (
            self.links[link].ends[side].0,
            self.links[link].ends[1 - side].0,
        );
        let pipe = &mut self.links[link].pipes[side];
        pipe.tap.extend_from_slice(bytes);
        if !pipe.handshake_seen {
            if pipe.tap.len() < HANDSHAKE_LEN {
                return;
            }
            let _ = pipe.tap.split_to(HANDSHAKE_LEN);
            pipe.handshake_seen = true;
        }
        let codec = Codec::default();
        while let Ok(Some(message)) = codec.decode(&mut pipe.tap) {
            self.log.push(Sent { from, to, message });
        }
    }

    /// Fires the timers that are due, after jumping the clock to the
    /// earliest; whether any engine had one.
    fn fire_timers(&mut self) -> bool {
        let due = self
            .nodes
            .iter()
            .filter_map(|node| node.swarm.poll_timeout())
            .min();
        let Some(due) = due else {
            return false;
        };
        self.now = self.now.max(due);
        for node in &mut self.nodes {
            if node.swarm.poll_timeout().is_some_and(|at| at <= self.now) {
                node.swarm.handle_timeout(self.now, &mut self.rng);
            }
        }
        self.collect();
        true
    }

    /// One round: outputs collected, bytes delivered, or else timers fired.
    /// Whether anything happened.
    pub fn step(&mut self) -> bool {
        self.steps += 1;
        let mut moved = self.collect();
        if self.deliver() {
            self.now += HOP;
            moved = true;
        }
        moved || self.fire_timers()
    }

    /// Steps until `done` holds; panics, naming the seed, if it still does
    /// not after `max_steps` or if the network falls silent first.
    pub fn run_until(&mut self, max_steps: usize, what: &str, done: impl Fn(&Sim) -> bool) {
        for _ in 0..max_steps {
            if done(self) {
                return;
            }
            if !self.step() {
                panic!("seed {}: the network fell silent before {what}", self.seed);
            }
        }
        assert!(
            done(self),
            "seed {}: no {what} after {max_steps} steps ({:?} of virtual time)",
            self.seed,
            self.now - self.start
        );
    }

    /// Steps while anything is still in transit or queued, without
    /// firing timers; panics after `max_steps`.
    pub fn settle(&mut self, max_steps: usize) {
        for _ in 0..max_steps {
            self.steps += 1;
            let collected = self.collect();
            if !self.deliver() && !collected {
                return;
            }
            self.now += HOP;
        }
        panic!("seed {}: still busy after {max_steps} steps", self.seed);
    }

    /// Random bytes from the simulation's seed.
    pub fn random_bytes(&mut self, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; len];
        self.rng.fill_bytes(&mut bytes);
        bytes
    }

    /// The messages node `from` sent node `to`, in order.
    pub fn sent(&self, from: usize, to: usize) -> impl Iterator<Item = &Message> {
        self.log
            .iter()
            .filter(move |sent| sent.from == from && sent.to == to)
            .map(|sent| &sent.message)
    }
}

/// The defaults with peer id `[id; 20]` and a pipeline of 8 requests, so
/// that a torrent of a few dozen blocks is not in endgame from the start.
pub fn config(id: u8) -> SwarmConfig {
    let mut config = SwarmConfig::new(PeerId([id; 20]));
    config.pipeline_depth = 8;
    config
}
