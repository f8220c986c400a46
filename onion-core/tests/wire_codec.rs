//! Round trips and canonical encodings for cells and relay messages.

use onion_core::relay_msg::{MAX_TARGET_HOST_LEN, RELAY_MSG_LEN, RelayMsgArea};
use onion_core::{
    CELL_BODY_LEN, CELL_LEN, Cell, CellCommand, CircId, CreateBody, CreatedBody, DestroyReason,
    EndReason, MAX_RELAY_DATA, OnionKey, RelayCommand, RelayId, RelayMessage, ServiceCommand,
    StreamId, Target,
};
use proptest::prelude::*;

fn any_cell() -> impl Strategy<Value = Cell> {
    (
        any::<u32>(),
        any::<u8>(),
        prop::array::uniform32(any::<u8>()),
    )
        .prop_map(|(circ, command, seed)| {
            let command = CellCommand(command);
            let circ_id = if command == CellCommand::PADDING {
                CircId::LINK
            } else {
                CircId(circ.max(1))
            };
            let mut cell = Cell::new(circ_id, command);
            for (i, byte) in cell.body.iter_mut().enumerate() {
                *byte = seed[i % 32].wrapping_add(i as u8);
            }
            cell
        })
}

/// An owned description of a relay message, so proptest can generate it.
#[derive(Clone, Debug)]
enum Msg {
    Begin(u16, String, u16),
    Connected(u16),
    Data(u16, Vec<u8>),
    End(u16, u8),
    Sendme(u16),
    Extend([u8; 32], [u8; 32], [u8; 48]),
    Extended([u8; 48]),
    Truncate,
    Truncated(u8),
    Drop,
    Service(u16, u8, Vec<u8>),
    Unknown(u8, u16, Vec<u8>),
}

impl Msg {
    fn borrow(&self) -> RelayMessage<'_> {
        let stream = |s: u16| StreamId::new(s).expect("strategy keeps streams non-zero");
        match self {
            Msg::Begin(s, host, port) => RelayMessage::Begin {
                stream: stream(*s),
                target: Target::new(host, *port).expect("strategy makes valid hosts"),
            },
            Msg::Connected(s) => RelayMessage::Connected { stream: stream(*s) },
            Msg::Data(s, data) => RelayMessage::Data {
                stream: stream(*s),
                data,
            },
            Msg::End(s, reason) => RelayMessage::End {
                stream: stream(*s),
                reason: EndReason(*reason),
            },
            Msg::Sendme(s) => RelayMessage::Sendme {
                stream: StreamId::new(*s),
            },
            Msg::Extend(target, key, handshake) => RelayMessage::Extend {
                target: RelayId::from_bytes(*target),
                create: CreateBody {
                    onion_key: OnionKey::from_bytes(*key),
                    handshake: *handshake,
                },
            },
            Msg::Extended(handshake) => RelayMessage::Extended {
                created: CreatedBody {
                    handshake: *handshake,
                },
            },
            Msg::Truncate => RelayMessage::Truncate,
            Msg::Truncated(reason) => RelayMessage::Truncated {
                reason: DestroyReason(*reason),
            },
            Msg::Drop => RelayMessage::Drop,
            Msg::Service(s, command, body) => RelayMessage::Service {
                request: stream(*s),
                command: ServiceCommand(*command),
                body,
            },
            Msg::Unknown(command, s, data) => RelayMessage::Unknown {
                command: RelayCommand(*command),
                stream: *s,
                data,
            },
        }
    }
}

fn any_msg() -> impl Strategy<Value = Msg> {
    let stream = 1..=u16::MAX;
    let data = prop::collection::vec(any::<u8>(), 1..=MAX_RELAY_DATA);
    let host = prop::collection::vec(0x21u8..=0x7e, 1..=MAX_TARGET_HOST_LEN)
        .prop_map(|b| String::from_utf8(b).expect("printable ASCII"));
    let key = prop::array::uniform32(any::<u8>());
    let handshake = prop::collection::vec(any::<u8>(), 48)
        .prop_map(|v| <[u8; 48]>::try_from(v).expect("48 bytes"));
    prop_oneof![
        (stream.clone(), host, any::<u16>()).prop_map(|(s, h, p)| Msg::Begin(s, h, p)),
        stream.clone().prop_map(Msg::Connected),
        (stream.clone(), data.clone()).prop_map(|(s, d)| Msg::Data(s, d)),
        (stream.clone(), any::<u8>()).prop_map(|(s, r)| Msg::End(s, r)),
        any::<u16>().prop_map(Msg::Sendme),
        (key, key, handshake.clone()).prop_map(|(t, k, h)| Msg::Extend(t, k, h)),
        handshake.prop_map(Msg::Extended),
        Just(Msg::Truncate),
        any::<u8>().prop_map(Msg::Truncated),
        Just(Msg::Drop),
        (
            stream,
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..MAX_RELAY_DATA)
        )
            .prop_map(|(s, c, b)| Msg::Service(s, c, b)),
        (
            12u8..,
            any::<u16>(),
            prop::collection::vec(any::<u8>(), 0..=MAX_RELAY_DATA)
        )
            .prop_map(|(c, s, d)| Msg::Unknown(c, s, d)),
    ]
}

proptest! {
    #[test]
    fn cells_round_trip(cell in any_cell()) {
        let bytes = cell.encode();
        prop_assert_eq!(bytes.len(), CELL_LEN);
        prop_assert_eq!(Cell::decode(&bytes), Ok(cell));
    }

    #[test]
    fn a_cell_that_decodes_has_one_encoding(bytes in prop::collection::vec(any::<u8>(), CELL_LEN)) {
        if let Ok(cell) = Cell::decode(&bytes) {
            prop_assert_eq!(cell.encode().to_vec(), bytes);
        }
    }

    #[test]
    fn relay_messages_round_trip(msg in any_msg()) {
        let message = msg.borrow();
        let area = message.encode().expect("strategy sizes fit a cell");
        prop_assert_eq!(RelayMessage::decode(&area), Ok(message));
    }

    #[test]
    fn a_relay_message_that_decodes_has_one_encoding(
        bytes in prop::collection::vec(any::<u8>(), RELAY_MSG_LEN),
        len in 0..=MAX_RELAY_DATA,
        command in 0u8..16,
    ) {
        // Random areas almost never decode; give the length and command
        // fields plausible values and zero the tail so many do.
        let mut area: RelayMsgArea = bytes.try_into().expect("RELAY_MSG_LEN bytes");
        area[0] = command;
        area[3..5].copy_from_slice(&(len as u16).to_be_bytes());
        area[5 + len..].fill(0);
        if let Ok(message) = RelayMessage::decode(&area) {
            prop_assert_eq!(message.encode().expect("decoded messages fit"), area);
        }
    }
}

#[test]
fn a_stream_of_cells_decodes_across_every_split() {
    let cells = [
        Cell::new(CircId(1), CellCommand::CREATE),
        Cell::new(CircId::LINK, CellCommand::PADDING),
        Cell::new(CircId(0x8000_0002), CellCommand::RELAY),
    ];
    let stream: Vec<u8> = cells.iter().flat_map(|c| c.encode()).collect();
    for split in 0..=stream.len() {
        let mut buffer = Vec::new();
        let mut decoded = Vec::new();
        for chunk in [&stream[..split], &stream[split..]] {
            buffer.extend_from_slice(chunk);
            while let Some((cell, used)) = Cell::decode_prefix(&buffer).expect("valid stream") {
                decoded.push(cell);
                buffer.drain(..used);
            }
        }
        assert_eq!(decoded, cells, "split at {split}");
        assert!(buffer.is_empty());
    }
}

#[test]
fn every_cell_is_the_same_size_whatever_its_command() {
    let body = CreateBody {
        onion_key: OnionKey::from_bytes([1; 32]),
        handshake: [2; 48],
    };
    let mut create = Cell::new(CircId(3), CellCommand::CREATE);
    create.body = body.encode();
    for cell in [
        create,
        Cell::new(CircId::LINK, CellCommand::PADDING),
        Cell::new(CircId(3), CellCommand::DESTROY),
        Cell::new(CircId(3), CellCommand::RELAY),
        Cell::new(CircId(3), CellCommand(200)),
    ] {
        assert_eq!(cell.encode().len(), CELL_LEN);
    }
    assert_eq!(CELL_LEN, 5 + CELL_BODY_LEN);
}

#[test]
fn oversized_payloads_are_refused_by_the_encoder() {
    let data = vec![0; MAX_RELAY_DATA + 1];
    let message = RelayMessage::Data {
        stream: StreamId::new(1).expect("non-zero"),
        data: &data,
    };
    assert!(message.encode().is_err());
}
