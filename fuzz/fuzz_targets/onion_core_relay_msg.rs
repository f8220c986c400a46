//! Relay-message decoding: no panic on any message area, and whatever
//! decodes re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onion_core::RelayMessage;
use onion_core::relay_msg::{RELAY_MSG_LEN, RelayMsgArea};

fuzz_target!(|data: &[u8]| {
    let mut area: RelayMsgArea = [0; RELAY_MSG_LEN];
    let len = data.len().min(RELAY_MSG_LEN);
    area[..len].copy_from_slice(&data[..len]);
    if let Ok(message) = RelayMessage::decode(&area) {
        assert_eq!(message.encode().expect("decoded messages fit"), area);
    }
});
