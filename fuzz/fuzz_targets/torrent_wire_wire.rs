//! The peer-wire codec: never panics on any stream; every handshake and
//! message decoded re-encodes to the exact bytes it was read from.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use torrent_wire::codec::Codec;
use torrent_wire::message::Handshake;

fuzz_target!(|data: &[u8]| {
    let codec = Codec::new(u32::from(data.first().copied().unwrap_or(0)) << 10);
    let mut buf = BytesMut::from(data);
    let mut start = buf.clone();
    if let Ok(Some(handshake)) = Handshake::decode(&mut buf) {
        let mut again = Vec::new();
        handshake.encode(&mut again);
        assert_eq!(again, start[..again.len()]);
    } else {
        buf = BytesMut::from(data);
    }
    start = buf.clone();
    let mut offset = 0;
    while let Ok(Some(message)) = codec.decode(&mut buf) {
        let mut again = Vec::new();
        message.encode(&mut again);
        assert_eq!(again.len(), message.encoded_len());
        assert_eq!(again, start[offset..offset + again.len()]);
        offset += again.len();
    }
});
