//! Metainfo parsing: never panics, and whatever it accepts re-encodes into
//! a torrent that parses back equal, with the same info-hash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use torrent_wire::metainfo::{Info, Metainfo};

fuzz_target!(|data: &[u8]| {
    if let Ok(torrent) = Metainfo::from_bytes(data) {
        let again = Metainfo::from_bytes(&torrent.to_bytes()).expect("re-encoded torrent parses");
        assert_eq!(again, torrent);
    }
    if let Ok(info) = Info::from_bytes(data) {
        assert_eq!(info.as_bytes().as_ref(), data, "an info dictionary is kept byte for byte");
    }
});
