//! Fetching the info dictionary of a magnet download over ut_metadata
//! (BEP 9): pieces from any peer that has them, assembled, then checked
//! against the info-hash before anything trusts them.

use std::time::Instant;

use bytes::Bytes;

use super::PeerKey;
use crate::InfoHash;
use crate::error::MetainfoError;
use crate::message::{MAX_METADATA_SIZE, METADATA_PIECE_LEN};
use crate::metainfo::Info;

/// The state of a metadata fetch.
#[derive(Debug, Default)]
pub(super) struct MetadataFetch {
    /// The size the peers announced; fixed by the first valid one.
    size: Option<u32>,
    /// Received pieces and who sent each.
    pieces: Vec<Option<(Bytes, PeerKey)>>,
    /// Outstanding requests.
    requested: Vec<Option<(PeerKey, Instant)>>,
}

/// What a completed fetch yielded.
pub(super) enum Assembled {
    /// The metadata hashes to the info-hash.
    Ready(Info),
    /// It does not; these peers sent it and all pieces are needed again.
    Bad {
        senders: Vec<PeerKey>,
        error: MetainfoError,
    },
}

impl MetadataFetch {
    /// Takes a peer's announced `metadata_size`; whether it fits the fetch.
    pub(super) fn offer_size(&mut self, size: u32) -> bool {
        if !(1..=MAX_METADATA_SIZE).contains(&size) {
            return false;
        }
        match self.size {
            Some(known) => known == size,
            None => {
                let count = size.div_ceil(METADATA_PIECE_LEN) as usize;
                self.size = Some(size);
                self.pieces = vec![None; count];
                self.requested = vec![None; count];
                true
            }
        }
    }

    /// Pieces to ask `peer` for: every piece nobody has been asked for.
    pub(super) fn pick(&mut self, peer: PeerKey, now: Instant) -> Vec<u32> {
        let mut picked = Vec::new();
        for (index, request) in self.requested.iter_mut().enumerate() {
            if request.is_none() && self.pieces[index].is_none() {
                *request = Some((peer, now));
                // At most `MAX_METADATA_SIZE / METADATA_PIECE_LEN` pieces.
                picked.push(index as u32);
            }
        }
        picked
    }

    /// Gives back `peer`'s requests (it refused, timed out or left), or
    /// only those sent at `sent_by` or earlier. Inclusive, as the timeout
    /// [`Self::oldest_request`] sets is: a request due now must go, or the
    /// timer comes due again at once and the driver spins.
    pub(super) fn release(&mut self, peer: PeerKey, sent_by: Option<Instant>) {
        for request in &mut self.requested {
            if request
                .is_some_and(|(asked, at)| asked == peer && sent_by.is_none_or(|limit| at <= limit))
            {
                *request = None;
            }
        }
    }

    /// Stores a data message from `peer`; the assembled metadata once
    /// the last piece is in.
    pub(super) fn receive(
        &mut self,
        peer: PeerKey,
        piece: u32,
        total_size: u32,
        data: Bytes,
        info_hash: InfoHash,
    ) -> Option<Assembled> {
        if self.size != Some(total_size) {
            return None;
        }
        let index = piece as usize;
        let slot = self.pieces.get_mut(index)?;
        if slot.is_some() {
            return None;
        }
        *slot = Some((data, peer));
        self.requested[index] = None;
        if self.pieces.iter().any(Option::is_none) {
            return None;
        }
        let mut raw = Vec::with_capacity(total_size as usize);
        let mut senders = Vec::new();
        for (data, sender) in self.pieces.iter().flatten() {
            raw.extend_from_slice(data);
            if !senders.contains(sender) {
                senders.push(*sender);
            }
        }
        Some(match Info::from_bytes_verified(&raw, info_hash) {
            Ok(info) => Assembled::Ready(info),
            Err(error) => {
                self.pieces.iter_mut().for_each(|piece| *piece = None);
                Assembled::Bad { senders, error }
            }
        })
    }

    /// The oldest outstanding request, for the next timeout.
    pub(super) fn oldest_request(&self) -> Option<Instant> {
        self.requested.iter().flatten().map(|(_, at)| *at).min()
    }
}
