//! Strict bencode against `bip_bencode`: whatever the strict scan accepts,
//! bip_bencode decodes, and walking the tree re-encodes the input exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use torrent_wire::bencode::{self, Limits};
use torrent_wire::fuzzing;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let scan = fuzzing::bencode_scan(data, &limits);
    match bencode::decode(data, &limits) {
        Ok(document) => {
            assert!(scan.is_ok());
            assert_eq!(fuzzing::reencode(document.root()), data, "accepted input is not canonical");
        }
        Err(error) => assert_eq!(scan.unwrap_err(), error, "the tree builder refused scanned input"),
    }
});
