//! The swarm engine in a simulated network: whole downloads between
//! several engines, on virtual time, every seed printed on failure.

mod sim;

use sim::{Sim, config, seeds};
use torrent_wire::message::Message;
use torrent_wire::metainfo::{Info, TorrentBuilder};
use torrent_wire::session::{BLOCK_LEN, Event};
use torrent_wire::{Error, SessionError};

/// Enough steps for any of these downloads; a run that needs more is stuck.
const MAX_STEPS: usize = 20_000;

/// 31 pieces of 32 KiB, two blocks each, and a short last piece and block.
const CONTENT_LEN: usize = 1_000_000;

/// A torrent of random content from the simulation's seed.
fn torrent(sim: &mut Sim) -> (Info, Vec<u8>) {
    torrent_of(sim, 32 * 1024)
}

/// [`torrent`] with `piece_length`-byte pieces.
fn torrent_of(sim: &mut Sim, piece_length: u32) -> (Info, Vec<u8>) {
    let content = sim.random_bytes(CONTENT_LEN);
    let torrent = TorrentBuilder::new(piece_length)
        .and_then(|builder| builder.single_file("content.bin", &content))
        .expect("a torrent of the content");
    (torrent.info().clone(), content)
}

/// Asserts `node` holds exactly `data` and storage never failed it.
fn assert_downloaded(sim: &Sim, node: usize, data: &[u8]) {
    let storage = sim.nodes[node].swarm.storage();
    let content = storage.map(|storage| storage.content());
    assert!(
        content == Some(data),
        "seed {}: node {node} holds other bytes",
        sim.seed
    );
    assert!(
        sim.nodes[node].failures.is_empty(),
        "seed {}: {:?}",
        sim.seed,
        sim.nodes[node].failures
    );
}

/// Piece messages `from` sent `to`.
fn pieces_sent(sim: &Sim, from: usize, to: usize) -> usize {
    sim.sent(from, to)
        .filter(|message| matches!(message, Message::Piece { .. }))
        .count()
}

/// Asserts the download finished on network events alone: no request
/// had to time out and no keep-alive timer had to wake an engine.
fn finished_without_timers(sim: &Sim) {
    let elapsed = sim.now - sim.start;
    let request_timeout = config(0).request_timeout;
    assert!(
        elapsed < request_timeout,
        "seed {}: took {elapsed:?} of virtual time; a timer had to restart the download",
        sim.seed
    );
}

#[test]
fn one_seeder_gives_one_leecher_the_whole_torrent() {
    for seed in seeds() {
        let mut sim = Sim::new(seed);
        let (info, data) = torrent(&mut sim);
        let seeder = sim.seeder(config(1), &info, data.clone());
        let leecher = sim.leecher(config(2), &info);
        sim.connect(leecher, seeder);
        sim.run_until(MAX_STEPS, "complete download", |sim| {
            sim.nodes[leecher].completed()
        });
        assert_downloaded(&sim, leecher, &data);
        let verified = sim.nodes[leecher]
            .events
            .iter()
            .filter(|event| matches!(event, Event::PieceVerified(_)))
            .count();
        assert_eq!(verified, info.piece_count() as usize, "seed {seed}");
        finished_without_timers(&sim);
    }
}

#[test]
fn several_seeders_each_serve_part_of_one_download() {
    for seed in seeds() {
        let mut sim = Sim::new(seed);
        let (info, data) = torrent(&mut sim);
        let seeders: Vec<usize> = (1..=3)
            .map(|id| sim.seeder(config(id), &info, data.clone()))
            .collect();
        let leecher = sim.leecher(config(9), &info);
        for &seeder in &seeders {
            sim.connect(leecher, seeder);
        }
        sim.run_until(MAX_STEPS, "complete download", |sim| {
            sim.nodes[leecher].completed()
        });
        assert_downloaded(&sim, leecher, &data);
        for &seeder in &seeders {
            assert!(
                pieces_sent(&sim, seeder, leecher) > 0,
                "seed {seed}: seeder {seeder} sent nothing"
            );
        }
        finished_without_timers(&sim);
    }
}

#[test]
fn leechers_trade_the_pieces_a_single_slot_seeder_gave_one_of_them() {
    for seed in seeds() {
        let mut sim = Sim::new(seed);
        let (info, data) = torrent(&mut sim);
        let mut seeder_config = config(1);
        seeder_config.upload_slots = 1;
        let seeder = sim.seeder(seeder_config, &info, data.clone());
        let leechers: Vec<usize> = (2..=4).map(|id| sim.leecher(config(id), &info)).collect();
        for (index, &leecher) in leechers.iter().enumerate() {
            sim.connect(leecher, seeder);
            for &other in &leechers[..index] {
                sim.connect(leecher, other);
            }
        }
        sim.run_until(MAX_STEPS, "every leecher complete", |sim| {
            leechers
                .iter()
                .all(|&leecher| sim.nodes[leecher].completed())
        });
        for &leecher in &leechers {
            assert_downloaded(&sim, leecher, &data);
        }
        let traded: usize = leechers
            .iter()
            .flat_map(|&from| leechers.iter().map(move |&to| (from, to)))
            .map(|(from, to)| pieces_sent(&sim, from, to))
            .sum();
        let from_seeder: usize = leechers
            .iter()
            .map(|&leecher| pieces_sent(&sim, seeder, leecher))
            .sum();
        assert!(traded > 0, "seed {seed}: the leechers traded nothing");
        // Without trading, the seeder would upload one copy per leecher.
        let copy = 2 * info.piece_count() as usize;
        assert!(
            from_seeder < leechers.len() * copy,
            "seed {seed}: the seeder sent {from_seeder} blocks, a copy each"
        );
    }
}

#[test]
fn a_single_slot_seeder_unchokes_the_next_leecher_once_the_first_is_done() {
    for seed in seeds() {
        let mut sim = Sim::new(seed);
        let (info, data) = torrent(&mut sim);
        let mut seeder_config = config(1);
        seeder_config.upload_slots = 1;
        let seeder = sim.seeder(seeder_config, &info, data.clone());
        let (first, second) = (sim.leecher(config(2), &info), sim.leecher(config(3), &info));
        sim.connect(first, seeder);
        sim.connect(second, seeder);
        sim.run_until(MAX_STEPS, "both leechers complete", |sim| {
            sim.nodes[first].completed() && sim.nodes[second].completed()
        });
        // One slot: the seeder serves one leecher, then the other, never
        // both in turns.
        let mut served: Vec<usize> = sim
            .log
            .iter()
            .filter(|sent| sent.from == seeder && matches!(sent.message, Message::Piece { .. }))
            .map(|sent| sent.to)
            .collect();
        served.dedup();
        assert_eq!(served.len(), 2, "seed {seed}: served in turns {served:?}");
        // And it chokes the first once it is done.
        assert!(
            sim.sent(seeder, served[0]).any(|m| *m == Message::Choke),
            "seed {seed}"
        );
        for leecher in [first, second] {
            assert_downloaded(&sim, leecher, &data);
            assert!(
                sim.sent(seeder, leecher).any(|m| *m == Message::Unchoke),
                "seed {seed}: leecher {leecher} never unchoked"
            );
        }
        finished_without_timers(&sim);
    }
}

#[test]
fn a_magnet_leecher_fetches_the_metadata_then_the_content() {
    for seed in seeds() {
        let mut sim = Sim::new(seed);
        let (info, data) = torrent(&mut sim);
        let seeder = sim.seeder(config(1), &info, data.clone());
        let leecher = sim.magnet_leecher(config(2), info.info_hash());
        sim.connect(leecher, seeder);
        sim.run_until(MAX_STEPS, "complete download", |sim| {
            sim.nodes[leecher].completed()
        });
        assert_eq!(sim.nodes[leecher].swarm.info(), Some(&info), "seed {seed}");
        assert!(
            matches!(
                sim.nodes[leecher].events.first(),
                Some(Event::PeerConnected { .. })
            ),
            "seed {seed}"
        );
        let ready = sim.nodes[leecher]
            .events
            .iter()
            .position(|event| matches!(event, Event::MetadataReady(_)));
        let first_piece = sim.nodes[leecher]
            .events
            .iter()
            .position(|event| matches!(event, Event::PieceVerified(_)));
        assert!(
            ready < first_piece,
            "seed {seed}: pieces before the metadata"
        );
        assert_downloaded(&sim, leecher, &data);
        finished_without_timers(&sim);
    }
}

#[test]
fn a_magnet_leecher_asks_another_peer_once_a_metadata_request_times_out() {
    for seed in seeds() {
        let mut sim = Sim::new(seed);
        let (info, data) = torrent(&mut sim);
        let silent = sim.seeder(config(1), &info, data.clone());
        let answering = sim.seeder(config(2), &info, data.clone());
        let leecher = sim.magnet_leecher(config(3), info.info_hash());
        sim.connect(leecher, silent);
        // The request for the metadata goes out; the answer never comes.
        sim.run_until(MAX_STEPS, "a metadata request", |sim| {
            sim.sent(leecher, silent)
                .any(|m| matches!(m, Message::Extended { id, .. } if *id != 0))
        });
        sim.hold(silent, leecher);
        sim.connect(leecher, answering);
        // A timer at exactly the request's deadline must give the request
        // back; one that did not came due again at once, and the engine
        // spun at that instant without ever asking the other peer.
        sim.run_until(MAX_STEPS, "complete download", |sim| {
            sim.nodes[leecher].completed()
        });
        assert_eq!(sim.nodes[leecher].swarm.info(), Some(&info), "seed {seed}");
        assert_downloaded(&sim, leecher, &data);
    }
}

#[test]
fn a_download_survives_a_seeder_leaving_in_the_middle() {
    for seed in seeds() {
        let mut sim = Sim::new(seed);
        let (info, data) = torrent(&mut sim);
        let (leaving, staying) = (
            sim.seeder(config(1), &info, data.clone()),
            sim.seeder(config(2), &info, data.clone()),
        );
        let leecher = sim.leecher(config(3), &info);
        sim.connect(leecher, leaving);
        sim.connect(leecher, staying);
        let third = info.piece_count() / 3;
        sim.run_until(MAX_STEPS, "a third of the pieces", |sim| {
            sim.nodes[leecher]
                .swarm
                .have()
                .is_some_and(|have| have.count() >= third)
        });
        sim.cut(leecher, leaving);
        let before = pieces_sent(&sim, staying, leecher);
        sim.run_until(MAX_STEPS, "complete download", |sim| {
            sim.nodes[leecher].completed()
        });
        assert_downloaded(&sim, leecher, &data);
        assert!(pieces_sent(&sim, staying, leecher) > before, "seed {seed}");
        finished_without_timers(&sim);
    }
}

#[test]
fn a_peer_that_sends_corrupt_pieces_is_banned_and_the_download_completes() {
    for seed in seeds() {
        let mut sim = Sim::new(seed);
        // Four blocks a piece and a shallow pipeline: the liar and the
        // honest seeder share every piece block by block, so the liar is
        // never a piece's sole sender by chance. Before failed pieces were
        // fetched again from one peer alone, each piece failed forever.
        let (info, data) = torrent_of(&mut sim, 64 * 1024);
        let mut corrupt = data.clone();
        for byte in corrupt.iter_mut().step_by(BLOCK_LEN as usize) {
            *byte ^= 0x55;
        }
        let honest = sim.seeder(config(1), &info, data.clone());
        let liar = sim.seeder(config(2), &info, corrupt);
        let mut leecher_config = config(3);
        leecher_config.pipeline_depth = 1;
        let leecher = sim.leecher(leecher_config, &info);
        sim.connect(leecher, liar);
        sim.connect(leecher, honest);
        sim.run_until(MAX_STEPS, "complete download", |sim| {
            sim.nodes[leecher].completed()
        });
        assert_downloaded(&sim, leecher, &data);
        assert_eq!(
            sim.nodes[leecher].banned(),
            [sim.nodes[liar].id],
            "seed {seed}"
        );
        assert!(
            !sim.linked(leecher, liar),
            "seed {seed}: the liar is still connected"
        );
        let closed = &sim.nodes[leecher].disconnects;
        assert!(
            matches!(
                closed.as_slice(),
                [(_, Error::Session(SessionError::Banned))]
            ),
            "seed {seed}: closed {closed:?}"
        );
        assert!(sim.linked(leecher, honest), "seed {seed}");
        let failed = sim.nodes[leecher]
            .events
            .iter()
            .filter(|event| matches!(event, Event::PieceFailed(_)))
            .count();
        assert!(
            failed <= info.piece_count() as usize,
            "seed {seed}: {failed} failed hashes for {} pieces",
            info.piece_count()
        );
        finished_without_timers(&sim);
        // Nothing is left in flight: the network goes quiet, no timer needed.
        sim.settle(MAX_STEPS);
    }
}
