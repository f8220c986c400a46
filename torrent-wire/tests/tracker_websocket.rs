//! The WebSocket tracker JSON of WebTorrent's bittorrent-tracker: messages
//! as it writes them, latin-1 ids, round trips and the hostile corpus.

mod support;

use std::fs;
use std::path::PathBuf;

use proptest::prelude::*;
use support::event;
use torrent_wire::tracker::websocket::{ClientMessage, Offer, TrackerMessage};
use torrent_wire::tracker::{AnnounceEvent, ScrapeStats};
use torrent_wire::{InfoHash, PeerId, TrackerError};

/// An info-hash with bytes above 0x7f, which latin-1 strings must carry
/// as single characters.
const HASH: [u8; 20] = *b"\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab0123456789";
const HASH_JSON: &str = r"\u00ab\u00ab\u00ab\u00ab\u00ab\u00ab\u00ab\u00ab\u00ab\u00ab0123456789";
const PEER: [u8; 20] = *b"-WW0208-\xff\x00\xff\x00\xff\x00\xff\x00\xff\x00\xff\x00";
const PEER_JSON: &str =
    r"-WW0208-\u00ff\u0000\u00ff\u0000\u00ff\u0000\u00ff\u0000\u00ff\u0000\u00ff\u0000";

#[test]
fn an_announce_as_webtorrent_sends_it_is_read() {
    let text = format!(
        r#"{{"numwant":5,"uploaded":0,"downloaded":16384,"left":null,"event":"started",
        "action":"announce","info_hash":"{HASH_JSON}","peer_id":"{PEER_JSON}",
        "offers":[{{"offer":{{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}},
        "offer_id":"{HASH_JSON}"}}]}}"#
    );
    let message = ClientMessage::parse(&text).unwrap();
    assert_eq!(
        message,
        ClientMessage::Announce {
            info_hash: InfoHash(HASH),
            peer_id: PeerId(PEER),
            uploaded: 0,
            downloaded: 16384,
            left: None,
            event: AnnounceEvent::Started,
            num_want: Some(5),
            offers: vec![Offer {
                offer_id: HASH,
                sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n".into(),
            }],
        }
    );
    assert_eq!(ClientMessage::parse(&message.to_json()).unwrap(), message);
}

#[test]
fn tracker_messages_as_bittorrent_tracker_sends_them_are_read() {
    let response = format!(
        r#"{{"action":"announce","interval":120,"info_hash":"{HASH_JSON}","complete":2,"incomplete":7}}"#
    );
    assert_eq!(
        TrackerMessage::parse(&response).unwrap(),
        TrackerMessage::AnnounceResponse {
            info_hash: InfoHash(HASH),
            interval: 120,
            seeders: Some(2),
            leechers: Some(7),
            warning: None,
        }
    );
    let answer = format!(
        r#"{{"action":"announce","answer":{{"type":"answer","sdp":"v=0"}},"offer_id":"{HASH_JSON}",
        "peer_id":"{PEER_JSON}","info_hash":"{HASH_JSON}"}}"#
    );
    assert_eq!(
        TrackerMessage::parse(&answer).unwrap(),
        TrackerMessage::Answer {
            info_hash: InfoHash(HASH),
            from: PeerId(PEER),
            offer_id: HASH,
            sdp: "v=0".into(),
        }
    );
    let scrape = format!(
        r#"{{"action":"scrape","files":{{"{HASH_JSON}":{{"complete":1,"incomplete":2,"downloaded":3}}}}}}"#
    );
    assert_eq!(
        TrackerMessage::parse(&scrape).unwrap(),
        TrackerMessage::ScrapeResponse {
            files: vec![(
                InfoHash(HASH),
                ScrapeStats {
                    seeders: 1,
                    completed: 3,
                    leechers: 2
                }
            )],
        }
    );
    let failure = format!(r#"{{"failure reason":"invalid info_hash","info_hash":"{HASH_JSON}"}}"#);
    assert_eq!(
        TrackerMessage::parse(&failure).unwrap(),
        TrackerMessage::Failure {
            info_hash: Some(InfoHash(HASH)),
            reason: "invalid info_hash".into(),
        }
    );
}

#[test]
fn a_scrape_names_one_torrent_as_a_string_or_several_as_an_array() {
    let one = format!(r#"{{"action":"scrape","info_hash":"{HASH_JSON}"}}"#);
    let several = format!(r#"{{"action":"scrape","info_hash":["{HASH_JSON}","{PEER_JSON}"]}}"#);
    assert_eq!(
        ClientMessage::parse(&one).unwrap(),
        ClientMessage::Scrape {
            info_hashes: vec![InfoHash(HASH)]
        }
    );
    assert_eq!(
        ClientMessage::parse(&several).unwrap(),
        ClientMessage::Scrape {
            info_hashes: vec![InfoHash(HASH), InfoHash(PEER)]
        }
    );
}

#[test]
fn every_hostile_message_is_refused() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/tracker/websocket");
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let error = if name.starts_with("client_") {
            ClientMessage::parse(&text).err()
        } else {
            TrackerMessage::parse(&text).err()
        };
        match error {
            Some(TrackerError::Json { .. })
            | Some(TrackerError::UnknownAction { .. })
            | Some(TrackerError::TooManyInfoHashes { .. }) => {}
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
        count += 1;
    }
    assert_eq!(count, 21);
}

fn id() -> impl Strategy<Value = [u8; 20]> {
    any::<[u8; 20]>()
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    let announce = (
        id(),
        id(),
        any::<(u64, u64)>(),
        proptest::option::of(any::<u64>()),
        event(),
        proptest::option::of(any::<u32>()),
        prop::collection::vec((id(), any::<String>()), 0..4),
    )
        .prop_map(
            |(hash, peer, (uploaded, downloaded), left, event, num_want, offers)| {
                ClientMessage::Announce {
                    info_hash: InfoHash(hash),
                    peer_id: PeerId(peer),
                    uploaded,
                    downloaded,
                    left,
                    event,
                    num_want,
                    offers: offers
                        .into_iter()
                        .map(|(offer_id, sdp)| Offer { offer_id, sdp })
                        .collect(),
                }
            },
        );
    let answer = (id(), id(), id(), id(), any::<String>()).prop_map(|(h, p, t, o, sdp)| {
        ClientMessage::Answer {
            info_hash: InfoHash(h),
            peer_id: PeerId(p),
            to_peer_id: PeerId(t),
            offer_id: o,
            sdp,
        }
    });
    let scrape = prop::collection::vec(id(), 0..5).prop_map(|hashes| ClientMessage::Scrape {
        info_hashes: hashes.into_iter().map(InfoHash).collect(),
    });
    prop_oneof![announce, answer, scrape]
}

fn tracker_message() -> impl Strategy<Value = TrackerMessage> {
    let count = || proptest::option::of(any::<u32>());
    let response = (
        id(),
        any::<u32>(),
        count(),
        count(),
        proptest::option::of(any::<String>()),
    )
        .prop_map(|(hash, interval, seeders, leechers, warning)| {
            TrackerMessage::AnnounceResponse {
                info_hash: InfoHash(hash),
                interval,
                seeders,
                leechers,
                warning,
            }
        });
    let offer =
        (id(), id(), id(), any::<String>()).prop_map(|(h, f, o, sdp)| TrackerMessage::Offer {
            info_hash: InfoHash(h),
            from: PeerId(f),
            offer_id: o,
            sdp,
        });
    let answer =
        (id(), id(), id(), any::<String>()).prop_map(|(h, f, o, sdp)| TrackerMessage::Answer {
            info_hash: InfoHash(h),
            from: PeerId(f),
            offer_id: o,
            sdp,
        });
    let scrape =
        prop::collection::btree_map(id(), any::<(u32, u32, u32)>(), 0..4).prop_map(|files| {
            TrackerMessage::ScrapeResponse {
                files: files
                    .into_iter()
                    .map(|(hash, (seeders, completed, leechers))| {
                        let stats = ScrapeStats {
                            seeders,
                            completed,
                            leechers,
                        };
                        (InfoHash(hash), stats)
                    })
                    .collect(),
            }
        });
    let failure = (proptest::option::of(id()), any::<String>()).prop_map(|(hash, reason)| {
        TrackerMessage::Failure {
            info_hash: hash.map(InfoHash),
            reason,
        }
    });
    prop_oneof![response, offer, answer, scrape, failure]
}

proptest! {
    #[test]
    fn client_messages_round_trip(message in client_message()) {
        prop_assert_eq!(ClientMessage::parse(&message.to_json()).unwrap(), message);
    }

    #[test]
    fn tracker_messages_round_trip(message in tracker_message()) {
        prop_assert_eq!(TrackerMessage::parse(&message.to_json()).unwrap(), message);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = ClientMessage::parse(&text);
        let _ = TrackerMessage::parse(&text);
    }
}
