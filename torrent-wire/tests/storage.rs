//! Storage: multi-file layouts mapped byte for byte, nothing written outside
//! the download directory, and file storage agreeing with memory storage.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use torrent_wire::StorageError;
use torrent_wire::metainfo::{FilePath, Metainfo, TorrentBuilder};
use torrent_wire::storage::{FileStorage, MemoryStorage, Storage, piece_is_intact};

fn real(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/metainfo/real")
        .join(relative)
}

#[test]
fn pieces_written_out_of_order_land_in_the_right_files() {
    let torrent =
        Metainfo::from_bytes(&fs::read(real("transmission-multi.torrent")).unwrap()).unwrap();
    let info = torrent.info();
    let mut content = Vec::new();
    for file in info.files() {
        content.extend(fs::read(real("content").join(file.path.to_path_buf())).unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let mut storage = FileStorage::create(dir.path(), info).unwrap();
    let mut order: Vec<u32> = (0..info.piece_count()).collect();
    order.reverse();
    for index in order {
        assert!(!piece_is_intact(&mut storage, info, index).unwrap());
        let range = info.piece_range(index).unwrap();
        storage
            .write(
                range.start,
                &content[range.start as usize..range.end as usize],
            )
            .unwrap();
        assert!(
            piece_is_intact(&mut storage, info, index).unwrap(),
            "piece {index}"
        );
    }
    for file in info.files() {
        let relative = file.path.to_path_buf();
        assert_eq!(
            fs::read(dir.path().join(&relative)).unwrap(),
            fs::read(real("content").join(&relative)).unwrap(),
            "{}",
            file.path
        );
    }
    let written: Vec<_> = walk(dir.path());
    assert_eq!(
        written.len(),
        info.files().len(),
        "no other files: {written:?}"
    );
}

#[test]
fn a_symlink_in_the_download_directory_cannot_redirect_writes() {
    let torrent =
        Metainfo::from_bytes(&fs::read(real("mktorrent-multi.torrent")).unwrap()).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("sample")).unwrap();
    match FileStorage::create(dir.path(), torrent.info()) {
        Err(StorageError::Symlink { path }) => assert_eq!(path, dir.path().join("sample")),
        other => panic!("expected Symlink, got {other:?}"),
    }

    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sample")).unwrap();
    let target = outside.path().join("victim");
    fs::write(&target, b"keep me").unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("sample/a.txt")).unwrap();
    assert!(matches!(
        FileStorage::create(dir.path(), torrent.info()),
        Err(StorageError::Symlink { .. })
    ));
    assert_eq!(fs::read(&target).unwrap(), b"keep me");
    assert!(walk(outside.path()).len() == 1, "nothing created outside");
}

#[test]
fn existing_files_are_kept_and_cut_to_their_length() {
    let torrent = TorrentBuilder::new(16 * 1024)
        .unwrap()
        .multi_file(
            "root",
            &[
                (FilePath::new(["a"]).unwrap(), &[1u8; 100][..]),
                (FilePath::new(["empty"]).unwrap(), &[][..]),
                (FilePath::new(["d", "b"]).unwrap(), &[2u8; 50][..]),
            ],
        )
        .unwrap();
    let info = torrent.info();
    let dir = tempfile::tempdir().unwrap();
    let mut storage = FileStorage::create(dir.path(), info).unwrap();
    storage.write(90, &[9; 20]).unwrap();
    assert_eq!(
        fs::metadata(dir.path().join("root/empty")).unwrap().len(),
        0
    );
    drop(storage);

    fs::write(dir.path().join("root/d/b"), [3u8; 80]).unwrap();
    let mut storage = FileStorage::create(dir.path(), info).unwrap();
    let mut buf = [0u8; 30];
    storage.read(85, &mut buf).unwrap();
    assert_eq!(&buf[..5], &[0; 5], "never written");
    assert_eq!(&buf[5..15], &[9; 10], "kept from the first run");
    assert_eq!(&buf[15..], &[3; 15], "what was on disk before");
    assert_eq!(fs::metadata(dir.path().join("root/d/b")).unwrap().len(), 50);
}

#[test]
fn ranges_past_the_end_are_refused() {
    let torrent = TorrentBuilder::new(16 * 1024)
        .unwrap()
        .single_file("a", &[0; 1000])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut file = FileStorage::create(dir.path(), torrent.info()).unwrap();
    let mut memory = MemoryStorage::new(torrent.info()).unwrap();
    for storage in [&mut file as &mut dyn Storage, &mut memory] {
        assert!(matches!(
            storage.write(999, &[0; 2]),
            Err(StorageError::OutOfRange {
                offset: 999,
                len: 2,
                total: 1000
            })
        ));
        assert!(matches!(
            storage.read(u64::MAX, &mut [0; 1]),
            Err(StorageError::OutOfRange { .. })
        ));
    }
    assert!(matches!(
        piece_is_intact(&mut memory, torrent.info(), 1),
        Err(StorageError::OutOfRange { .. })
    ));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.is_symlink() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn file_storage_reads_back_what_memory_storage_does(
        lengths in prop::collection::vec(0usize..5000, 1..6),
        writes in prop::collection::vec((any::<prop::sample::Index>(), 1usize..3000, any::<u8>()), 1..12),
        reads in prop::collection::vec((any::<prop::sample::Index>(), 0usize..6000), 1..8),
    ) {
        prop_assume!(lengths.iter().sum::<usize>() > 0);
        let contents: Vec<Vec<u8>> = lengths.iter().map(|&len| vec![0; len]).collect();
        let files: Vec<(FilePath, &[u8])> = contents
            .iter()
            .enumerate()
            .map(|(index, data)| (FilePath::new(["dir".to_owned(), format!("f{index}")]).unwrap(), data.as_slice()))
            .collect();
        let torrent = TorrentBuilder::new(16 * 1024).unwrap().multi_file("t", &files).unwrap();
        let info = torrent.info();
        let total = info.total_length() as usize;
        let dir = tempfile::tempdir().unwrap();
        let mut file = FileStorage::create(dir.path(), info).unwrap();
        let mut memory = MemoryStorage::new(info).unwrap();
        for (at, len, byte) in writes {
            let offset = at.index(total);
            let len = len.min(total - offset);
            let data = vec![byte; len];
            file.write(offset as u64, &data).unwrap();
            memory.write(offset as u64, &data).unwrap();
        }
        for (at, len) in reads {
            let offset = at.index(total);
            let len = len.min(total - offset);
            let (mut from_file, mut from_memory) = (vec![1; len], vec![2; len]);
            file.read(offset as u64, &mut from_file).unwrap();
            memory.read(offset as u64, &mut from_memory).unwrap();
            prop_assert_eq!(from_file, from_memory);
        }
        for entry in info.files() {
            let on_disk = fs::read(dir.path().join(entry.path.to_path_buf())).unwrap();
            let start = entry.offset as usize;
            let expected = &memory.content()[start..start + on_disk.len()];
            prop_assert!(on_disk.len() as u64 <= entry.length);
            prop_assert_eq!(on_disk.as_slice(), expected);
        }
    }
}
