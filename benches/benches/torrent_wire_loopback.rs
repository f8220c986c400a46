//! Loopback download of a 256 MiB torrent from a libtorrent seeder:
//! torrent-wire's tokio driver writing into files, next to libtorrent
//! downloading the same torrent from the same seeder in the same run.
//!
//! Each sample is one whole download into a fresh directory, timed from
//! the connect to the last verified piece (libtorrent times its own side
//! the same way), and checked byte for byte afterwards. Needs
//! `python3-libtorrent`.

#[path = "../../torrent-wire/tests/interop/mod.rs"]
mod interop;

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use interop::{Layout, Libtorrent, assert_content, write_content};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use tokio::runtime::Runtime;
use torrent_wire::PeerId;
use torrent_wire::metainfo::Metainfo;
use torrent_wire::session::{PieceSet, Swarm, SwarmConfig};
use torrent_wire::storage::FileStorage;
use torrent_wire::tokio::SwarmDriver;

const NAME: &str = "content";
const PIECE_LENGTH: u32 = 256 * 1024;
const MIB: usize = 1024 * 1024;
/// 256 MiB in two files.
const CONTENT: &Layout = &[("a.bin", 160 * MIB), ("b.bin", 96 * MIB)];

/// torrent-wire downloads `torrent` from the seeder on `port` into `dir`.
async fn torrent_wire_download(torrent: &Metainfo, port: u16, dir: &Path) -> Duration {
    let info = torrent.info().clone();
    let storage = FileStorage::create(dir, &info).unwrap();
    let have = PieceSet::empty(info.piece_count());
    let config = SwarmConfig::new(PeerId(*b"-OS0001-bench-leech-"));
    let swarm = Swarm::new(config, info, storage, have).unwrap();
    let mut driver = SwarmDriver::new(swarm, ChaCha8Rng::seed_from_u64(1));

    let started = Instant::now();
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    driver.add_connection(stream);
    tokio::time::timeout(interop::STEP, driver.until_complete())
        .await
        .expect("the download ends within the step timeout")
        .unwrap();
    let elapsed = started.elapsed();
    driver.close().await;
    elapsed
}

/// libtorrent downloads `torrent` from the seeder on `port` into `dir`;
/// the time it took, by its own clock.
async fn libtorrent_download(torrent: &Path, port: u16, dir: &Path) -> Duration {
    let mut leecher = Libtorrent::fetch(torrent, dir, port).await;
    let report = leecher.report().await;
    let seconds = report["finished"]
        .as_f64()
        .unwrap_or_else(|| panic!("libtorrent did not finish: {report}"));
    // Its last blocks may still be on their way to disk: the recheck it
    // runs next reads them back, after the timed part.
    let recheck = leecher.report().await;
    assert_eq!(recheck["seeding"], true, "{recheck}");
    Duration::from_secs_f64(seconds)
}

/// Runs `download` into a fresh directory `iters` times, checking each
/// result; the time the downloads report.
fn timed(
    runtime: &Runtime,
    root: &Path,
    iters: u64,
    download: impl AsyncFn(&Path) -> Duration,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let dir = tempfile::tempdir_in(root).unwrap();
        total += runtime.block_on(download(dir.path()));
        assert_content(&dir.path().join(NAME), CONTENT);
    }
    total
}

fn loopback_download(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let root = tempfile::tempdir().unwrap();
    let seed_dir = root.path().join("seed");
    write_content(&seed_dir.join(NAME), CONTENT);
    let torrent_path = root.path().join("content.torrent");
    let (_seeder, port) = runtime.block_on(async {
        Libtorrent::create(&torrent_path, &seed_dir.join(NAME), PIECE_LENGTH).await;
        Libtorrent::seed(&torrent_path, &seed_dir).await
    });
    let torrent = Metainfo::from_bytes(&std::fs::read(&torrent_path).unwrap()).unwrap();

    let mut group = c.benchmark_group("loopback_download_256MiB");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Bytes(torrent.info().total_length()));
    group.bench_function("torrent_wire_from_libtorrent", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, root.path(), iters, async |dir| {
                torrent_wire_download(&torrent, port, dir).await
            })
        });
    });
    group.bench_function("libtorrent_from_libtorrent", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, root.path(), iters, async |dir| {
                libtorrent_download(&torrent_path, port, dir).await
            })
        });
    });
    group.finish();
}

criterion_group!(benches, loopback_download);
criterion_main!(benches);
