//! WebSocket tracker JSON: never panics; whatever parses serialises into
//! text that parses back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use torrent_wire::tracker::websocket::{ClientMessage, TrackerMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = ClientMessage::parse(text) {
        let again = ClientMessage::parse(&message.to_json()).expect("serialised message parses");
        assert_eq!(again, message);
    }
    if let Ok(message) = TrackerMessage::parse(text) {
        let again = TrackerMessage::parse(&message.to_json()).expect("serialised message parses");
        assert_eq!(again, message);
    }
});
