//! The swarm engine: every connection of one torrent, sans-IO.
//!
//! The driver owns the sockets and the clock. It calls
//! [`Swarm::add_peer`] for each connection, [`Swarm::handle_input`] with
//! the bytes it read, [`Swarm::handle_timeout`] when [`Swarm::poll_timeout`]
//! says, and after each of these drains [`Swarm::poll_output`]: bytes to
//! send, connections to close, events.

mod download;
mod extension;
mod upload;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

use bytes::BytesMut;
use rand_core::Rng;

use super::metadata::MetadataFetch;
use super::peer::{Peer, Phase, Pieces};
use super::verify::Verifier;
use super::{Event, Output, PeerKey, PiecePicker, PieceSet, SwarmConfig};
use crate::codec::Codec;
use crate::error::{Error, SessionError};
use crate::message::{Handshake, Message};
use crate::metainfo::Info;
use crate::storage::Storage;
use crate::{InfoHash, PeerId};

/// Most pieces a torrent fetched over ut_metadata can have: what
/// [`crate::message::MAX_METADATA_SIZE`] bytes of hashes describe. Bounds
/// what a peer can announce before the metadata is known.
const MAX_PIECES: u32 = crate::message::MAX_METADATA_SIZE / 20;

/// The download and upload state of one torrent and all its peers.
///
/// ```
/// use std::time::Instant;
/// use rand_chacha::rand_core::SeedableRng;
/// use torrent_wire::metainfo::TorrentBuilder;
/// use torrent_wire::session::{Event, Output, PieceSet, Swarm, SwarmConfig};
/// use torrent_wire::storage::MemoryStorage;
/// use torrent_wire::PeerId;
///
/// let content = vec![9; 100_000];
/// let torrent = TorrentBuilder::new(32 * 1024)?.single_file("a", &content)?;
/// let info = torrent.info().clone();
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let now = Instant::now();
///
/// let seed_storage = MemoryStorage::with_content(&info, content.clone())?;
/// let full = PieceSet::full(info.piece_count());
/// let mut seed = Swarm::new(SwarmConfig::new(PeerId([1; 20])), info.clone(), seed_storage, full)?;
/// let mut leech = Swarm::new(
///     SwarmConfig::new(PeerId([2; 20])),
///     info.clone(),
///     MemoryStorage::new(&info)?,
///     PieceSet::empty(info.piece_count()),
/// )?;
/// let (at_seed, at_leech) = (seed.add_peer(now), leech.add_peer(now));
///
/// // The driver loop, with an in-memory "network" between the two.
/// let mut complete = false;
/// for _ in 0..100 {
///     let mut moved = false;
///     while let Some(output) = seed.poll_output() {
///         if let Output::Transmit { data, .. } = output {
///             leech.handle_input(at_leech, &data, now, &mut rng);
///             moved = true;
///         }
///     }
///     while let Some(output) = leech.poll_output() {
///         match output {
///             Output::Transmit { data, .. } => {
///                 seed.handle_input(at_seed, &data, now, &mut rng);
///                 moved = true;
///             }
///             Output::Event(Event::Complete) => complete = true,
///             _ => {}
///         }
///     }
///     if !moved {
///         break;
///     }
/// }
/// assert!(complete);
/// assert_eq!(leech.storage().expect("attached").content(), content);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Swarm<S: Storage> {
    config: SwarmConfig,
    info_hash: InfoHash,
    codec: Codec,
    info: Option<Info>,
    torrent: Option<Torrent<S>>,
    fetch: MetadataFetch,
    peers: BTreeMap<PeerKey, Peer>,
    next_key: u64,
    banned: BTreeSet<PeerId>,
    outputs: VecDeque<Output>,
    transmit: BTreeMap<PeerKey, BytesMut>,
}

/// What exists once the metadata is known and storage attached.
#[derive(Debug)]
struct Torrent<S> {
    storage: S,
    picker: PiecePicker,
    verifier: Verifier,
    /// Pieces that failed their hash, each fetched again from one peer
    /// alone (the first to be given a block of it): a liar who keeps
    /// sharing a piece with honest peers would otherwise fail it forever
    /// without ever being its sole sender.
    retries: BTreeMap<u32, Option<PeerKey>>,
}

impl<S> Torrent<S> {
    fn new(storage: S, picker: PiecePicker) -> Self {
        Self {
            storage,
            picker,
            verifier: Verifier::default(),
            retries: BTreeMap::new(),
        }
    }

    /// Frees the retried pieces `key` was fetching for the next peer.
    fn release_retries(&mut self, key: PeerKey) {
        for owner in self.retries.values_mut() {
            if *owner == Some(key) {
                *owner = None;
            }
        }
    }
}

impl<S: Storage> Swarm<S> {
    /// An engine for a torrent whose metadata is known, with `storage`
    /// already holding the verified pieces `have`.
    ///
    /// # Errors
    /// [`SessionError::BitfieldLength`] if `have` is not a set of `info`'s
    /// pieces.
    pub fn new(
        config: SwarmConfig,
        info: Info,
        storage: S,
        have: PieceSet,
    ) -> Result<Self, SessionError> {
        let mut swarm = Self::from_magnet(config, info.info_hash());
        swarm.torrent = Some(Torrent::new(storage, PiecePicker::with_have(&info, have)?));
        swarm.info = Some(info);
        Ok(swarm)
    }

    /// An engine that starts from a magnet link: it fetches the metadata
    /// from peers first and reports [`Event::MetadataReady`].
    pub fn from_magnet(config: SwarmConfig, info_hash: InfoHash) -> Self {
        Self {
            config,
            info_hash,
            codec: Codec::default(),
            info: None,
            torrent: None,
            fetch: MetadataFetch::default(),
            peers: BTreeMap::new(),
            next_key: 0,
            banned: BTreeSet::new(),
            outputs: VecDeque::new(),
            transmit: BTreeMap::new(),
        }
    }

    /// Starts downloading into `storage`, which holds the verified pieces
    /// `have`, once the metadata is known.
    ///
    /// # Errors
    /// [`SessionError::Storage`] before [`Event::MetadataReady`] or if
    /// storage is attached already; [`SessionError::BitfieldLength`] if
    /// `have` is not a set of the torrent's pieces.
    pub fn attach_storage(
        &mut self,
        storage: S,
        have: PieceSet,
        now: Instant,
        rng: &mut impl Rng,
    ) -> Result<(), SessionError> {
        let (Some(info), None) = (&self.info, &self.torrent) else {
            return Err(SessionError::Storage);
        };
        let mut picker = PiecePicker::with_have(info, have)?;
        for peer in self.peers.values() {
            if let Some(pieces) = peer.known_pieces() {
                picker.add_peer(pieces);
            }
        }
        let announce: Vec<u32> = picker.have().iter().collect();
        self.torrent = Some(Torrent::new(storage, picker));
        for key in self.connected() {
            for &piece in &announce {
                self.send(key, &Message::Have(piece), now);
            }
            self.update_interest(key, now);
            self.fill_requests(key, now, rng);
        }
        self.flush();
        Ok(())
    }

    /// A new connection, inbound or outbound; our handshake is queued.
    pub fn add_peer(&mut self, now: Instant) -> PeerKey {
        let key = PeerKey(self.next_key);
        self.next_key += 1;
        self.peers.insert(key, Peer::new(now));
        let handshake = Handshake::new(self.info_hash, self.config.peer_id);
        handshake.encode(self.transmit.entry(key).or_default());
        self.flush();
        key
    }

    /// The driver closed the connection or it broke.
    pub fn remove_peer(&mut self, key: PeerKey) {
        self.forget_peer(key);
        self.flush();
    }

    /// Bytes read from `key`'s connection.
    pub fn handle_input(&mut self, key: PeerKey, bytes: &[u8], now: Instant, rng: &mut impl Rng) {
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        peer.recv.extend_from_slice(bytes);
        peer.last_received = now;
        while let Some(peer) = self.peers.get_mut(&key) {
            let step = match peer.phase {
                Phase::Handshaking => match Handshake::decode(&mut peer.recv) {
                    Ok(Some(handshake)) => self.on_handshake(key, handshake, now).map(Some),
                    Ok(None) => Ok(None),
                    Err(error) => Err(error.into()),
                },
                Phase::Connected => match self.codec.decode(&mut peer.recv) {
                    Ok(Some(message)) => self.on_message(key, message, now, rng).map(Some),
                    Ok(None) => Ok(None),
                    Err(error) => Err(error.into()),
                },
            };
            match step {
                Ok(Some(())) => {}
                Ok(None) => break,
                Err(reason) => {
                    self.disconnect(key, reason);
                    break;
                }
            }
        }
        self.flush();
    }

    /// Time passed; call at [`Swarm::poll_timeout`] or later.
    pub fn handle_timeout(&mut self, now: Instant, rng: &mut impl Rng) {
        for key in self.peers.keys().copied().collect::<Vec<_>>() {
            let Some(peer) = self.peers.get(&key) else {
                continue;
            };
            if now.saturating_duration_since(peer.last_received) >= self.config.idle_timeout {
                self.disconnect(key, SessionError::Idle.into());
                continue;
            }
            if now.saturating_duration_since(peer.last_sent) >= self.config.keep_alive {
                self.send(key, &Message::KeepAlive, now);
            }
            self.expire_requests(key, now);
        }
        if let Some(limit) = now.checked_sub(self.config.request_timeout) {
            for key in self.connected() {
                self.fetch.release(key, Some(limit));
            }
        }
        for key in self.connected() {
            self.fill_requests(key, now, rng);
            self.fill_metadata(key, now);
        }
        self.flush();
    }

    /// The next thing for the driver to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to call [`Swarm::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let config = &self.config;
        let peers = self.peers.values().flat_map(|peer| {
            let oldest = peer.in_flight.iter().map(|(_, at)| *at).min();
            [
                Some(peer.last_received + config.idle_timeout),
                Some(peer.last_sent + config.keep_alive),
                oldest.map(|at| at + config.request_timeout),
            ]
        });
        let metadata = self
            .fetch
            .oldest_request()
            .map(|at| at + config.request_timeout);
        peers.chain([metadata]).flatten().min()
    }

    /// The torrent's info dictionary, once known.
    pub fn info(&self) -> Option<&Info> {
        self.info.as_ref()
    }

    /// The verified pieces, once storage is attached.
    pub fn have(&self) -> Option<&PieceSet> {
        self.torrent.as_ref().map(|torrent| torrent.picker.have())
    }

    /// Whether every piece is verified.
    pub fn is_complete(&self) -> bool {
        self.torrent
            .as_ref()
            .is_some_and(|torrent| torrent.picker.is_complete())
    }

    /// The storage, once attached.
    pub fn storage(&self) -> Option<&S> {
        self.torrent.as_ref().map(|torrent| &torrent.storage)
    }

    /// Connections that finished their handshake.
    pub fn peer_count(&self) -> usize {
        self.connected().len()
    }

    fn connected(&self) -> Vec<PeerKey> {
        self.peers
            .iter()
            .filter(|(_, peer)| peer.phase == Phase::Connected)
            .map(|(key, _)| *key)
            .collect()
    }

    fn on_handshake(
        &mut self,
        key: PeerKey,
        handshake: Handshake,
        now: Instant,
    ) -> Result<(), Error> {
        if handshake.info_hash != self.info_hash {
            return Err(SessionError::InfoHashMismatch.into());
        }
        if self.banned.contains(&handshake.peer_id) {
            return Err(SessionError::Banned.into());
        }
        let taken = handshake.peer_id == self.config.peer_id
            || self
                .peers
                .values()
                .any(|peer| peer.id == Some(handshake.peer_id));
        if taken {
            return Err(SessionError::DuplicatePeer.into());
        }
        let Some(peer) = self.peers.get_mut(&key) else {
            return Ok(());
        };
        peer.phase = Phase::Connected;
        peer.id = Some(handshake.peer_id);
        peer.fast = handshake.reserved.fast();
        peer.extended = handshake.reserved.extended();
        let (fast, extended) = (peer.fast, peer.extended);
        self.outputs.push_back(
            Event::PeerConnected {
                peer: key,
                id: handshake.peer_id,
            }
            .into(),
        );
        let have = self.torrent.as_ref().map(|torrent| torrent.picker.have());
        let announce = match have {
            Some(have) if fast && have.is_full() => Some(Message::HaveAll),
            Some(have) if have.count() > 0 => {
                Some(Message::Bitfield(have.as_wire().to_vec().into()))
            }
            _ if fast => Some(Message::HaveNone),
            _ => None,
        };
        if let Some(announce) = announce {
            self.send(key, &announce, now);
        }
        if extended {
            let ours = self.extended_handshake();
            self.send(key, &ours.to_message(), now);
        }
        Ok(())
    }

    fn on_message(
        &mut self,
        key: PeerKey,
        message: Message,
        now: Instant,
        rng: &mut impl Rng,
    ) -> Result<(), Error> {
        let Some(peer) = self.peers.get_mut(&key) else {
            return Ok(());
        };
        let first = !peer.announced;
        // Messages that say nothing about pieces may come before the
        // announce: libtorrent sends its extended handshake first.
        let neutral = matches!(
            message,
            Message::KeepAlive | Message::Port(_) | Message::Extended { .. }
        );
        peer.announced |= !neutral;
        let fast = peer.fast;
        let need_fast = |message| {
            if fast {
                Ok(())
            } else {
                Err(SessionError::OutOfPlace { message })
            }
        };
        match message {
            Message::KeepAlive
            | Message::Port(_)
            | Message::Cancel(_)
            | Message::Unknown { .. } => {}
            Message::Suggest(_) => need_fast("suggest")?,
            Message::Choke => self.on_choke(key),
            Message::Unchoke => {
                peer.peer_choking = false;
                self.fill_requests(key, now, rng);
            }
            Message::Interested => {
                peer.peer_interested = true;
                self.unchoke_if_free(key, now);
            }
            Message::NotInterested => {
                peer.peer_interested = false;
                self.choke(key, now);
            }
            Message::Have(index) => self.on_have(key, index, now, rng)?,
            Message::Bitfield(bits) => {
                let announced = Pieces::announced(Some(bits), false);
                self.on_announce(key, first, ("bitfield", announced), now, rng)?;
            }
            Message::HaveAll => {
                need_fast("have all")?;
                let announced = Pieces::announced(None, true);
                self.on_announce(key, first, ("have all", announced), now, rng)?;
            }
            Message::HaveNone => {
                need_fast("have none")?;
                let announced = Pieces::announced(None, false);
                self.on_announce(key, first, ("have none", announced), now, rng)?;
            }
            Message::Request(block) => self.serve(key, block, now),
            Message::Piece {
                piece,
                offset,
                data,
            } => self.on_block(key, piece, offset, &data, now, rng),
            Message::Reject(block) => {
                need_fast("reject")?;
                self.on_reject(key, &block);
            }
            Message::AllowedFast(index) => {
                need_fast("allowed fast")?;
                self.on_allowed_fast(key, index, now, rng);
            }
            Message::Extended { id, payload } => self.on_extended(key, id, payload, now)?,
        }
        Ok(())
    }

    /// Queues `message` for `key`.
    fn send(&mut self, key: PeerKey, message: &Message, now: Instant) {
        if let Some(peer) = self.peers.get_mut(&key) {
            peer.last_sent = now;
            message.encode(self.transmit.entry(key).or_default());
        }
    }

    /// Closes `key` for `reason`.
    fn disconnect(&mut self, key: PeerKey, reason: Error) {
        if self.forget_peer(key) {
            self.outputs
                .push_back(Output::Disconnect { peer: key, reason });
        }
    }

    /// Drops every trace of `key`; whether it was known.
    fn forget_peer(&mut self, key: PeerKey) -> bool {
        let Some(peer) = self.peers.remove(&key) else {
            return false;
        };
        self.transmit.remove(&key);
        self.fetch.release(key, None);
        if let Some(torrent) = &mut self.torrent {
            for (block, _) in &peer.in_flight {
                torrent.picker.request_cancelled(block);
            }
            if let Pieces::Known(pieces) = &peer.pieces {
                torrent.picker.remove_peer(pieces);
            }
            torrent.release_retries(key);
        }
        if !peer.am_choking {
            self.unchoke_next(peer.last_sent);
        }
        true
    }

    /// Moves queued bytes to the outputs, one transmit per peer.
    fn flush(&mut self) {
        for (key, buf) in &mut self.transmit {
            if !buf.is_empty() {
                self.outputs.push_back(Output::Transmit {
                    peer: *key,
                    data: buf.split().freeze(),
                });
            }
        }
    }
}
