//! Magnet links: both info-hash encodings, strict decoding, round trips and
//! the hostile corpus.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use torrent_wire::magnet::{MagnetLink, PeerAddress};
use torrent_wire::metainfo::TorrentBuilder;
use torrent_wire::{InfoHash, MagnetError};

const HEX: &str = "14f86e5e2320308878136132b663a8d61ce24321";
const BASE32: &str = "CT4G4XRDEAYIQ6ATMEZLMY5I2YOOEQZB";

fn parse(link: &str) -> Result<MagnetLink, MagnetError> {
    link.parse()
}

#[test]
fn hex_and_base32_info_hashes_in_any_case_are_the_same_hash() {
    let expected = parse(&format!("magnet:?xt=urn:btih:{HEX}"))
        .unwrap()
        .info_hash;
    assert_eq!(expected.to_hex(), HEX);
    for btih in [HEX.to_uppercase(), BASE32.to_owned(), BASE32.to_lowercase()] {
        let link = parse(&format!("MAGNET:?xt=URN:BTIH:{btih}")).unwrap();
        assert_eq!(link.info_hash, expected, "{btih}");
    }
}

#[test]
fn every_parameter_is_read_and_unknown_ones_are_kept_in_order() {
    let link = parse(&format!(
        "magnet:?xt=urn:btih:{BASE32}&dn=Caf%C3%A9+au+lait&xl=123456\
         &tr=udp%3A%2F%2F127.0.0.1%3A6969&tr=http://127.0.0.1:8000/announce\
         &x.pe=%5B%3A%3A1%5D%3A51413&x.pe=peer.local:6881\
         &ws=http%3A%2F%2F127.0.0.1%2Fseed&xt=urn:btmh:1220abcd&&so=0-3"
    ))
    .unwrap();
    assert_eq!(link.display_name.as_deref(), Some("Café au lait"));
    assert_eq!(link.exact_length, Some(123_456));
    assert_eq!(
        link.trackers,
        ["udp://127.0.0.1:6969", "http://127.0.0.1:8000/announce"]
    );
    assert_eq!(
        link.peers,
        [
            PeerAddress::Ip("[::1]:51413".parse().unwrap()),
            PeerAddress::Host {
                host: "peer.local".into(),
                port: 6881
            },
        ]
    );
    let other: Vec<(&str, &str)> = link
        .other
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    assert_eq!(
        other,
        [
            ("ws", "http://127.0.0.1/seed"),
            ("xt", "urn:btmh:1220abcd"),
            ("so", "0-3")
        ]
    );
    assert_eq!(parse(&link.to_string()).unwrap(), link);
}

#[test]
fn formatting_escapes_what_would_change_the_meaning() {
    let mut link = MagnetLink::new(InfoHash([0xab; 20]));
    link.display_name = Some("a&b=c+d e%".into());
    link.trackers
        .push("http://127.0.0.1/announce?x=1&y=2".into());
    let text = link.to_string();
    assert!(text.starts_with(&format!("magnet:?xt=urn:btih:{}", "ab".repeat(20))));
    assert!(text.contains("dn=a%26b%3Dc%2Bd%20e%25"), "{text}");
    assert_eq!(parse(&text).unwrap(), link);
}

#[test]
fn a_torrent_gives_a_link_with_its_hash_name_length_and_trackers() {
    let torrent = TorrentBuilder::new(16 * 1024)
        .unwrap()
        .tracker_tier(["udp://127.0.0.1:6969", "udp://127.0.0.1:6970"])
        .single_file("notes.txt", b"forty-two")
        .unwrap();
    let link = MagnetLink::from_metainfo(&torrent);
    assert_eq!(link.info_hash, torrent.info_hash());
    assert_eq!(link.display_name.as_deref(), Some("notes.txt"));
    assert_eq!(link.exact_length, Some(9));
    assert_eq!(
        link.trackers,
        ["udp://127.0.0.1:6969", "udp://127.0.0.1:6970"]
    );
}

#[test]
fn every_hostile_link_gets_its_specific_error() {
    use MagnetError as E;
    let expected = [
        ("not_magnet", E::NotMagnet),
        ("missing_info_hash", E::MissingInfoHash),
        ("duplicate_info_hash", E::DuplicateInfoHash),
        ("btih_39_hex", E::InvalidInfoHash),
        ("btih_not_hex", E::InvalidInfoHash),
        ("btih_not_base32", E::InvalidInfoHash),
        ("length_with_sign", E::InvalidLength),
        ("length_overflow", E::InvalidLength),
        ("length_leading_zero", E::InvalidLength),
        ("duplicate_name", E::DuplicateParameter { key: "dn" }),
        ("broken_escape", E::Encoding { key: "dn".into() }),
        ("truncated_escape", E::Encoding { key: "dn".into() }),
        ("name_not_utf8", E::Encoding { key: "dn".into() }),
        ("peer_port_too_large", E::InvalidPeer { index: 1 }),
        ("peer_bad_host", E::InvalidPeer { index: 0 }),
        ("peer_no_port", E::InvalidPeer { index: 0 }),
        (
            "too_long",
            E::TooLong {
                len: 70_064,
                max: 64 * 1024,
            },
        ),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/magnet");
    for (name, error) in &expected {
        let text = fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
        assert_eq!(parse(&text).as_ref().err(), Some(error), "{name}");
    }
    assert_eq!(fs::read_dir(&dir).unwrap().count(), expected.len());
}

fn peer() -> impl Strategy<Value = PeerAddress> {
    prop_oneof![
        // `x.pe` carries no IPv6 flow label or scope id.
        (any::<std::net::IpAddr>(), any::<u16>())
            .prop_map(|(ip, port)| PeerAddress::Ip(std::net::SocketAddr::new(ip, port))),
        ("[a-z0-9][a-z0-9.-]{0,20}", any::<u16>())
            .prop_map(|(host, port)| PeerAddress::Host { host, port }),
    ]
}

proptest! {
    #[test]
    fn links_round_trip_through_their_text(
        hash in any::<[u8; 20]>(),
        name in proptest::option::of(any::<String>()),
        length in proptest::option::of(any::<u64>()),
        trackers in prop::collection::vec(any::<String>(), 0..3),
        peers in prop::collection::vec(peer(), 0..3),
        other in prop::collection::vec(("k[a-z.]{0,5}", any::<String>()), 0..3),
    ) {
        let mut link = MagnetLink::new(InfoHash(hash));
        link.display_name = name;
        link.exact_length = length;
        link.trackers = trackers;
        link.peers = peers;
        link.other = other;
        prop_assert_eq!(parse(&link.to_string()).unwrap(), link);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse(&format!("magnet:?{text}"));
    }
}
