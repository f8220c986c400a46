//! Uploading: which peers are unchoked, and serving their requests from
//! storage.

use std::time::Instant;

use super::Swarm;
use crate::message::Message;
use crate::session::{BLOCK_LEN, Block, PeerKey};
use crate::storage::Storage;

impl<S: Storage> Swarm<S> {
    /// Unchokes an interested peer if an upload slot is free.
    pub(super) fn unchoke_if_free(&mut self, key: PeerKey, now: Instant) {
        let unchoked = self.peers.values().filter(|peer| !peer.am_choking).count();
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        if peer.peer_interested && peer.am_choking && unchoked < self.config.upload_slots {
            peer.am_choking = false;
            self.send(key, &Message::Unchoke, now);
        }
    }

    /// Chokes a peer that lost interest and gives its slot to the next.
    pub(super) fn choke(&mut self, key: PeerKey, now: Instant) {
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        if !peer.am_choking {
            peer.am_choking = true;
            self.send(key, &Message::Choke, now);
            self.unchoke_next(now);
        }
    }

    /// Gives a free upload slot to the first interested, choked peer.
    pub(super) fn unchoke_next(&mut self, now: Instant) {
        let next = self
            .peers
            .iter()
            .find(|(_, peer)| peer.peer_interested && peer.am_choking)
            .map(|(key, _)| *key);
        if let Some(key) = next {
            self.unchoke_if_free(key, now);
        }
    }

    /// Answers a request: the block if the peer is unchoked and we have
    /// it, otherwise a reject (BEP 6) or nothing.
    pub(super) fn serve(&mut self, key: PeerKey, block: Block, now: Instant) {
        let Some(peer) = self.peers.get(&key) else {
            return;
        };
        let (choking, fast) = (peer.am_choking, peer.fast);
        let data = match (&mut self.torrent, &self.info) {
            (Some(torrent), Some(info)) if !choking => {
                let size = info.piece_size(block.piece).unwrap_or(0);
                let valid = torrent.picker.have().contains(block.piece)
                    && (1..=BLOCK_LEN).contains(&block.len)
                    && u64::from(block.offset) + u64::from(block.len) <= u64::from(size);
                let start = info.piece_range(block.piece).map_or(0, |range| range.start);
                // Allocated only once `len` is known to be one block at most.
                let mut data = vec![0; if valid { block.len as usize } else { 0 }];
                (valid
                    && torrent
                        .storage
                        .read(start + u64::from(block.offset), &mut data)
                        .is_ok())
                .then_some(data)
            }
            _ => None,
        };
        match data {
            Some(data) => self.send(
                key,
                &Message::Piece {
                    piece: block.piece,
                    offset: block.offset,
                    data: data.into(),
                },
                now,
            ),
            None if fast => self.send(key, &Message::Reject(block), now),
            None => {}
        }
    }
}
