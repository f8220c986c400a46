//! Blocks of pieces being downloaded, held until the piece hashes right,
//! and the evidence that tells a lying peer from an honest one.
//!
//! A piece that fails its hash keeps, per block, who sent it and the
//! block's SHA-1. When the piece later verifies, every peer whose block
//! differs from the verified bytes lied; a piece with one sender condemns
//! that sender at once. Honest peers that shared a piece with a liar are
//! never blamed.

use std::collections::BTreeMap;

use super::{BLOCK_LEN, Block, PeerKey};
use crate::metainfo::{Info, sha1};

/// A piece's blocks as they arrive.
#[derive(Debug)]
struct Partial {
    data: Vec<u8>,
    senders: Vec<Option<PeerKey>>,
}

/// What hashing a complete piece showed.
#[derive(Debug)]
pub(super) enum Verdict {
    /// The piece is right: write `data`; `liars` sent wrong blocks of it
    /// earlier.
    Verified { data: Vec<u8>, liars: Vec<PeerKey> },
    /// The piece is wrong; `liars` is its sole sender, if it had one.
    Failed { liars: Vec<PeerKey> },
}

/// Partial pieces and the blocks of failed ones.
#[derive(Debug, Default)]
pub(super) struct Verifier {
    partial: BTreeMap<u32, Partial>,
    /// Per failed piece: (block index, sender, SHA-1 of what it sent).
    suspects: BTreeMap<u32, Vec<(usize, PeerKey, [u8; 20])>>,
}

impl Verifier {
    /// Stores a block the picker accepted.
    pub(super) fn store(&mut self, info: &Info, block: &Block, data: &[u8], from: PeerKey) {
        let Some(size) = info.piece_size(block.piece) else {
            return;
        };
        let partial = self.partial.entry(block.piece).or_insert_with(|| Partial {
            data: vec![0; size as usize],
            senders: vec![None; size.div_ceil(BLOCK_LEN) as usize],
        });
        let start = block.offset as usize;
        if let (Some(target), Some(sender)) = (
            partial.data.get_mut(start..start + data.len()),
            partial.senders.get_mut(start / BLOCK_LEN as usize),
        ) {
            target.copy_from_slice(data);
            *sender = Some(from);
        }
    }

    /// Hashes the complete piece `index`.
    pub(super) fn finish(&mut self, info: &Info, index: u32) -> Verdict {
        let Some(partial) = self.partial.remove(&index) else {
            return Verdict::Failed { liars: Vec::new() };
        };
        let block_hashes = || {
            partial
                .data
                .chunks(BLOCK_LEN as usize)
                .map(sha1)
                .collect::<Vec<_>>()
        };
        if info.piece_hash(index) == Some(&sha1(&partial.data)) {
            let hashes = block_hashes();
            let mut liars = Vec::new();
            for (block, sender, hash) in self.suspects.remove(&index).unwrap_or_default() {
                if hashes.get(block) != Some(&hash) && !liars.contains(&sender) {
                    liars.push(sender);
                }
            }
            return Verdict::Verified {
                data: partial.data,
                liars,
            };
        }
        let mut senders: Vec<PeerKey> = partial.senders.iter().flatten().copied().collect();
        senders.sort_unstable();
        senders.dedup();
        let evidence = self.suspects.entry(index).or_default();
        for (block, (hash, sender)) in block_hashes().into_iter().zip(&partial.senders).enumerate()
        {
            if let Some(sender) = sender {
                evidence.push((block, *sender, hash));
            }
        }
        let liars = if senders.len() == 1 {
            senders
        } else {
            Vec::new()
        };
        Verdict::Failed { liars }
    }

    /// Drops a banned peer's evidence, so it is not blamed twice.
    pub(super) fn forget(&mut self, peer: PeerKey) {
        for evidence in self.suspects.values_mut() {
            evidence.retain(|(_, sender, _)| *sender != peer);
        }
    }
}
