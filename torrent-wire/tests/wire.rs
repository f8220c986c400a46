//! The peer-wire codec: every message round-trips, streams decode the same
//! however they are split, and hostile frames get their specific error.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use torrent_wire::codec::Codec;
use torrent_wire::message::{ExtendedHandshake, MetadataMessage, PexMessage};
use torrent_wire::message::{Handshake, Message, Reserved};
use torrent_wire::session::{Block, PieceSet};
use torrent_wire::{BencodeError, WireError};
use torrent_wire::{ExtensionError, FieldError, FieldProblem, InfoHash, PeerId, SessionError};

fn block() -> impl Strategy<Value = Block> {
    (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(piece, offset, len)| Block {
        piece,
        offset,
        len,
    })
}

fn payload(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// Any message, unknown ids included.
fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        Just(Message::KeepAlive),
        Just(Message::Choke),
        Just(Message::Unchoke),
        Just(Message::Interested),
        Just(Message::NotInterested),
        any::<u32>().prop_map(Message::Have),
        payload(64).prop_map(Message::Bitfield),
        block().prop_map(Message::Request),
        (any::<u32>(), any::<u32>(), payload(300)).prop_map(|(piece, offset, data)| {
            Message::Piece {
                piece,
                offset,
                data,
            }
        }),
        block().prop_map(Message::Cancel),
        any::<u16>().prop_map(Message::Port),
        any::<u32>().prop_map(Message::Suggest),
        Just(Message::HaveAll),
        Just(Message::HaveNone),
        block().prop_map(Message::Reject),
        any::<u32>().prop_map(Message::AllowedFast),
        (any::<u8>(), payload(64)).prop_map(|(id, payload)| Message::Extended { id, payload }),
        (21u8.., payload(64)).prop_map(|(id, payload)| Message::Unknown { id, payload }),
        (10u8..13, payload(64)).prop_map(|(id, payload)| Message::Unknown { id, payload }),
    ]
}

fn handshake() -> impl Strategy<Value = Handshake> {
    (any::<[u8; 8]>(), any::<[u8; 20]>(), any::<[u8; 20]>()).prop_map(
        |(reserved, info_hash, peer_id)| Handshake {
            reserved: Reserved(reserved),
            info_hash: InfoHash(info_hash),
            peer_id: PeerId(peer_id),
        },
    )
}

/// Decodes every whole message in `buf`.
fn drain(codec: &Codec, buf: &mut BytesMut, into: &mut Vec<Message>) {
    while let Some(message) = codec.decode(buf).expect("a valid stream") {
        into.push(message);
    }
}

/// Decodes `stream` fed in two parts split at `at`.
fn decode_split(stream: &[u8], at: usize) -> (Handshake, Vec<Message>) {
    let codec = Codec::default();
    let mut buf = BytesMut::from(&stream[..at]);
    let mut handshake = Handshake::decode(&mut buf).expect("a valid handshake");
    let mut messages = Vec::new();
    if handshake.is_some() {
        drain(&codec, &mut buf, &mut messages);
    }
    buf.extend_from_slice(&stream[at..]);
    if handshake.is_none() {
        handshake = Handshake::decode(&mut buf).expect("a valid handshake");
    }
    drain(&codec, &mut buf, &mut messages);
    assert!(buf.is_empty(), "split at {at} left {} bytes", buf.len());
    (handshake.expect("the whole handshake"), messages)
}

proptest! {
    #[test]
    fn every_message_round_trips(message in message()) {
        let mut wire = BytesMut::new();
        message.encode(&mut wire);
        prop_assert_eq!(wire.len(), message.encoded_len());
        let decoded = Codec::default().decode(&mut wire).unwrap();
        prop_assert_eq!(decoded, Some(message));
        prop_assert!(wire.is_empty());
    }

    #[test]
    fn handshakes_round_trip(handshake in handshake()) {
        let mut wire = BytesMut::new();
        handshake.encode(&mut wire);
        prop_assert_eq!(wire.len(), torrent_wire::message::HANDSHAKE_LEN);
        prop_assert_eq!(Handshake::decode(&mut wire).unwrap(), Some(handshake));
        prop_assert!(wire.is_empty());
    }

    #[test]
    fn random_streams_decode_equal_at_any_split(
        handshake in handshake(),
        messages in proptest::collection::vec(message(), 0..12),
        split in any::<proptest::sample::Index>(),
    ) {
        let mut stream = BytesMut::new();
        handshake.encode(&mut stream);
        messages.iter().for_each(|message| message.encode(&mut stream));
        let at = split.index(stream.len() + 1);
        prop_assert_eq!(decode_split(&stream, at), (handshake, messages));
    }
}

/// One of each message after a handshake.
fn fixture() -> (Handshake, Vec<Message>, Vec<u8>) {
    let handshake = Handshake::new(InfoHash([7; 20]), PeerId(*b"-OS0001-abcdefghijkl"));
    let request = Block {
        piece: 3,
        offset: 16384,
        len: 16384,
    };
    let messages = vec![
        Message::Bitfield(Bytes::from_static(&[0xff, 0x80])),
        Message::Unchoke,
        Message::Interested,
        Message::Request(request),
        Message::Piece {
            piece: 3,
            offset: 16384,
            data: Bytes::from((0..100u8).collect::<Vec<_>>()),
        },
        Message::KeepAlive,
        Message::Have(9),
        Message::Cancel(request),
        Message::Reject(request),
        Message::Port(6881),
        Message::Suggest(2),
        Message::AllowedFast(4),
        Message::HaveAll,
        Message::HaveNone,
        Message::NotInterested,
        Message::Choke,
        Message::Extended {
            id: 0,
            payload: Bytes::from_static(b"d1:md11:ut_metadatai1eee"),
        },
        Message::Unknown {
            id: 0xfe,
            payload: Bytes::from_static(b"kept"),
        },
    ];
    let mut stream = BytesMut::new();
    handshake.encode(&mut stream);
    messages
        .iter()
        .for_each(|message| message.encode(&mut stream));
    (handshake, messages, stream.to_vec())
}

#[test]
fn a_stream_split_at_every_byte_offset_decodes_equal_to_the_whole() {
    let (handshake, messages, stream) = fixture();
    for at in 0..=stream.len() {
        assert_eq!(
            decode_split(&stream, at),
            (handshake, messages.clone()),
            "split at {at}"
        );
    }
}

#[test]
fn a_stream_fed_one_byte_at_a_time_decodes_equal_to_the_whole() {
    let (handshake, messages, stream) = fixture();
    let codec = Codec::default();
    let mut buf = BytesMut::new();
    let mut got_handshake = None;
    let mut got = Vec::new();
    for &byte in &stream {
        buf.extend_from_slice(&[byte]);
        if got_handshake.is_none() {
            got_handshake = Handshake::decode(&mut buf).unwrap();
        } else {
            drain(&codec, &mut buf, &mut got);
        }
    }
    assert_eq!((got_handshake, got), (Some(handshake), messages));
}

#[test]
fn piece_payloads_share_the_input_buffer() {
    let mut wire = BytesMut::new();
    Message::Piece {
        piece: 1,
        offset: 0,
        data: Bytes::from(vec![0xab; 16384]),
    }
    .encode(&mut wire);
    let start = wire.as_ptr() as usize;
    let Some(Message::Piece { data, .. }) = Codec::default().decode(&mut wire).unwrap() else {
        panic!("a piece");
    };
    // The block starts after the prefix, id, index and offset: 13 bytes in.
    assert_eq!(data.as_ptr() as usize, start + 13);
}

#[test]
fn an_announced_length_reserves_room_only_once_it_is_within_the_limit() {
    let codec = Codec::new(Codec::MIN_MAX_LEN);
    let mut within = BytesMut::from(&(Codec::MIN_MAX_LEN).to_be_bytes()[..]);
    assert_eq!(codec.decode(&mut within).unwrap(), None);
    assert!(within.capacity() >= 4 + Codec::MIN_MAX_LEN as usize);

    let mut over = BytesMut::from(&(Codec::MIN_MAX_LEN + 1).to_be_bytes()[..]);
    let capacity = over.capacity();
    assert_eq!(
        codec.decode(&mut over).unwrap_err(),
        WireError::TooLong {
            len: Codec::MIN_MAX_LEN + 1,
            max: Codec::MIN_MAX_LEN
        }
    );
    assert_eq!(over.capacity(), capacity);
}

#[test]
fn a_maximum_below_one_block_is_raised_to_one_block() {
    assert_eq!(Codec::new(100).max_len(), Codec::MIN_MAX_LEN);
}

#[test]
fn reserved_bits_announce_the_extension_protocol_and_fast_extension() {
    let ours = Reserved::ours();
    assert!(ours.extended() && ours.fast());
    assert_eq!(ours.0, [0, 0, 0, 0, 0, 0x10, 0, 0x04]);
    assert!(!Reserved::default().extended() && !Reserved::default().fast());
}

/// What decoding a corpus file led to.
#[derive(Debug, PartialEq)]
enum Outcome {
    Incomplete,
    Wire(WireError),
    Session(SessionError),
    Extension(ExtensionError),
}

/// Runs a corpus file through the decoder its name prefix names.
fn outcome(name: &str, input: &[u8]) -> Outcome {
    let mut buf = BytesMut::from(input);
    let wire = |result: Result<Option<Message>, WireError>| match result {
        Ok(None) => Outcome::Incomplete,
        Ok(Some(message)) => panic!("{name} decoded as {message:?}"),
        Err(error) => Outcome::Wire(error),
    };
    let extension =
        |result: Result<(), ExtensionError>| Outcome::Extension(result.expect_err(name));
    match name.split('_').next() {
        Some("frame") => wire(Codec::default().decode(&mut buf)),
        Some("handshake") => match Handshake::decode(&mut buf) {
            Ok(None) => Outcome::Incomplete,
            Ok(Some(_)) => panic!("{name} decoded"),
            Err(error) => Outcome::Wire(error),
        },
        Some("bitfield") => match Codec::default().decode(&mut buf) {
            Ok(Some(Message::Bitfield(bits))) => {
                Outcome::Session(PieceSet::from_wire(&bits, 10).expect_err(name))
            }
            other => panic!("{name}: {other:?}"),
        },
        Some("extended") => extension(ExtendedHandshake::decode(input).map(drop)),
        Some("metadata") => {
            extension(MetadataMessage::decode(&Bytes::copy_from_slice(input)).map(drop))
        }
        Some("pex") => extension(PexMessage::decode(input).map(drop)),
        _ => panic!("{name} has no known prefix"),
    }
}

#[test]
fn every_hostile_input_gets_its_specific_error() {
    let length = |message, len| Outcome::Wire(WireError::PayloadLength { message, len });
    let field =
        |key, problem| Outcome::Extension(ExtensionError::Field(FieldError { key, problem }));
    let ext = Outcome::Extension;
    let bencode = |error| Outcome::Extension(ExtensionError::Bencode(error));
    let max = Codec::DEFAULT_MAX_LEN;
    let expected: Vec<(&str, Outcome)> = vec![
        (
            "frame_length_4gib",
            Outcome::Wire(WireError::TooLong { len: u32::MAX, max }),
        ),
        (
            "frame_length_over_max",
            Outcome::Wire(WireError::TooLong { len: max + 1, max }),
        ),
        ("frame_have_short", length("have", 3)),
        ("frame_request_long", length("request", 13)),
        ("frame_piece_short", length("piece", 4)),
        ("frame_choke_with_payload", length("choke", 1)),
        ("frame_port_long", length("port", 3)),
        ("frame_have_all_with_payload", length("have all", 1)),
        ("frame_extended_without_id", length("extended", 0)),
        ("frame_truncated_request", Outcome::Incomplete),
        (
            "handshake_wrong_protocol",
            Outcome::Wire(WireError::Protocol { pstr_len: 19 }),
        ),
        (
            "handshake_pstr_len_20",
            Outcome::Wire(WireError::Protocol { pstr_len: 20 }),
        ),
        (
            "handshake_http",
            Outcome::Wire(WireError::Protocol { pstr_len: b'G' }),
        ),
        ("handshake_truncated", Outcome::Incomplete),
        (
            "bitfield_spare_bits",
            Outcome::Session(SessionError::BitfieldSpareBits),
        ),
        (
            "bitfield_wrong_length",
            Outcome::Session(SessionError::BitfieldLength {
                expected: 2,
                len: 3,
            }),
        ),
        (
            "extended_non_canonical_int",
            bencode(BencodeError::NonCanonicalInteger { offset: 19 }),
        ),
        (
            "extended_unsorted_keys",
            bencode(BencodeError::UnsortedKey { offset: 7 }),
        ),
        (
            "extended_not_a_dictionary",
            ext(ExtensionError::NotADictionary),
        ),
        (
            "extended_id_too_large",
            field("m", FieldProblem::OutOfRange),
        ),
        (
            "extended_m_wrong_type",
            field(
                "m",
                FieldProblem::WrongType {
                    expected: "a dictionary",
                },
            ),
        ),
        (
            "extended_yourip_three_bytes",
            ext(ExtensionError::Address {
                key: "yourip",
                len: 3,
            }),
        ),
        (
            "extended_truncated",
            bencode(BencodeError::UnexpectedEnd { offset: 5 }),
        ),
        (
            "extended_nesting_deep",
            bencode(BencodeError::TooDeep {
                offset: 19,
                max: 16,
            }),
        ),
        (
            "metadata_total_size_4gib",
            ext(ExtensionError::MetadataSize {
                size: 1 << 32,
                max: torrent_wire::message::MAX_METADATA_SIZE,
            }),
        ),
        (
            "metadata_data_short",
            ext(ExtensionError::MetadataPiece { piece: 0, len: 100 }),
        ),
        (
            "metadata_piece_past_end",
            ext(ExtensionError::MetadataPiece { piece: 1, len: 100 }),
        ),
        (
            "metadata_unknown_type",
            ext(ExtensionError::UnknownMetadataType { msg_type: 3 }),
        ),
        (
            "metadata_missing_piece",
            field("piece", FieldProblem::Missing),
        ),
        (
            "metadata_negative_piece",
            field("piece", FieldProblem::OutOfRange),
        ),
        (
            "pex_partial_entry",
            ext(ExtensionError::PexLength {
                key: "added",
                len: 5,
            }),
        ),
        (
            "pex_flags_mismatch",
            ext(ExtensionError::PexLength {
                key: "added.f",
                len: 2,
            }),
        ),
        (
            "pex_dropped6_partial",
            ext(ExtensionError::PexLength {
                key: "dropped6",
                len: 17,
            }),
        ),
    ];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/wire");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut named: Vec<String> = expected.iter().map(|(name, _)| name.to_string()).collect();
    named.sort();
    assert_eq!(files, named, "every corpus file needs an expected outcome");
    for (name, want) in expected {
        let input = std::fs::read(format!("{dir}/{name}.bin")).unwrap();
        assert_eq!(outcome(name, &input), want, "{name}");
    }
}
