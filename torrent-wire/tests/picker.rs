//! The piece picker in a simulated swarm: it only asks peers for what they
//! have, never twice outside the endgame, rarest first, and finishes.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use torrent_wire::SessionError;
use torrent_wire::metainfo::{Metainfo, TorrentBuilder};
use torrent_wire::session::{BLOCK_LEN, Block, BlockOutcome, PiecePicker, PieceSet};

/// A torrent of `pieces` pieces of 32 KiB (two blocks), the last one short.
fn torrent(pieces: u32) -> Metainfo {
    let len = (pieces as usize - 1) * 32 * 1024 + 20_000;
    TorrentBuilder::new(32 * 1024)
        .unwrap()
        .single_file("t", &vec![0; len])
        .unwrap()
}

#[test]
fn the_rarest_pieces_are_requested_first() {
    let torrent = torrent(8);
    let mut picker = PiecePicker::new(torrent.info());
    let seed = PieceSet::full(8);
    let mut common = PieceSet::full(8);
    common.remove(5);
    common.remove(6);
    for peer in [&seed, &common, &common] {
        picker.add_peer(peer);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let first: BTreeSet<u32> = picker
        .pick(&seed, &[], 4, &mut rng)
        .iter()
        .map(|block| block.piece)
        .collect();
    assert_eq!(first, BTreeSet::from([5, 6]), "pieces only the seed has");
}

#[test]
fn started_pieces_are_finished_before_new_ones_start() {
    let torrent = torrent(8);
    let mut picker = PiecePicker::new(torrent.info());
    let seed = PieceSet::full(8);
    picker.add_peer(&seed);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let first = picker.pick(&seed, &[], 1, &mut rng);
    let second = picker.pick(&seed, &first, 1, &mut rng);
    assert_eq!(first[0].piece, second[0].piece);
    assert_eq!(second[0].offset, BLOCK_LEN);
}

#[test]
fn blocks_that_were_not_requested_are_unwanted() {
    let torrent = torrent(3);
    let mut picker = PiecePicker::new(torrent.info());
    let seed = PieceSet::full(3);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let picked = picker.pick(&seed, &[], 6, &mut rng);
    assert_eq!(picked.len(), 6);
    let last = picked
        .iter()
        .find(|block| block.piece == 2 && block.offset == BLOCK_LEN)
        .unwrap();
    assert_eq!(last.len, 20_000 - BLOCK_LEN, "the last block is short");
    for wrong in [
        Block {
            len: BLOCK_LEN,
            ..*last
        },
        Block {
            offset: 100,
            ..*last
        },
        Block { piece: 3, ..*last },
    ] {
        assert_eq!(
            picker.block_received(&wrong),
            BlockOutcome::Unwanted,
            "{wrong:?}"
        );
    }
    assert_eq!(picker.block_received(last), BlockOutcome::Accepted);
    assert_eq!(
        picker.block_received(last),
        BlockOutcome::Unwanted,
        "a duplicate"
    );
}

#[test]
fn a_have_set_of_the_wrong_length_is_refused() {
    let torrent = torrent(3);
    assert_eq!(
        PiecePicker::with_have(torrent.info(), PieceSet::full(9)).err(),
        Some(SessionError::BitfieldLength {
            expected: 1,
            len: 2
        })
    );
    let picker = PiecePicker::with_have(torrent.info(), PieceSet::full(3)).unwrap();
    assert!(picker.is_complete());
}

/// One simulated peer: what it has, and what we asked it for.
struct SimPeer {
    pieces: PieceSet,
    in_flight: Vec<Block>,
}

/// Peer 1 of every simulated swarm sends corrupt data.
const LIAR: usize = 1;

/// Runs a swarm to completion and checks the picker's promises at every
/// step. Returns the number of rounds taken.
fn run_swarm(seed: u64, pieces: u32, peers: usize, pipeline: usize) -> usize {
    let torrent = torrent(pieces);
    let info = torrent.info();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut picker = PiecePicker::new(info);
    // Peer 0 has everything, so the swarm can always finish.
    let mut swarm: Vec<SimPeer> = (0..peers)
        .map(|index| {
            let mut set = PieceSet::full(pieces);
            if index > 0 {
                for piece in 0..pieces {
                    if rng.next_u32() % 3 == 0 {
                        set.remove(piece);
                    }
                }
            }
            SimPeer {
                pieces: set,
                in_flight: Vec::new(),
            }
        })
        .collect();
    for peer in &swarm {
        picker.add_peer(&peer.pieces);
    }
    // Who sent each block, to blame bad pieces.
    let mut sources: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut banned = vec![false; peers];
    // Blocks received of pieces not yet verified.
    let mut received: BTreeSet<Block> = BTreeSet::new();
    for round in 0..10_000 {
        if picker.is_complete() {
            return round;
        }
        for index in 0..swarm.len() {
            if banned[index] {
                continue;
            }
            let peer = &swarm[index];
            let want = pipeline - peer.in_flight.len();
            let picked = picker.pick(&peer.pieces, &peer.in_flight, want, &mut rng);
            let duplicates: Vec<bool> = picked
                .iter()
                .map(|block| swarm.iter().any(|other| other.in_flight.contains(block)))
                .collect();
            let peer = &swarm[index];
            for block in &picked {
                assert!(
                    peer.pieces.contains(block.piece),
                    "seed {seed}: asked a peer for a piece it lacks"
                );
                assert!(
                    !picker.have().contains(block.piece),
                    "seed {seed}: asked for a piece we have"
                );
                assert!(
                    !peer.in_flight.contains(block),
                    "seed {seed}: asked one peer twice"
                );
            }
            swarm[index].in_flight.extend(picked);
            // The endgame may begin within one pick, once its first blocks
            // have taken the last free ones.
            if duplicates.contains(&true) {
                assert!(
                    all_blocks_requested(info, &picker, &swarm, &received),
                    "seed {seed}: a duplicate before the endgame"
                );
            }
        }
        // Each peer answers one random request, or chokes us now and then.
        for index in 0..swarm.len() {
            let peer = &mut swarm[index];
            if peer.in_flight.is_empty() {
                continue;
            }
            if rng.next_u32() % 10 == 0 {
                for block in peer.in_flight.drain(..) {
                    picker.request_cancelled(&block);
                }
                continue;
            }
            let at = rng.next_u32() as usize % peer.in_flight.len();
            let block = peer.in_flight.swap_remove(at);
            let outcome = picker.block_received(&block);
            if outcome == BlockOutcome::Unwanted {
                continue;
            }
            // Endgame duplicates of this block are cancelled at the others.
            for other in swarm.iter_mut() {
                other.in_flight.retain(|request| *request != block);
            }
            received.insert(block);
            let senders = sources.entry(block.piece).or_default();
            senders.push(index);
            if outcome == BlockOutcome::PieceComplete {
                if senders.contains(&LIAR) {
                    picker.piece_failed(block.piece);
                    banned[LIAR] = true;
                } else {
                    picker.piece_verified(block.piece);
                }
                sources.remove(&block.piece);
                received.retain(|done| done.piece != block.piece);
            }
        }
        if banned[LIAR] && !swarm[LIAR].pieces.is_empty() {
            let liar = &mut swarm[LIAR];
            for block in liar.in_flight.drain(..) {
                picker.request_cancelled(&block);
            }
            picker.remove_peer(&liar.pieces);
            liar.pieces = PieceSet::empty(0);
        }
    }
    panic!("seed {seed}: the swarm did not finish in 10,000 rounds");
}

/// Whether every block of every missing piece is in flight or received.
fn all_blocks_requested(
    info: &torrent_wire::metainfo::Info,
    picker: &PiecePicker,
    swarm: &[SimPeer],
    received: &BTreeSet<Block>,
) -> bool {
    (0..info.piece_count())
        .filter(|piece| !picker.have().contains(*piece))
        .all(|piece| {
            let size = info.piece_size(piece).unwrap();
            (0..size.div_ceil(BLOCK_LEN)).all(|index| {
                let offset = index * BLOCK_LEN;
                let block = Block {
                    piece,
                    offset,
                    len: (size - offset).min(BLOCK_LEN),
                };
                received.contains(&block)
                    || swarm.iter().any(|peer| peer.in_flight.contains(&block))
            })
        })
}

#[test]
fn a_swarm_with_a_lying_peer_finishes() {
    let rounds = run_swarm(2026, 40, 6, 8);
    assert!(rounds > 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_swarm_finishes_without_breaking_a_promise(
        seed in any::<u64>(),
        pieces in 1u32..30,
        peers in 2usize..6,
        pipeline in 1usize..12,
    ) {
        run_swarm(seed, pieces, peers, pipeline);
    }

    #[test]
    fn piece_sets_round_trip_through_the_wire(len in 0u32..100, members in prop::collection::btree_set(0u32..100, 0..50)) {
        let mut set = PieceSet::empty(len);
        let inside: BTreeSet<u32> = members.iter().copied().filter(|&m| m < len).collect();
        for &member in &members {
            let fresh = member < len && !set.contains(member);
            prop_assert_eq!(set.insert(member), fresh);
        }
        prop_assert_eq!(set.count() as usize, inside.len());
        prop_assert_eq!(set.iter().collect::<BTreeSet<_>>(), inside);
        prop_assert_eq!(&PieceSet::from_wire(set.as_wire(), len).unwrap(), &set);
        prop_assert!(PieceSet::from_wire(&[0; 20], len).is_err() || len.div_ceil(8) == 20);
    }
}
