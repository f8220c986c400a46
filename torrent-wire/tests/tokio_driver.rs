//! The tokio driver over in-memory streams: two drivers move a torrent
//! through a small pipe, one driver downloads over two streams at once, a
//! stream that ends is reported, a silent peer is
//! dropped at the engine's idle timeout, and a peer that asks for much but
//! reads nothing is not read from either.

#![cfg(feature = "tokio")]

use bytes::BytesMut;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use torrent_wire::codec::Codec;
use torrent_wire::message::{Handshake, Message};
use torrent_wire::metainfo::{FilePath, Info, TorrentBuilder};
use torrent_wire::session::{BLOCK_LEN, Block, Event, PieceSet, Swarm, SwarmConfig};
use torrent_wire::storage::MemoryStorage;
use torrent_wire::tokio::{CloseReason, DriverEvent, SwarmDriver};
use torrent_wire::{Error, PeerId, SessionError};

type Driver = SwarmDriver<MemoryStorage, DuplexStream, ChaCha8Rng>;

/// 1 MiB that is not one byte repeated, in 32 KiB pieces.
fn torrent() -> (Info, Vec<u8>) {
    let content: Vec<u8> = (0..1024 * 1024u32).map(|i| (i * 7 % 251) as u8).collect();
    let torrent = TorrentBuilder::new(32 * 1024)
        .unwrap()
        .multi_file(
            "set",
            &[
                (FilePath::new(["a.bin"]).unwrap(), &content[..300_000]),
                (FilePath::new(["b", "c.bin"]).unwrap(), &content[300_000..]),
            ],
        )
        .unwrap();
    (torrent.info().clone(), content)
}

fn seeder(info: &Info, content: Vec<u8>) -> Driver {
    partial_seeder(info, content, PieceSet::full(info.piece_count()), 1)
}

/// A peer that has, and says it has, only the pieces `have`.
fn partial_seeder(info: &Info, content: Vec<u8>, have: PieceSet, id: u8) -> Driver {
    let storage = MemoryStorage::with_content(info, content).unwrap();
    let config = SwarmConfig::new(PeerId([id; 20]));
    let swarm = Swarm::new(config, info.clone(), storage, have).unwrap();
    SwarmDriver::new(swarm, ChaCha8Rng::seed_from_u64(u64::from(id)))
}

fn leecher(info: &Info) -> Driver {
    let storage = MemoryStorage::new(info).unwrap();
    let empty = PieceSet::empty(info.piece_count());
    let swarm = Swarm::new(
        SwarmConfig::new(PeerId([2; 20])),
        info.clone(),
        storage,
        empty,
    )
    .unwrap();
    SwarmDriver::new(swarm, ChaCha8Rng::seed_from_u64(2))
}

#[tokio::test(flavor = "current_thread")]
async fn two_drivers_move_a_multi_file_torrent_through_a_small_pipe() {
    let (info, content) = torrent();
    let (mut seed, mut leech) = (seeder(&info, content.clone()), leecher(&info));
    // 4 KiB of pipe: every write of a block waits for the reader.
    let (near, far) = tokio::io::duplex(4 * 1024);
    seed.add_connection(near);
    leech.add_connection(far);

    let seeding = async {
        loop {
            if let Err(error) = seed.next_event().await {
                return error;
            }
        }
    };
    tokio::select! {
        result = leech.until_complete() => result.unwrap(),
        error = seeding => panic!("the seeder failed: {error}"),
    }
    let storage = leech.swarm().storage().unwrap();
    assert_eq!(storage.content(), &content[..]);
    assert!(leech.swarm().have().unwrap().is_full());
}

#[tokio::test(flavor = "current_thread")]
async fn one_driver_downloads_from_two_peers_that_each_have_half() {
    let (info, content) = torrent();
    let (mut evens, mut odds) = (
        PieceSet::empty(info.piece_count()),
        PieceSet::empty(info.piece_count()),
    );
    for index in 0..info.piece_count() {
        if index % 2 == 0 {
            evens.insert(index);
        } else {
            odds.insert(index);
        }
    }
    let mut first = partial_seeder(&info, content.clone(), evens, 3);
    let mut second = partial_seeder(&info, content.clone(), odds, 4);
    let mut leech = leecher(&info);
    for seed in [&mut first, &mut second] {
        let (near, far) = tokio::io::duplex(16 * 1024);
        seed.add_connection(near);
        leech.add_connection(far);
    }
    assert_eq!(leech.connection_count(), 2);

    let serve = async |seed: &mut Driver| -> Error {
        loop {
            if let Err(error) = seed.next_event().await {
                return error;
            }
        }
    };
    tokio::select! {
        result = leech.until_complete() => result.unwrap(),
        error = serve(&mut first) => panic!("a seeder failed: {error}"),
        error = serve(&mut second) => panic!("a seeder failed: {error}"),
    }
    assert_eq!(leech.swarm().storage().unwrap().content(), &content[..]);
    assert_eq!(leech.swarm().peer_count(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_stream_that_ends_is_reported_and_ends_the_download() {
    let (info, _) = torrent();
    let mut leech = leecher(&info);
    let (near, far) = tokio::io::duplex(4 * 1024);
    let peer = leech.add_connection(near);
    drop(far);

    match leech.next_event().await.unwrap() {
        DriverEvent::Closed {
            peer: closed,
            reason,
        } => {
            assert_eq!(closed, peer);
            // The write of our handshake or the read sees the end first.
            assert!(
                matches!(reason, CloseReason::Eof | CloseReason::Io(_)),
                "{reason:?}"
            );
        }
        other => panic!("expected a close, got {other:?}"),
    }
    assert_eq!(leech.connection_count(), 0);
    assert_eq!(leech.swarm().peer_count(), 0);

    let mut again = leecher(&info);
    let (near, far) = tokio::io::duplex(4 * 1024);
    again.add_connection(near);
    drop(far);
    let error = again.until_complete().await.unwrap_err();
    assert!(
        matches!(error, Error::Session(SessionError::NoPeers)),
        "{error}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_silent_peer_is_dropped_at_the_idle_timeout() {
    let (info, _) = torrent();
    let mut leech = leecher(&info);
    // The far end stays open and says nothing; its buffer takes our
    // handshake and keep-alives.
    let (near, _far) = tokio::io::duplex(64 * 1024);
    let peer = leech.add_connection(near);
    let started = tokio::time::Instant::now();

    match leech.next_event().await.unwrap() {
        DriverEvent::Closed {
            peer: closed,
            reason: CloseReason::Engine(Error::Session(SessionError::Idle)),
        } => assert_eq!(closed, peer),
        other => panic!("expected an idle close, got {other:?}"),
    }
    let idle = SwarmConfig::new(PeerId([2; 20])).idle_timeout;
    assert!(started.elapsed() >= idle);
}

#[tokio::test(flavor = "current_thread")]
async fn the_seeder_reports_the_leecher_it_served() {
    let (info, content) = torrent();
    let (mut seed, mut leech) = (seeder(&info, content), leecher(&info));
    let (near, far) = tokio::io::duplex(64 * 1024);
    let at_seed = seed.add_connection(near);
    leech.add_connection(far);

    let leeching = async {
        leech.until_complete().await.unwrap();
        leech.close().await;
        std::future::pending::<()>().await;
    };
    let mut connected = false;
    tokio::select! {
        () = leeching => unreachable!("the leecher waits after closing"),
        () = async {
            loop {
                match seed.next_event().await.unwrap() {
                    DriverEvent::Swarm(Event::PeerConnected { peer, id }) => {
                        assert_eq!((peer, id), (at_seed, PeerId([2; 20])));
                        connected = true;
                    }
                    DriverEvent::Closed { peer, reason } => {
                        assert_eq!(peer, at_seed);
                        assert!(matches!(reason, CloseReason::Eof), "{reason:?}");
                        return;
                    }
                    _ => {}
                }
            }
        } => {}
    }
    assert!(connected);
    assert_eq!(seed.connection_count(), 0);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_peer_that_does_not_read_is_not_read_from_either() {
    let (info, content) = torrent();
    let mut seed = seeder(&info, content);
    let (near, far) = tokio::io::duplex(4 * 1024);
    seed.add_connection(near);

    // 85 KB of requests for 70 MiB of blocks, more than the driver's read
    // buffer and the pipe hold together.
    const REQUESTS: u32 = 5_000;
    let mut asks = BytesMut::new();
    Handshake::new(info.info_hash(), PeerId([9; 20])).encode(&mut asks);
    Message::Interested.encode(&mut asks);
    for index in 0..REQUESTS {
        let block = Block {
            piece: index % info.piece_count(),
            offset: 0,
            len: BLOCK_LEN,
        };
        Message::Request(block).encode(&mut asks);
    }
    let serving = async {
        loop {
            seed.next_event().await.unwrap();
        }
    };
    tokio::pin!(serving);
    let (mut far_read, mut far_write) = tokio::io::split(far);
    let writing = far_write.write_all(&asks);
    tokio::pin!(writing);
    // Paused time moves on only once both sides are stuck.
    let stuck = tokio::time::sleep(std::time::Duration::from_secs(1));
    tokio::select! {
        () = &mut serving => unreachable!("the seeder serves forever"),
        written = &mut writing => panic!("the seeder read every request: {written:?}"),
        () = stuck => {}
    }

    // Reading unblocks the rest: every request is answered.
    let reading = async {
        let (codec, mut inbox) = (Codec::default(), BytesMut::new());
        let (mut handshaken, mut pieces) = (false, 0);
        while pieces < REQUESTS {
            let read = far_read.read_buf(&mut inbox).await.unwrap();
            assert_ne!(read, 0, "the seeder closed after {pieces} pieces");
            if !handshaken {
                handshaken = Handshake::decode(&mut inbox).unwrap().is_some();
            }
            while handshaken && let Some(message) = codec.decode(&mut inbox).unwrap() {
                pieces += u32::from(matches!(message, Message::Piece { .. }));
            }
        }
    };
    tokio::select! {
        () = &mut serving => unreachable!("the seeder serves forever"),
        ((), written) = async { tokio::join!(reading, &mut writing) } => written.unwrap(),
    }
}
