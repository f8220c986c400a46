//! Channel framing: no panic on any input; a stream decode and a per-message
//! decode agree, and every decoded frame re-encodes to the bytes it came from.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use rtc_mesh::frame::{Decoded, Frame};

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = Frame::decode_message(Bytes::copy_from_slice(data)) {
        assert_eq!(frame.to_bytes()[..], data[..]);
    }
    let mut buffer = BytesMut::from(data);
    let mut consumed = 0;
    // Each pass removes at least one header byte, so this ends.
    while let Ok(Decoded::Frame(frame)) = Frame::decode(&mut buffer) {
        let wire = frame.to_bytes();
        assert_eq!(wire[..], data[consumed..consumed + wire.len()]);
        consumed += wire.len();
    }
    assert_eq!(consumed + buffer.len(), data.len());
});
