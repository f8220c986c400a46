//! HTTP tracker parsing: never panics; an accepted announce response
//! re-encodes (dictionary model, which keeps peer ids) into one that parses
//! back equal, and so does an accepted scrape or announce query.
#![no_main]

use libfuzzer_sys::fuzz_target;
use torrent_wire::tracker::http::{self, PeerModel};

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = http::parse_announce(data) {
        let body = http::encode_announce_response(&response, PeerModel::Dictionary);
        assert_eq!(http::parse_announce(&body).expect("re-encoded response parses"), response);
    }
    if let Ok(files) = http::parse_scrape(data) {
        let body = http::encode_scrape_response(&files);
        assert_eq!(http::parse_scrape(&body).expect("re-encoded scrape parses"), files);
    }
    if let Ok(query) = core::str::from_utf8(data) {
        if let Ok(announce) = http::parse_announce_query(query) {
            let url = http::announce_url("http://127.0.0.1/announce", &announce);
            let (_, again) = url.split_once('?').expect("the URL has a query");
            assert_eq!(http::parse_announce_query(again).expect("built query parses"), announce);
        }
    }
});
