//! torrent-wire and libtorrent moving a multi-file torrent of 32 MiB over
//! TCP on loopback, each way: libtorrent seeds and we download into files;
//! we seed and libtorrent downloads and rechecks; and a magnet link whose
//! metadata comes from libtorrent over ut_metadata.

#![cfg(feature = "tokio")]

mod interop;

use std::path::Path;

use interop::{Layout, Libtorrent, STEP, assert_content, write_content};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use tokio::net::{TcpListener, TcpStream};
use torrent_wire::magnet::MagnetLink;
use torrent_wire::metainfo::{Info, Metainfo, TorrentBuilder};
use torrent_wire::session::{Event, PieceSet, Swarm, SwarmConfig};
use torrent_wire::storage::{FileStorage, piece_is_intact};
use torrent_wire::tokio::{DriverEvent, SwarmDriver};
use torrent_wire::{InfoHash, PeerId};

const PIECE_LENGTH: u32 = 256 * 1024;

/// A little over 32 MiB, with files that end inside pieces.
const MULTI_FILE: &Layout = &[
    ("a.bin", 17_000_000),
    ("sub/b.bin", 16_000_013),
    ("sub/c.bin", 4_099),
];
const NAME: &str = "set";

type Driver = SwarmDriver<FileStorage, TcpStream, ChaCha8Rng>;

fn driver(swarm: Swarm<FileStorage>, seed: u64) -> Driver {
    SwarmDriver::new(swarm, ChaCha8Rng::seed_from_u64(seed))
}

fn config() -> SwarmConfig {
    SwarmConfig::new(PeerId(*b"-OS0001-interop-test"))
}

/// The content under `dir/seed/set` and its torrent as libtorrent made it,
/// seeded by libtorrent.
async fn libtorrent_seeder(dir: &Path) -> (Libtorrent, u16, Metainfo) {
    let seed_dir = dir.join("seed");
    write_content(&seed_dir.join(NAME), MULTI_FILE);
    let torrent_path = dir.join("set.torrent");
    let info_hash = Libtorrent::create(&torrent_path, &seed_dir.join(NAME), PIECE_LENGTH).await;
    let torrent = Metainfo::from_bytes(&std::fs::read(&torrent_path).unwrap()).unwrap();
    assert_eq!(
        torrent.info_hash().to_hex(),
        info_hash,
        "the info-hash libtorrent computed"
    );
    let (seeder, port) = Libtorrent::seed(&torrent_path, &seed_dir).await;
    (seeder, port, torrent)
}

async fn connect(port: u16) -> TcpStream {
    tokio::time::timeout(STEP, TcpStream::connect(("127.0.0.1", port)))
        .await
        .expect("libtorrent accepts within the step timeout")
        .unwrap()
}

fn empty_storage(root: &Path, info: &Info) -> FileStorage {
    std::fs::create_dir_all(root).unwrap();
    FileStorage::create(root, info).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn torrent_wire_downloads_a_multi_file_torrent_that_libtorrent_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let (_seeder, port, torrent) = libtorrent_seeder(dir.path()).await;
    let info = torrent.info().clone();
    assert!(info.is_multi_file());
    let leech_dir = dir.path().join("leech");
    let storage = empty_storage(&leech_dir, &info);
    let have = PieceSet::empty(info.piece_count());
    let mut leech = driver(Swarm::new(config(), info, storage, have).unwrap(), 1);

    leech.add_connection(connect(port).await);
    tokio::time::timeout(STEP, leech.until_complete())
        .await
        .expect("the download ends within the step timeout")
        .unwrap();
    tokio::time::timeout(STEP, leech.close()).await.unwrap();

    assert_content(&leech_dir.join(NAME), MULTI_FILE);
}

#[tokio::test(flavor = "current_thread")]
async fn libtorrent_downloads_and_rechecks_a_torrent_that_torrent_wire_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let seed_dir = dir.path().join("seed");
    write_content(&seed_dir.join(NAME), MULTI_FILE);
    let torrent = TorrentBuilder::new(PIECE_LENGTH)
        .unwrap()
        .from_path(&seed_dir.join(NAME))
        .unwrap();
    let torrent_path = dir.path().join("set.torrent");
    std::fs::write(&torrent_path, torrent.to_bytes()).unwrap();
    let info = torrent.info().clone();
    let mut storage = FileStorage::create(&seed_dir, &info).unwrap();
    let mut have = PieceSet::empty(info.piece_count());
    for index in 0..info.piece_count() {
        if piece_is_intact(&mut storage, &info, index).unwrap() {
            have.insert(index);
        }
    }
    assert!(have.is_full(), "our recheck of our own files");
    let mut seed = driver(
        Swarm::new(config(), info.clone(), storage, have).unwrap(),
        2,
    );

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let leech_dir = dir.path().join("leech");
    let mut leecher = Libtorrent::fetch(&torrent_path, &leech_dir, port).await;
    let (stream, _) = tokio::time::timeout(STEP, listener.accept())
        .await
        .expect("libtorrent connects within the step timeout")
        .unwrap();
    seed.add_connection(stream);

    // Serve until libtorrent has every piece and rechecked them from disk.
    let (mut reports, mut connected) = (Vec::new(), true);
    while reports.len() < 2 {
        tokio::select! {
            report = leecher.report() => reports.push(report),
            event = seed.next_event(), if connected => {
                // libtorrent drops seeds once it is one; its reports say
                // whether it got everything first.
                connected = !matches!(event.unwrap(), DriverEvent::Closed { .. });
            }
        }
    }
    assert!(reports[0]["finished"].is_number(), "{}", reports[0]);
    let pieces = u64::from(info.piece_count());
    assert_eq!(reports[1]["pieces"], pieces, "{}", reports[1]);
    assert_eq!(reports[1]["rechecked"], pieces, "{}", reports[1]);
    assert_eq!(reports[1]["seeding"], true, "{}", reports[1]);
    assert_content(&leech_dir.join(NAME), MULTI_FILE);
}

#[tokio::test(flavor = "current_thread")]
async fn torrent_wire_fetches_a_magnet_links_metadata_from_libtorrent_then_downloads() {
    let dir = tempfile::tempdir().unwrap();
    let (_seeder, port, torrent) = libtorrent_seeder(dir.path()).await;
    let link: MagnetLink = format!("magnet:?xt=urn:btih:{}", torrent.info_hash().to_hex())
        .parse()
        .unwrap();
    let info_hash: InfoHash = link.info_hash;
    let mut leech = driver(Swarm::from_magnet(config(), info_hash), 3);
    leech.add_connection(connect(port).await);

    let info = tokio::time::timeout(STEP, async {
        loop {
            match leech.next_event().await.unwrap() {
                DriverEvent::Swarm(Event::MetadataReady(info)) => return info,
                DriverEvent::Closed { reason, .. } => panic!("libtorrent left: {reason:?}"),
                _ => {}
            }
        }
    })
    .await
    .expect("the metadata arrives within the step timeout");
    assert_eq!(info.info_hash(), info_hash);
    assert_eq!(info.as_bytes(), torrent.info().as_bytes());

    let leech_dir = dir.path().join("leech");
    let storage = empty_storage(&leech_dir, &info);
    leech
        .attach_storage(storage, PieceSet::empty(info.piece_count()))
        .unwrap();
    tokio::time::timeout(STEP, leech.until_complete())
        .await
        .expect("the download ends within the step timeout")
        .unwrap();
    tokio::time::timeout(STEP, leech.close()).await.unwrap();

    assert_content(&leech_dir.join(NAME), MULTI_FILE);
}
