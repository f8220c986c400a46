//! BEP 10 extension payloads: never panic; whatever decodes re-encodes
//! into a payload that decodes equal.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use torrent_wire::message::{ExtendedHandshake, MetadataMessage, PexMessage};

fuzz_target!(|data: &[u8]| {
    if let Ok(handshake) = ExtendedHandshake::decode(data) {
        let mut again = Vec::new();
        handshake.encode(&mut again);
        assert_eq!(ExtendedHandshake::decode(&again).expect("re-encoded"), handshake);
    }
    if let Ok(message) = MetadataMessage::decode(&Bytes::copy_from_slice(data)) {
        let mut again = BytesMut::new();
        message.encode(&mut again);
        assert_eq!(MetadataMessage::decode(&again.freeze()).expect("re-encoded"), message);
    }
    if let Ok(message) = PexMessage::decode(data) {
        let mut again = Vec::new();
        message.encode(&mut again);
        assert_eq!(PexMessage::decode(&again).expect("re-encoded"), message);
    }
});
