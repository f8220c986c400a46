//! torrent-wire's hot paths, each next to the baseline issue 2 names,
//! measured in the same run so their ratio means something.
//!
//! - `piece_decode`: taking a 16 KiB piece message off the stream with the
//!   codec against a memcpy of the same frame (goal: ≥ 0.5× memcpy's
//!   throughput; the codec only parses the header and shares the payload).
//! - `piece_verify`: SHA-1 verification of a 64 MiB torrent's pieces with
//!   [`piece_is_intact`] against coreutils `sha1sum` reading the same bytes
//!   from a file (goal: ≥ 0.9× its throughput).
//! - `metainfo_decode`: parsing and validating a 4 GiB, 32,768-piece,
//!   256-file torrent with [`Metainfo::from_shared`] against a raw
//!   `bip_bencode::BencodeRef::decode` of the same bytes (goal: ≤ 1.1× its
//!   time). The copying [`Metainfo::from_bytes`] and the first
//!   [`Metainfo::info_hash`] (a SHA-1 of the info dictionary) are measured
//!   beside them.
//!
//! Each pair is also timed in interleaved rounds and the medians and their
//! ratio printed, so the ratio does not depend on which group ran first.

use std::hint::black_box;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use bip_bencode::{BDecodeOpt, BencodeRef};
use bytes::{Bytes, BytesMut};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use torrent_wire::bencode::Encoder;
use torrent_wire::codec::Codec;
use torrent_wire::message::Message;
use torrent_wire::metainfo::{Metainfo, TorrentBuilder};
use torrent_wire::storage::{MemoryStorage, piece_is_intact};

const ROUNDS: usize = 9;
const BLOCK: usize = 16 * 1024;
/// Piece messages decoded per timed round.
const FRAMES: usize = 4096;
const VERIFY_CONTENT: usize = 64 * 1024 * 1024;
const VERIFY_PIECE: u32 = 256 * 1024;
const METAINFO_TOTAL: u64 = 4 << 30;
const METAINFO_PIECE: u64 = 128 * 1024;
const METAINFO_FILES: u64 = 256;

/// Deterministic, incompressible-looking bytes (xorshift64).
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median seconds of each of two jobs, timed in alternating rounds.
fn interleaved(mut a: impl FnMut() -> Duration, mut b: impl FnMut() -> Duration) -> (f64, f64) {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ours.push(a().as_secs_f64());
        theirs.push(b().as_secs_f64());
    }
    (median(ours), median(theirs))
}

fn timed(job: impl FnOnce()) -> Duration {
    let started = Instant::now();
    job();
    started.elapsed()
}

/// One framed piece message carrying a 16 KiB block.
fn piece_frame() -> BytesMut {
    let mut frame = BytesMut::new();
    Message::Piece {
        piece: 7,
        offset: 3 * BLOCK as u32,
        data: Bytes::from(noise(BLOCK)),
    }
    .encode(&mut frame);
    frame
}

fn decode_piece(codec: &Codec, buf: &mut BytesMut) -> usize {
    match codec.decode(buf) {
        Ok(Some(Message::Piece { data, .. })) => data.len(),
        other => panic!("a piece message, got {other:?}"),
    }
}

fn piece_decode(c: &mut Criterion) {
    let codec = Codec::default();
    let frame = piece_frame();
    let mut target = vec![0; frame.len()];
    // Each frame in a buffer of its own, as a read leaves it; built
    // outside the timed part.
    let decode_round = || {
        let mut frames = vec![frame.clone(); FRAMES];
        timed(|| {
            for buf in &mut frames {
                black_box(decode_piece(&codec, black_box(buf)));
            }
        })
    };
    let mut copy_round = || {
        timed(|| {
            for _ in 0..FRAMES {
                target.copy_from_slice(black_box(&frame));
                black_box(&mut target);
            }
        })
    };
    let (decode, copy) = interleaved(decode_round, &mut copy_round);
    let rate = |seconds: f64| (FRAMES * frame.len()) as f64 / seconds / 1e9;
    println!(
        "torrent_wire piece decode, 16 KiB blocks, median of {ROUNDS} × {FRAMES}: codec {:.1} GB/s ({:.0} ns a message), memcpy {:.1} GB/s, ratio {:.1}",
        rate(decode),
        decode / FRAMES as f64 * 1e9,
        rate(copy),
        copy / decode,
    );

    let mut group = c.benchmark_group("piece_decode");
    group.throughput(Throughput::Bytes(frame.len() as u64));
    group.bench_function("codec", |b| {
        b.iter_batched_ref(
            || frame.clone(),
            |buf| decode_piece(&codec, buf),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("memcpy", |b| {
        b.iter(|| {
            target.copy_from_slice(black_box(&frame));
            black_box(&mut target);
        });
    });
    group.finish();
}

/// Time `sha1sum` takes over `path`, process start included.
fn sha1sum(path: &std::path::Path) -> Duration {
    let started = Instant::now();
    let status = Command::new("sha1sum")
        .arg(path)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("runs coreutils sha1sum");
    let elapsed = started.elapsed();
    assert!(status.success(), "sha1sum failed: {status}");
    elapsed
}

fn piece_verify(c: &mut Criterion) {
    let content = noise(VERIFY_CONTENT);
    let torrent = TorrentBuilder::new(VERIFY_PIECE)
        .and_then(|builder| builder.single_file("content.bin", &content))
        .expect("a torrent of the content");
    let info = torrent.info().clone();
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(&content).expect("writes the content");
    file.flush().expect("flushes");
    let mut storage = MemoryStorage::with_content(&info, content).expect("seed storage");
    let mut verify_all = || {
        timed(|| {
            for index in 0..info.piece_count() {
                let intact = piece_is_intact(&mut storage, &info, index);
                assert!(matches!(intact, Ok(true)), "piece {index} verifies");
            }
        })
    };
    // Warm the page cache so sha1sum reads from memory, as we do.
    sha1sum(file.path());
    let (ours, theirs) = interleaved(&mut verify_all, || sha1sum(file.path()));
    let rate = |seconds: f64| VERIFY_CONTENT as f64 / seconds / 1e6;
    println!(
        "torrent_wire piece verify, {} MiB in {} KiB pieces, median of {ROUNDS}: piece_is_intact {:.0} MB/s, coreutils sha1sum {:.0} MB/s, ratio {:.2}",
        VERIFY_CONTENT >> 20,
        VERIFY_PIECE >> 10,
        rate(ours),
        rate(theirs),
        theirs / ours,
    );

    let mut group = c.benchmark_group("piece_verify");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(VERIFY_CONTENT as u64));
    group.bench_function("piece_is_intact", |b| {
        b.iter_custom(|n| (0..n).map(|_| verify_all()).sum());
    });
    group.bench_function("sha1sum", |b| {
        b.iter_custom(|n| (0..n).map(|_| sha1sum(file.path())).sum());
    });
    group.finish();
}

/// A 4 GiB multi-file torrent with random piece hashes.
fn large_metainfo() -> Vec<u8> {
    let pieces = noise((METAINFO_TOTAL / METAINFO_PIECE) as usize * 20);
    let file_length = (METAINFO_TOTAL / METAINFO_FILES) as i64;
    let mut out = Vec::new();
    Encoder::new(&mut out).dict(|torrent| {
        torrent
            .bytes(b"announce", b"http://tracker.example.invalid:6969/announce")
            .bytes(b"created by", b"onionswarm benches")
            .int(b"creation date", 1_700_000_000);
        torrent.entry(b"info").dict(|info| {
            info.entry(b"files").list(|files| {
                for file in 0..METAINFO_FILES {
                    files.push().dict(|entry| {
                        entry.int(b"length", file_length);
                        entry.entry(b"path").list(|path| {
                            path.push().bytes(format!("disc {}", file / 16).as_bytes());
                            path.push()
                                .bytes(format!("track {file:03}.flac").as_bytes());
                        });
                    });
                }
            });
            info.bytes(b"name", b"a large collection")
                .int(b"piece length", METAINFO_PIECE as i64)
                .bytes(b"pieces", &pieces);
        });
    });
    out
}

fn metainfo_decode(c: &mut Criterion) {
    let bytes = Bytes::from(large_metainfo());
    let parse = || {
        let metainfo = Metainfo::from_shared(black_box(bytes.clone())).expect("a valid torrent");
        assert_eq!(metainfo.info().piece_count(), 32_768);
        metainfo
    };
    let raw = || {
        let decoded = BencodeRef::decode(black_box(&bytes), BDecodeOpt::default());
        black_box(decoded.expect("valid bencode"));
    };
    let calls = 50;
    let (ours, theirs) = interleaved(
        || timed(|| (0..calls).for_each(|_| drop(black_box(parse())))),
        || timed(|| (0..calls).for_each(|_| raw())),
    );
    println!(
        "torrent_wire metainfo decode, {} KiB torrent (4 GiB, 32,768 pieces, {METAINFO_FILES} files), median of {ROUNDS} × {calls}: Metainfo::from_shared {:.1} µs, raw BencodeRef::decode {:.1} µs, time ratio {:.2}",
        bytes.len() >> 10,
        ours / f64::from(calls) * 1e6,
        theirs / f64::from(calls) * 1e6,
        ours / theirs,
    );

    let mut group = c.benchmark_group("metainfo_decode");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("metainfo_from_shared", |b| b.iter(parse));
    group.bench_function("bip_bencode_decode", |b| b.iter(raw));
    // What the two leave out, for the record: copying the input, and the
    // info-hash (hashed on first use).
    group.bench_function("metainfo_from_bytes", |b| {
        b.iter(|| Metainfo::from_bytes(black_box(&bytes)));
    });
    group.bench_function("metainfo_from_shared_and_info_hash", |b| {
        b.iter(|| parse().info_hash());
    });
    group.finish();
}

criterion_group!(benches, piece_decode, piece_verify, metainfo_decode);
criterion_main!(benches);
