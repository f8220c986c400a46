//! Signalling-message parsing: no panic on any input, and whatever parses
//! re-encodes to JSON that parses back to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtc_mesh::signal::{ClientMessage, ServerMessage};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = ClientMessage::from_json(data) {
        let json = message.to_json().expect("a parsed message re-encodes");
        assert_eq!(ClientMessage::from_json(json.as_bytes()).ok(), Some(message));
    }
    if let Ok(message) = ServerMessage::from_json(data) {
        let json = message.to_json().expect("a parsed message re-encodes");
        assert_eq!(ServerMessage::from_json(json.as_bytes()).ok(), Some(message));
    }
});
