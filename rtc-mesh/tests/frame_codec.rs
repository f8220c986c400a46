//! Channel framing: round-trips, streaming decode across every split point,
//! and "need more" told apart from "malformed".

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rtc_mesh::FrameError;
use rtc_mesh::frame::{Channel, Decoded, Frame, MAX_FRAME_PAYLOAD, StreamId};

fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        Just(Channel::Control),
        Just(Channel::Onion),
        (1..=u32::MAX).prop_map(|id| Channel::Stream(StreamId::new(id).expect("non-zero"))),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    (channel(), proptest::collection::vec(any::<u8>(), 0..600))
        .prop_map(|(channel, payload)| Frame::new(channel, payload.into()).expect("short"))
}

/// Feeds `wire` to a stream decoder in pieces ending at `cuts`.
fn decode_in_pieces(wire: &[u8], cuts: &[usize]) -> Result<Vec<Frame>, FrameError> {
    let mut buffer = BytesMut::new();
    let mut frames = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&wire.len())) {
        buffer.extend_from_slice(&wire[start..end]);
        start = end;
        while let Decoded::Frame(frame) = Frame::decode(&mut buffer)? {
            frames.push(frame);
        }
    }
    assert!(buffer.is_empty(), "{} bytes left over", buffer.len());
    Ok(frames)
}

proptest! {
    #[test]
    fn frames_round_trip_as_link_messages(frame in frame()) {
        let wire = frame.to_bytes();
        prop_assert_eq!(wire.len(), frame.encoded_len());
        prop_assert_eq!(Frame::decode_message(wire).expect("own output"), frame);
    }

    #[test]
    fn a_frame_stream_decodes_the_same_however_it_is_split(
        frames in proptest::collection::vec(frame(), 1..6),
        mut cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut wire = BytesMut::new();
        for frame in &frames {
            frame.encode(&mut wire);
        }
        let mut cuts: Vec<usize> = cuts.drain(..).map(|i| i.index(wire.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(decode_in_pieces(&wire, &cuts).expect("valid stream"), frames);
    }
}

#[test]
fn every_prefix_of_a_frame_needs_exactly_the_missing_bytes_or_more() {
    let frame = Frame::new(
        Channel::Stream(StreamId::new(0x0102_0304).expect("non-zero")),
        Bytes::from_static(b"payload"),
    )
    .expect("short");
    let wire = frame.to_bytes();
    for cut in 0..wire.len() {
        let mut prefix = BytesMut::from(&wire[..cut]);
        match Frame::decode(&mut prefix) {
            Ok(Decoded::NeedMore { at_least }) => {
                assert!(
                    at_least >= 1 && at_least <= wire.len() - cut,
                    "cut {cut}: {at_least}"
                );
            }
            other => panic!("cut {cut}: {other:?}"),
        }
        assert_eq!(prefix.len(), cut, "a partial frame is left in place");
        assert!(matches!(
            Frame::decode_message(wire.slice(..cut)),
            Err(FrameError::Truncated { .. })
        ));
    }
}

#[test]
fn an_oversized_length_is_malformed_before_its_payload_arrives() {
    let mut header = BytesMut::from(&[1u8][..]);
    header.extend_from_slice(&(MAX_FRAME_PAYLOAD as u32 + 1).to_be_bytes());
    assert!(matches!(
        Frame::decode(&mut header),
        Err(FrameError::PayloadTooLong { .. })
    ));
    assert!(Frame::new(Channel::Control, vec![0; MAX_FRAME_PAYLOAD + 1].into()).is_err());
    assert!(Frame::new(Channel::Control, vec![0; MAX_FRAME_PAYLOAD].into()).is_ok());
}

#[test]
fn a_link_message_with_bytes_after_its_frame_is_malformed() {
    let mut wire = BytesMut::new();
    Frame::new(Channel::Control, Bytes::new())
        .expect("empty")
        .encode(&mut wire);
    wire.extend_from_slice(&[0]);
    assert_eq!(
        Frame::decode_message(wire.freeze()),
        Err(FrameError::TrailingBytes { len: 1 })
    );
}
