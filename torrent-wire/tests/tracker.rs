//! Tracker protocols: URL vectors, response parsing, round trips of every
//! packet, and the hostile corpus.

mod support;

use std::fs;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use proptest::prelude::*;
use support::event;
use torrent_wire::tracker::http::{self, PeerModel};
use torrent_wire::tracker::udp::{PeerFamily, Request, Response};
use torrent_wire::tracker::{Announce, AnnounceEvent, AnnounceResponse, Peer, ScrapeStats};
use torrent_wire::{FieldError, FieldProblem, InfoHash, PeerId, TrackerError};

fn corpus(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/tracker")
        .join(kind)
}

fn sample_announce() -> Announce {
    let mut hash = [0u8; 20];
    hash[..6].copy_from_slice(&[0x00, 0x7e, 0x20, b'A', b'%', 0xff]);
    Announce {
        uploaded: 1,
        downloaded: 2,
        left: 3,
        event: AnnounceEvent::Started,
        num_want: Some(50),
        key: Some(0xdead_beef),
        ..Announce::new(InfoHash(hash), PeerId(*b"-OS0001-~._ abcdefgh"), 6881)
    }
}

#[test]
fn announce_urls_escape_binary_ids_byte_by_byte() {
    let url = http::announce_url("http://127.0.0.1:6969/announce", &sample_announce());
    assert_eq!(
        url,
        "http://127.0.0.1:6969/announce?info_hash=%00~%20A%25%FF%00%00%00%00%00%00%00%00%00%00%00%00%00%00\
         &peer_id=-OS0001-~._%20abcdefgh&port=6881&uploaded=1&downloaded=2&left=3&compact=1\
         &event=started&numwant=50&key=DEADBEEF"
    );
    let with_query = http::announce_url("http://127.0.0.1/a?passkey=x", &sample_announce());
    assert!(with_query.starts_with("http://127.0.0.1/a?passkey=x&info_hash=%00~"));
}

#[test]
fn scrape_urls_follow_the_bep_48_convention() {
    let hash = InfoHash([0x41; 20]);
    let cases = [
        ("http://127.0.0.1/announce", Some("http://127.0.0.1/scrape")),
        (
            "http://127.0.0.1/x/announce",
            Some("http://127.0.0.1/x/scrape"),
        ),
        (
            "http://127.0.0.1/announce.php",
            Some("http://127.0.0.1/scrape.php"),
        ),
        (
            "http://127.0.0.1/announce?x2%0644",
            Some("http://127.0.0.1/scrape?x2%0644"),
        ),
        ("http://127.0.0.1/a", None),
        (
            "http://127.0.0.1/announce?x=2/4",
            Some("http://127.0.0.1/scrape?x=2/4"),
        ),
        ("http://127.0.0.1/x%064announce", None),
    ];
    for (announce, expected) in cases {
        let scrape = http::scrape_url(announce, &[]).ok();
        assert_eq!(scrape.as_deref(), expected, "{announce}");
    }
    let two = http::scrape_url("http://127.0.0.1/announce", &[hash, hash]).unwrap();
    assert_eq!(
        two,
        format!(
            "http://127.0.0.1/scrape?info_hash={0}&info_hash={0}",
            "A".repeat(20)
        )
    );
    assert_eq!(
        http::scrape_url("http://127.0.0.1/announce", &[hash; 75]),
        Err(TrackerError::TooManyInfoHashes { count: 75, max: 74 })
    );
}

#[test]
fn the_query_a_client_sends_is_the_announce_a_tracker_reads() {
    let announce = sample_announce();
    let url = http::announce_url("http://127.0.0.1/announce", &announce);
    let (_, query) = url.split_once('?').unwrap();
    assert_eq!(http::parse_announce_query(query).unwrap(), announce);
    for (query, key) in [
        ("peer_id=-OS0001-~._%20abcdefgh&port=1", "info_hash"),
        ("info_hash=short&peer_id=x&port=1", "info_hash"),
        (&format!("{query}&port=2"), "port"),
        (&query.replace("port=6881", "port=+6881"), "port"),
        (&query.replace("left=3", "left=03"), "left"),
        (&query.replace("event=started", "event=paused"), "event"),
        (&query.replace("key=DEADBEEF", "key=+1"), "key"),
    ] {
        assert_eq!(
            http::parse_announce_query(query),
            Err(TrackerError::Query { key }),
            "{query}"
        );
    }
}

#[test]
fn announce_responses_in_every_peer_model_are_read() {
    let compact = b"d8:completei5e10:incompletei3e8:intervali1800e12:min intervali60e\
        5:peers12:\x7f\x00\x00\x01\x1a\xe1\x7f\x00\x00\x02\x1a\xe26:peers618:\
        \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\xc8\xd5\
        10:tracker id3:abc15:warning message4:slowe";
    let response = http::parse_announce(compact).unwrap();
    let addrs: Vec<SocketAddr> = response.peers.iter().map(|peer| peer.addr).collect();
    assert_eq!(
        addrs,
        [
            "127.0.0.1:6881".parse().unwrap(),
            "127.0.0.2:6882".parse().unwrap(),
            "[::1]:51413".parse().unwrap()
        ]
    );
    assert_eq!(
        (
            response.interval,
            response.min_interval,
            response.seeders,
            response.leechers
        ),
        (1800, Some(60), Some(5), Some(3))
    );
    assert_eq!(response.warning.as_deref(), Some("slow"));
    assert_eq!(response.tracker_id.as_deref(), Some(&b"abc"[..]));

    let dictionary = b"d8:intervali60e5:peersld2:ip3:::17:peer id20:-TR3000-aaaaaaaaaaaa\
        4:porti51413eed2:ip9:127.0.0.14:porti6881eeee";
    let response = http::parse_announce(dictionary).unwrap();
    assert_eq!(
        response.peers,
        [
            Peer {
                addr: "[::1]:51413".parse().unwrap(),
                id: Some(PeerId(*b"-TR3000-aaaaaaaaaaaa"))
            },
            Peer::from("127.0.0.1:6881".parse::<SocketAddr>().unwrap()),
        ]
    );
}

#[test]
fn every_hostile_http_response_gets_its_specific_error() {
    use TrackerError as E;
    let field = |key, problem| E::Field(FieldError { key, problem });
    let compact = |key, len, entry| E::CompactPeers { key, len, entry };
    let expected = [
        (
            "failure",
            E::Failure {
                reason: "not allowed".into(),
            },
        ),
        (
            "failure_not_utf8",
            E::NotUtf8 {
                key: "failure reason",
            },
        ),
        ("not_a_dictionary", E::NotADictionary),
        ("interval_missing", field("interval", FieldProblem::Missing)),
        (
            "interval_negative",
            field("interval", FieldProblem::OutOfRange),
        ),
        (
            "interval_too_large",
            field("interval", FieldProblem::OutOfRange),
        ),
        ("peers_partial_entry", compact("peers", 7, 6)),
        ("peers6_partial_entry", compact("peers6", 5, 18)),
        (
            "peers_wrong_type",
            field("peers", FieldProblem::WrongType { expected: "a list" }),
        ),
        ("peer_ip_not_an_address", E::InvalidPeer { index: 0 }),
        ("peer_port_too_large", E::InvalidPeer { index: 0 }),
        ("peer_id_short", E::InvalidPeer { index: 0 }),
        ("peer_not_a_dictionary", E::InvalidPeer { index: 0 }),
        (
            "warning_not_utf8",
            field("warning message", FieldProblem::NotUtf8),
        ),
    ];
    for (name, error) in &expected {
        let body = fs::read(corpus("http").join(format!("{name}.bencode"))).unwrap();
        assert_eq!(
            http::parse_announce(&body).as_ref().err(),
            Some(error),
            "{name}"
        );
    }
    let body = fs::read(corpus("http").join("non_canonical.bencode")).unwrap();
    assert!(matches!(http::parse_announce(&body), Err(E::Bencode(_))));
    let scrape_expected = [
        (
            "scrape_files_missing",
            field("files", FieldProblem::Missing),
        ),
        (
            "scrape_hash_short",
            field(
                "files",
                FieldProblem::WrongType {
                    expected: "a dictionary keyed by 20-byte info-hashes",
                },
            ),
        ),
        (
            "scrape_stats_missing",
            field("downloaded", FieldProblem::Missing),
        ),
    ];
    for (name, error) in &scrape_expected {
        let body = fs::read(corpus("http").join(format!("{name}.bencode"))).unwrap();
        assert_eq!(
            http::parse_scrape(&body).as_ref().err(),
            Some(error),
            "{name}"
        );
    }
    let files = fs::read_dir(corpus("http")).unwrap().count();
    assert_eq!(files, expected.len() + scrape_expected.len() + 1);
}

#[test]
fn every_hostile_udp_packet_gets_its_specific_error() {
    use TrackerError as E;
    let short = |action, len, min| E::UdpTooShort { action, len, min };
    let requests = [
        ("request_too_short", short("request", 15, 16)),
        ("request_bad_protocol_id", E::UdpProtocolId),
        (
            "request_unknown_action",
            E::UnknownAction { action: "9".into() },
        ),
        ("request_announce_short", short("announce", 97, 98)),
        (
            "request_announce_bad_event",
            E::UnknownAction {
                action: "event 7".into(),
            },
        ),
        (
            "request_scrape_partial_hash",
            E::UdpLength {
                action: "scrape",
                len: 46,
            },
        ),
        (
            "request_scrape_no_hash",
            E::UdpLength {
                action: "scrape",
                len: 16,
            },
        ),
        (
            "request_scrape_75_hashes",
            E::TooManyInfoHashes { count: 75, max: 74 },
        ),
    ];
    for (name, error) in &requests {
        let packet = fs::read(corpus("udp").join(format!("{name}.bin"))).unwrap();
        assert_eq!(
            Request::decode(&packet).as_ref().err(),
            Some(error),
            "{name}"
        );
    }
    let responses = [
        ("response_too_short", short("response", 7, 8)),
        ("response_connect_short", short("connect", 15, 16)),
        ("response_announce_short", short("announce", 19, 20)),
        (
            "response_announce_partial_peer",
            E::UdpLength {
                action: "announce",
                len: 25,
            },
        ),
        (
            "response_scrape_partial_entry",
            E::UdpLength {
                action: "scrape",
                len: 16,
            },
        ),
        ("response_error_not_utf8", E::NotUtf8 { key: "message" }),
        (
            "response_unknown_action",
            E::UnknownAction { action: "4".into() },
        ),
    ];
    for (name, error) in &responses {
        let packet = fs::read(corpus("udp").join(format!("{name}.bin"))).unwrap();
        let decoded = Response::decode(&packet, PeerFamily::Ipv4);
        assert_eq!(decoded.as_ref().err(), Some(error), "{name}");
    }
    let files = fs::read_dir(corpus("udp")).unwrap().count();
    assert_eq!(files, requests.len() + responses.len());
}

#[test]
fn a_udp_connect_request_is_the_bep_15_bytes() {
    let mut packet = Vec::new();
    Request::Connect {
        transaction_id: 0x0102_0304,
    }
    .encode(&mut packet);
    assert_eq!(
        packet,
        [
            0, 0, 4, 0x17, 0x27, 0x10, 0x19, 0x80, 0, 0, 0, 0, 1, 2, 3, 4
        ]
    );
}

prop_compose! {
    fn announce()(
        hash in any::<[u8; 20]>(),
        id in any::<[u8; 20]>(),
        port in any::<u16>(),
        counts in any::<(u64, u64, u64)>(),
        event in event(),
        num_want in proptest::option::of(0..=i32::MAX as u32),
        key in proptest::option::of(1..=u32::MAX),
    ) -> Announce {
        Announce {
            uploaded: counts.0,
            downloaded: counts.1,
            left: counts.2,
            event,
            num_want,
            key,
            ..Announce::new(InfoHash(hash), PeerId(id), port)
        }
    }
}

/// An address as it travels: IPv6 without flow label or scope id.
fn addr() -> impl Strategy<Value = SocketAddr> {
    (any::<IpAddr>(), any::<u16>()).prop_map(SocketAddr::from)
}

fn stats() -> impl Strategy<Value = ScrapeStats> {
    any::<(u32, u32, u32)>().prop_map(|(seeders, completed, leechers)| ScrapeStats {
        seeders,
        completed,
        leechers,
    })
}

proptest! {
    #[test]
    fn http_announce_queries_round_trip(announce in announce()) {
        let url = http::announce_url("http://127.0.0.1/announce", &announce);
        let (_, query) = url.split_once('?').unwrap();
        prop_assert_eq!(http::parse_announce_query(query).unwrap(), announce);
    }

    #[test]
    fn http_announce_responses_round_trip_in_both_models(
        interval in any::<u32>(),
        min_interval in proptest::option::of(any::<u32>()),
        seeders in proptest::option::of(any::<u32>()),
        leechers in proptest::option::of(any::<u32>()),
        peers in prop::collection::vec((addr(), proptest::option::of(any::<[u8; 20]>())), 0..8),
        warning in proptest::option::of(any::<String>()),
        tracker_id in proptest::option::of(prop::collection::vec(any::<u8>(), 0..8)),
    ) {
        let response = AnnounceResponse {
            interval,
            min_interval,
            seeders,
            leechers,
            peers: peers
                .iter()
                .map(|(addr, id)| Peer { addr: *addr, id: id.map(PeerId) })
                .collect(),
            warning,
            tracker_id,
        };
        let body = http::encode_announce_response(&response, PeerModel::Dictionary);
        prop_assert_eq!(&http::parse_announce(&body).unwrap(), &response);

        // Compact lists carry no ids and put IPv4 before IPv6.
        let mut compact = response.clone();
        compact.peers.sort_by_key(|peer| peer.addr.is_ipv6());
        compact.peers.iter_mut().for_each(|peer| peer.id = None);
        let body = http::encode_announce_response(&response, PeerModel::Compact);
        prop_assert_eq!(http::parse_announce(&body).unwrap(), compact);
    }

    #[test]
    fn http_scrapes_and_failures_round_trip(
        files in prop::collection::btree_map(any::<[u8; 20]>(), stats(), 0..6),
        reason in any::<String>(),
    ) {
        let files: Vec<(InfoHash, ScrapeStats)> =
            files.into_iter().map(|(hash, stats)| (InfoHash(hash), stats)).collect();
        let body = http::encode_scrape_response(&files);
        prop_assert_eq!(http::parse_scrape(&body).unwrap(), files);
        let refusal = http::encode_failure(&reason);
        prop_assert_eq!(http::parse_announce(&refusal), Err(TrackerError::Failure { reason: reason.clone() }));
        prop_assert_eq!(http::parse_scrape(&refusal), Err(TrackerError::Failure { reason }));
    }

    #[test]
    fn udp_requests_round_trip(
        announce in announce(),
        connection_id in any::<u64>(),
        transaction_id in any::<u32>(),
        ip in proptest::option::of(any::<std::net::Ipv4Addr>().prop_filter("set", |ip| !ip.is_unspecified())),
        hashes in prop::collection::vec(any::<[u8; 20]>(), 1..=74),
    ) {
        let requests = [
            Request::Connect { transaction_id },
            Request::Announce { connection_id, transaction_id, announce, ip },
            Request::Scrape {
                connection_id,
                transaction_id,
                info_hashes: hashes.into_iter().map(InfoHash).collect(),
            },
        ];
        for request in requests {
            let mut packet = Vec::new();
            request.encode(&mut packet);
            prop_assert_eq!(Request::decode(&packet).unwrap(), request);
        }
    }

    #[test]
    fn udp_responses_round_trip(
        transaction_id in any::<u32>(),
        numbers in any::<(u64, u32, u32, u32)>(),
        peers in prop::collection::vec(addr(), 0..8),
        stats in prop::collection::vec(stats(), 0..8),
        message in any::<String>(),
        ipv6 in any::<bool>(),
    ) {
        let family = if ipv6 { PeerFamily::Ipv6 } else { PeerFamily::Ipv4 };
        let peers: Vec<SocketAddr> = peers.into_iter().filter(|addr| addr.is_ipv6() == ipv6).collect();
        let (connection_id, interval, leechers, seeders) = numbers;
        let responses = [
            Response::Connect { transaction_id, connection_id },
            Response::Announce { transaction_id, interval, leechers, seeders, peers },
            Response::Scrape { transaction_id, stats },
            Response::Error { transaction_id, message },
        ];
        for response in responses {
            let mut packet = Vec::new();
            response.encode(&mut packet, family);
            let decoded = Response::decode(&packet, family).unwrap();
            prop_assert_eq!(decoded.transaction_id(), transaction_id);
            prop_assert_eq!(decoded, response);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_any_tracker_decoder(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = http::parse_announce(&bytes);
        let _ = http::parse_scrape(&bytes);
        let _ = Request::decode(&bytes);
        let _ = Response::decode(&bytes, PeerFamily::Ipv6);
        let _ = http::parse_announce_query(&String::from_utf8_lossy(&bytes));
    }
}
