//! Metainfo against torrents made by real clients, the hostile corpus, and
//! creation round trips.

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use torrent_wire::metainfo::{FilePath, Info, Metainfo, TorrentBuilder};
use torrent_wire::{CreateError, FieldError, FieldProblem, InfoHash, MetainfoError, PathProblem};

fn testdata(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/metainfo")
        .join(relative)
}

fn real_torrent(name: &str) -> Metainfo {
    let bytes = fs::read(testdata("real").join(name)).expect("committed torrent");
    Metainfo::from_bytes(&bytes).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// `(file name, info-hash hex)` as libtorrent computed them.
fn libtorrent_info_hashes() -> Vec<(String, String)> {
    let listing = fs::read_to_string(testdata("real/info-hashes.txt")).expect("committed list");
    listing
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (name, hash) = line.split_once(' ').expect("`name hash` lines");
            (name.to_owned(), hash.to_owned())
        })
        .collect()
}

#[test]
fn torrents_from_libtorrent_mktorrent_and_transmission_hash_as_libtorrent_says() {
    let expected = libtorrent_info_hashes();
    assert_eq!(expected.len(), 5, "one line per committed torrent");
    for (name, hash) in expected {
        assert_eq!(real_torrent(&name).info_hash().to_hex(), hash, "{name}");
    }
}

#[test]
fn piece_hashes_of_real_torrents_match_the_content_through_the_file_layout() {
    for (name, _) in libtorrent_info_hashes() {
        let info = real_torrent(&name).info().clone();
        let mut content = Vec::new();
        for file in info.files() {
            let data = fs::read(testdata("real/content").join(file.path.to_path_buf()))
                .unwrap_or_else(|error| panic!("{name}: {}: {error}", file.path));
            assert_eq!(data.len() as u64, file.length, "{name}: {}", file.path);
            assert_eq!(content.len() as u64, file.offset, "{name}: {}", file.path);
            content.extend_from_slice(&data);
        }
        assert_eq!(content.len() as u64, info.total_length());
        let mut start = 0usize;
        for index in 0..info.piece_count() {
            let size = info.piece_size(index).expect("index in range") as usize;
            let piece = &content[start..start + size];
            assert_eq!(
                info.piece_hash(index),
                Some(&sha1_of(piece)),
                "{name}: piece {index}"
            );
            start += size;
        }
        assert_eq!(start, content.len(), "{name}: pieces cover the content");
        assert_eq!(info.piece_size(info.piece_count()), None);
    }
}

#[test]
fn metadata_around_the_info_dictionary_is_read() {
    let torrent = real_torrent("mktorrent-multi.torrent");
    assert_eq!(
        torrent.announce.as_deref(),
        Some("http://127.0.0.1:6969/announce")
    );
    assert_eq!(
        torrent.announce_list,
        [
            vec!["http://127.0.0.1:6969/announce".to_owned()],
            vec![
                "http://127.0.0.1:6970/announce".to_owned(),
                "udp://127.0.0.1:6971".to_owned()
            ],
        ]
    );
    assert_eq!(
        torrent.trackers(),
        [
            "http://127.0.0.1:6969/announce",
            "http://127.0.0.1:6970/announce",
            "udp://127.0.0.1:6971"
        ]
    );
    assert_eq!(torrent.web_seeds, ["http://127.0.0.1:8080/seed/"]);
    assert_eq!(torrent.comment.as_deref(), Some("made by mktorrent"));
    assert_eq!(torrent.created_by.as_deref(), Some("mktorrent 1.1"));
    let info = torrent.info();
    assert!(info.is_multi_file() && !info.is_private());
    let paths: Vec<String> = info.files().iter().map(|f| f.path.to_string()).collect();
    assert_eq!(
        paths,
        ["sample/a.txt", "sample/sub/b.bin", "sample/sub/c d.txt"]
    );

    let private = real_torrent("mktorrent-single-private.torrent");
    assert!(private.info().is_private() && !private.info().is_multi_file());
    assert_eq!(private.info().files()[0].path.to_string(), "single.bin");
    assert_eq!(private.trackers(), ["http://127.0.0.1:6969/announce"]);
}

#[test]
fn reencoding_a_fully_modelled_torrent_gives_back_its_exact_bytes() {
    for name in [
        "mktorrent-multi.torrent",
        "mktorrent-single-private.torrent",
    ] {
        let bytes = fs::read(testdata("real").join(name)).expect("committed torrent");
        assert_eq!(
            Metainfo::from_bytes(&bytes).unwrap().to_bytes(),
            bytes,
            "{name}"
        );
    }
}

#[test]
fn reencoding_keeps_the_info_dictionary_byte_for_byte() {
    for (name, _) in libtorrent_info_hashes() {
        let torrent = real_torrent(&name);
        let again = Metainfo::from_bytes(&torrent.to_bytes()).unwrap();
        assert_eq!(again, torrent, "{name}");
    }
}

#[test]
fn creating_from_disk_gives_the_info_hash_mktorrent_gives() {
    let multi = TorrentBuilder::new(32 * 1024)
        .unwrap()
        .from_path(&testdata("real/content/sample"))
        .unwrap();
    assert_eq!(
        multi.info_hash(),
        real_torrent("mktorrent-multi.torrent").info_hash()
    );
    let single = TorrentBuilder::new(32 * 1024)
        .unwrap()
        .private(true)
        .from_path(&testdata("real/content/single.bin"))
        .unwrap();
    assert_eq!(
        single.info_hash(),
        real_torrent("mktorrent-single-private.torrent").info_hash()
    );
}

#[test]
fn creating_refuses_symlinks_empty_content_and_missing_paths() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("content");
    fs::create_dir(&root).unwrap();
    let builder = TorrentBuilder::new(16 * 1024).unwrap();
    assert!(matches!(
        builder.clone().from_path(&root),
        Err(CreateError::Metainfo(MetainfoError::Empty))
    ));
    fs::write(root.join("data"), b"payload").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
    match builder.clone().from_path(&root) {
        Err(CreateError::NotARegularFile { path }) => assert_eq!(path, root.join("link")),
        other => panic!("expected NotARegularFile, got {other:?}"),
    }
    assert!(matches!(
        builder.from_path(&root.join("missing")),
        Err(CreateError::Io { .. })
    ));
}

#[test]
fn an_info_dictionary_from_ut_metadata_must_hash_to_the_magnet_info_hash() {
    let torrent = real_torrent("libtorrent-multi.torrent");
    let raw = torrent.info().as_bytes();
    let info = Info::from_bytes_verified(raw, torrent.info_hash()).unwrap();
    assert_eq!(&info, torrent.info());
    assert!(matches!(
        Info::from_bytes_verified(raw, InfoHash([7; 20])),
        Err(MetainfoError::InfoHashMismatch { .. })
    ));
}

#[test]
fn parsing_shared_bytes_keeps_views_into_them_and_matches_a_copying_parse() {
    let torrent = real_torrent("transmission-multi.torrent");
    let file = bytes::Bytes::from(torrent.to_bytes());
    let shared = Metainfo::from_shared(file.clone()).unwrap();
    assert_eq!(shared, Metainfo::from_bytes(&file).unwrap());
    assert_eq!(shared.info_hash(), torrent.info_hash());
    let info = shared.info().as_bytes();
    assert!(file.as_ptr_range().contains(&info.as_ptr()));
}

#[test]
fn file_paths_sort_component_by_component() {
    let path = |components: &[&str]| FilePath::new(components).unwrap();
    // Bytewise, "a b" < "a/b"; by components, the directory "a" and all it
    // holds come before "a b".
    let mut paths = vec![
        path(&["a b"]),
        path(&["a", "b"]),
        path(&["a"]),
        path(&["a", "a b"]),
    ];
    paths.sort();
    assert_eq!(
        paths,
        [
            path(&["a"]),
            path(&["a", "a b"]),
            path(&["a", "b"]),
            path(&["a b"])
        ]
    );
}

#[test]
fn every_hostile_torrent_gets_its_specific_error() {
    use MetainfoError as E;
    use PathProblem as P;
    let field = |key, problem| E::Field(FieldError { key, problem });
    let wrong = |key, expected| field(key, FieldProblem::WrongType { expected });
    let path = |file, problem| E::Path { file, problem };
    let piece_length = |value| E::PieceLength {
        value,
        min: 16 * 1024,
        max: 256 * 1024 * 1024,
    };
    let expected: Vec<(&str, MetainfoError)> = vec![
        ("path_dot_dot", path(0, P::DotComponent { index: 0 })),
        ("path_dot", path(0, P::DotComponent { index: 0 })),
        ("path_absolute", path(0, P::Separator { index: 0 })),
        ("path_backslash", path(0, P::Separator { index: 0 })),
        ("path_nul", path(0, P::Separator { index: 0 })),
        (
            "path_empty_component",
            path(0, P::EmptyComponent { index: 1 }),
        ),
        ("path_no_components", path(0, P::NoComponents)),
        ("path_not_utf8", path(0, P::NotUtf8 { index: 0 })),
        ("path_not_strings", wrong("path", "a list of strings")),
        ("name_dot_dot", E::Name(P::DotComponent { index: 0 })),
        ("name_with_separator", E::Name(P::Separator { index: 0 })),
        ("name_empty", E::Name(P::EmptyComponent { index: 0 })),
        ("pieces_not_hashes", E::PiecesNotHashes { len: 59 }),
        (
            "pieces_too_few",
            E::PieceCount {
                expected: 3,
                actual: 2,
            },
        ),
        (
            "pieces_too_many",
            E::PieceCount {
                expected: 3,
                actual: 4,
            },
        ),
        ("piece_length_not_power_of_two", piece_length(20000)),
        ("piece_length_zero", piece_length(0)),
        ("piece_length_negative", piece_length(-16384)),
        ("piece_length_too_small", piece_length(8192)),
        ("piece_length_too_large", piece_length(1 << 29)),
        ("length_negative", field("length", FieldProblem::OutOfRange)),
        ("length_and_files", E::AmbiguousLayout),
        ("neither_length_nor_files", E::AmbiguousLayout),
        ("files_empty", E::NoFiles),
        ("files_not_dicts", wrong("files", "a list of dictionaries")),
        ("files_duplicate", E::PathCollision { file: 1, other: 0 }),
        (
            "file_is_a_directory_of_another",
            E::PathCollision { file: 1, other: 0 },
        ),
        ("total_length_zero", E::Empty),
        ("total_length_overflow", E::LengthOverflow),
        ("private_two", field("private", FieldProblem::OutOfRange)),
        ("root_not_a_dictionary", E::NotADictionary),
        ("info_not_a_dictionary", wrong("info", "a dictionary")),
        ("info_missing", field("info", FieldProblem::Missing)),
        (
            "announce_list_not_tiers",
            wrong("announce-list", "a list of lists of UTF-8 strings"),
        ),
        (
            "url_list_integer",
            wrong("url-list", "a UTF-8 string or a list of them"),
        ),
    ];
    let mut seen = 0;
    for (name, error) in &expected {
        let bytes = fs::read(testdata("hostile").join(format!("{name}.torrent")))
            .unwrap_or_else(|error| panic!("{name}: {error} (run generate.py)"));
        assert_eq!(
            Metainfo::from_bytes(&bytes).as_ref().err(),
            Some(error),
            "{name}"
        );
        seen += 1;
    }
    for name in ["truncated", "info_keys_unsorted"] {
        let bytes = fs::read(testdata("hostile").join(format!("{name}.torrent"))).unwrap();
        assert!(
            matches!(Metainfo::from_bytes(&bytes), Err(E::Bencode(_))),
            "{name}"
        );
        seen += 1;
    }
    let on_disk = fs::read_dir(testdata("hostile"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().extension() == Some("torrent".as_ref()))
        .count();
    assert_eq!(seen, on_disk, "every file of the corpus has an expectation");
}

fn sha1_of(data: &[u8]) -> [u8; 20] {
    use sha1::Digest;
    sha1::Sha1::digest(data).into()
}

/// Up to five files with short paths under two directory names, so that
/// collisions happen; contents from a seed.
fn layout() -> impl Strategy<Value = Vec<(Vec<String>, usize)>> {
    let component = prop::sample::select(vec!["a", "b", "c d", "ü.txt", "sub"]);
    let path = prop::collection::vec(component.prop_map(str::to_owned), 1..4);
    prop::collection::vec((path, 0usize..70_000), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn created_torrents_round_trip_or_report_the_collision(
        layout in layout(),
        seed in any::<u8>(),
        piece_exponent in 14u32..17,
        private in any::<bool>(),
    ) {
        let contents: Vec<Vec<u8>> = layout
            .iter()
            .enumerate()
            .map(|(index, (_, len))| (0..*len).map(|i| (i * 31 + index) as u8 ^ seed).collect())
            .collect();
        let files: Vec<(FilePath, &[u8])> = layout
            .iter()
            .zip(&contents)
            .map(|((path, _), data)| (FilePath::new(path.clone()).unwrap(), data.as_slice()))
            .collect();
        let piece_length = 1u32 << piece_exponent;
        let created = TorrentBuilder::new(piece_length)
            .unwrap()
            .tracker("udp://127.0.0.1:6969")
            .private(private)
            .multi_file("root", &files);
        let total: usize = contents.iter().map(Vec::len).sum();
        let collides = files.iter().enumerate().any(|(i, (a, _))| {
            files.iter().enumerate().any(|(j, (b, _))| {
                i != j && b.components().take(a.components().count()).eq(a.components())
            })
        });
        match created {
            Err(MetainfoError::PathCollision { .. }) => prop_assert!(collides),
            Err(MetainfoError::Empty) => prop_assert_eq!(total, 0),
            Err(other) => return Err(TestCaseError::fail(other.to_string())),
            Ok(torrent) => {
                prop_assert!(!collides && total > 0);
                let parsed = Metainfo::from_bytes(&torrent.to_bytes()).unwrap();
                prop_assert_eq!(&parsed, &torrent);
                let info = parsed.info();
                prop_assert_eq!(info.total_length(), total as u64);
                prop_assert_eq!(u64::from(info.piece_count()), (total as u64).div_ceil(piece_length.into()));
                prop_assert_eq!(info.is_private(), private);
                let joined: Vec<u8> = contents.concat();
                let last = info.piece_count() - 1;
                let start = (last * piece_length) as usize;
                prop_assert_eq!(info.piece_hash(last), Some(&sha1_of(&joined[start..])));
            }
        }
    }
}
