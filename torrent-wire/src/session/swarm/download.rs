//! Downloading: what peers have, interest, request pipelining, receiving
//! blocks, verifying pieces and banning the peers that lied.

use std::time::Instant;

use rand_core::Rng;

use super::{MAX_PIECES, Swarm};
use crate::error::{Error, SessionError};
use crate::message::Message;
use crate::session::peer::Pieces;
use crate::session::verify::Verdict;
use crate::session::{Block, BlockOutcome, Event, Output, PeerKey, PieceSet};
use crate::storage::Storage;

/// Most allowed-fast pieces kept per peer (BEP 6 suggests 10).
const MAX_ALLOWED_FAST: usize = 32;

impl<S: Storage> Swarm<S> {
    pub(super) fn on_choke(&mut self, key: PeerKey) {
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        peer.peer_choking = true;
        // Without BEP 6 a choke drops every request; with it, each request
        // gets a piece or a reject.
        if !peer.fast {
            let dropped = core::mem::take(&mut peer.in_flight);
            if let Some(torrent) = &mut self.torrent {
                for (block, _) in &dropped {
                    torrent.picker.request_cancelled(block);
                }
                torrent.release_retries(key);
            }
        }
    }

    pub(super) fn on_have(
        &mut self,
        key: PeerKey,
        index: u32,
        now: Instant,
        rng: &mut impl Rng,
    ) -> Result<(), SessionError> {
        let Some(peer) = self.peers.get_mut(&key) else {
            return Ok(());
        };
        match &mut peer.pieces {
            Pieces::Known(pieces) => {
                if index >= pieces.len() {
                    return Err(SessionError::PieceIndex { index });
                }
                if pieces.insert(index)
                    && let Some(torrent) = &mut self.torrent
                {
                    torrent.picker.peer_has(index);
                    if !peer.am_interested && !torrent.picker.have().contains(index) {
                        self.update_interest(key, now);
                        self.fill_requests(key, now, rng);
                    }
                }
            }
            Pieces::Pending { haves, .. } => {
                if index >= MAX_PIECES {
                    return Err(SessionError::PieceIndex { index });
                }
                haves.insert(index);
            }
        }
        Ok(())
    }

    /// A bitfield, have-all or have-none: what the peer has, as its first
    /// message.
    pub(super) fn on_announce(
        &mut self,
        key: PeerKey,
        first: bool,
        (message, announced): (&'static str, Pieces),
        now: Instant,
        rng: &mut impl Rng,
    ) -> Result<(), SessionError> {
        if !first {
            return Err(SessionError::OutOfPlace { message });
        }
        let Some(peer) = self.peers.get_mut(&key) else {
            return Ok(());
        };
        peer.pieces = announced;
        if let Some(info) = &self.info {
            peer.pieces.resolve(info.piece_count())?;
            if let (Some(torrent), Some(pieces)) = (&mut self.torrent, peer.known_pieces()) {
                torrent.picker.add_peer(pieces);
            }
            self.update_interest(key, now);
            self.fill_requests(key, now, rng);
        }
        Ok(())
    }

    pub(super) fn on_allowed_fast(
        &mut self,
        key: PeerKey,
        index: u32,
        now: Instant,
        rng: &mut impl Rng,
    ) {
        if let Some(peer) = self.peers.get_mut(&key)
            && peer.allowed_fast.len() < MAX_ALLOWED_FAST
        {
            peer.allowed_fast.insert(index);
            self.fill_requests(key, now, rng);
        }
    }

    pub(super) fn on_reject(&mut self, key: PeerKey, block: &Block) {
        if let Some(peer) = self.peers.get_mut(&key)
            && peer.take_request(block)
            && let Some(torrent) = &mut self.torrent
        {
            torrent.picker.request_cancelled(block);
        }
    }

    /// Sends interested or not interested if that changed.
    pub(super) fn update_interest(&mut self, key: PeerKey, now: Instant) {
        let (Some(peer), Some(torrent)) = (self.peers.get_mut(&key), &self.torrent) else {
            return;
        };
        let Some(pieces) = peer.known_pieces() else {
            return;
        };
        let have = torrent.picker.have();
        let wanted = pieces.iter().any(|index| !have.contains(index));
        if wanted != peer.am_interested {
            peer.am_interested = wanted;
            let message = if wanted {
                Message::Interested
            } else {
                Message::NotInterested
            };
            self.send(key, &message, now);
        }
    }

    /// Tops up `key`'s pipeline of requests.
    pub(super) fn fill_requests(&mut self, key: PeerKey, now: Instant, rng: &mut impl Rng) {
        let (Some(peer), Some(torrent)) = (self.peers.get_mut(&key), &mut self.torrent) else {
            return;
        };
        let want = self
            .config
            .pipeline_depth
            .saturating_sub(peer.in_flight.len());
        let Some(pieces) = peer.known_pieces() else {
            return;
        };
        if !peer.am_interested || want == 0 {
            return;
        }
        // `None` stands for all of `pieces`, to spare a copy.
        let mut candidates = None;
        if peer.peer_choking {
            let mut allowed = PieceSet::empty(pieces.len());
            for &index in &peer.allowed_fast {
                if pieces.contains(index) {
                    allowed.insert(index);
                }
            }
            if allowed.count() == 0 {
                return;
            }
            candidates = Some(allowed);
        }
        for (&piece, owner) in &torrent.retries {
            if owner.is_some_and(|owner| owner != key) {
                candidates
                    .get_or_insert_with(|| pieces.clone())
                    .remove(piece);
            }
        }
        let candidates = candidates.as_ref().unwrap_or(pieces);
        let blocks = torrent
            .picker
            .pick(candidates, &peer.requested(), want, rng);
        for block in blocks {
            if let Some(owner @ None) = torrent.retries.get_mut(&block.piece) {
                *owner = Some(key);
            }
            peer.in_flight.push((block, now));
            peer.last_sent = now;
            Message::Request(block).encode(self.transmit.entry(key).or_default());
        }
    }

    /// Gives back `key`'s requests older than the request timeout.
    pub(super) fn expire_requests(&mut self, key: PeerKey, now: Instant) {
        let Some(limit) = now.checked_sub(self.config.request_timeout) else {
            return;
        };
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        let (expired, kept) = core::mem::take(&mut peer.in_flight)
            .into_iter()
            .partition(|(_, at)| *at <= limit);
        peer.in_flight = kept;
        let expired: Vec<(Block, Instant)> = expired;
        for (block, _) in expired {
            if let Some(torrent) = &mut self.torrent {
                torrent.picker.request_cancelled(&block);
            }
            self.send(key, &Message::Cancel(block), now);
        }
    }

    pub(super) fn on_block(
        &mut self,
        key: PeerKey,
        piece: u32,
        offset: u32,
        data: &[u8],
        now: Instant,
        rng: &mut impl Rng,
    ) {
        // Lossless: a frame's payload is at most `Codec::max_len`.
        let block = Block {
            piece,
            offset,
            len: data.len() as u32,
        };
        let requested = self
            .peers
            .get_mut(&key)
            .is_some_and(|peer| peer.take_request(&block));
        let (Some(torrent), Some(info), true) = (&mut self.torrent, &self.info, requested) else {
            return;
        };
        match torrent.picker.block_received(&block) {
            BlockOutcome::Unwanted => {}
            BlockOutcome::Accepted => torrent.verifier.store(info, &block, data, key),
            BlockOutcome::PieceComplete => {
                torrent.verifier.store(info, &block, data, key);
                self.finish_piece(piece, now);
            }
        }
        // Endgame: nobody else needs to send this block now.
        let others: Vec<PeerKey> = self
            .peers
            .iter_mut()
            .filter_map(|(other, peer)| {
                (*other != key && peer.take_request(&block)).then_some(*other)
            })
            .collect();
        for other in others {
            self.send(other, &Message::Cancel(block), now);
        }
        self.fill_requests(key, now, rng);
    }

    /// Hashes a complete piece and acts on the verdict.
    fn finish_piece(&mut self, piece: u32, now: Instant) {
        let (Some(torrent), Some(info)) = (&mut self.torrent, &self.info) else {
            return;
        };
        match torrent.verifier.finish(info, piece) {
            Verdict::Verified { data, liars } => {
                let start = info.piece_range(piece).map_or(0, |range| range.start);
                if let Err(error) = torrent.storage.write(start, &data) {
                    torrent.picker.piece_failed(piece);
                    self.outputs.push_back(Output::Failed(error.into()));
                    return;
                }
                torrent.picker.piece_verified(piece);
                torrent.retries.remove(&piece);
                let complete = torrent.picker.is_complete();
                self.outputs.push_back(Event::PieceVerified(piece).into());
                for key in self.connected() {
                    self.send(key, &Message::Have(piece), now);
                    self.update_interest(key, now);
                }
                self.ban_all(liars);
                if complete {
                    self.outputs.push_back(Event::Complete.into());
                }
            }
            Verdict::Failed { liars } => {
                torrent.picker.piece_failed(piece);
                torrent.retries.insert(piece, None);
                self.outputs.push_back(Event::PieceFailed(piece).into());
                self.ban_all(liars);
            }
        }
    }

    /// Bans each of `keys`: its id is refused from now on.
    pub(super) fn ban_all(&mut self, keys: Vec<crate::session::PeerKey>) {
        for key in keys {
            if let Some(torrent) = &mut self.torrent {
                torrent.verifier.forget(key);
            }
            let Some(id) = self.peers.get(&key).and_then(|peer| peer.id) else {
                continue;
            };
            self.banned.insert(id);
            self.outputs
                .push_back(Event::PeerBanned { peer: key, id }.into());
            self.disconnect(key, Error::Session(SessionError::Banned));
        }
    }
}
