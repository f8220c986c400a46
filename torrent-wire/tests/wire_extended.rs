//! BEP 10 extension payloads: the extended handshake, ut_metadata and
//! ut_pex round-trip, and read what real clients send.

use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use torrent_wire::message::{
    ExtendedHandshake, MAX_METADATA_SIZE, METADATA_PIECE_LEN, MetadataMessage, PexFlags,
    PexMessage, PexPeer, UT_METADATA, UT_PEX,
};

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u8; 16]>().prop_map(IpAddr::from),
    ]
}

fn extended_handshake() -> impl Strategy<Value = ExtendedHandshake> {
    (
        proptest::collection::btree_map("[a-z_]{1,12}", any::<u8>(), 0..5),
        proptest::option::of("[ -~]{0,20}"),
        proptest::option::of(ip()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u16>()),
    )
        .prop_map(
            |(extensions, client, your_ip, request_queue, metadata_size, listen_port)| {
                ExtendedHandshake {
                    extensions,
                    client,
                    your_ip,
                    request_queue,
                    metadata_size,
                    listen_port,
                }
            },
        )
}

/// A valid ut_metadata message: data is exactly its piece of the metadata.
fn metadata_message() -> impl Strategy<Value = MetadataMessage> {
    let data = (
        1..=4 * METADATA_PIECE_LEN + 100,
        any::<proptest::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(total_size, piece, byte)| {
            let piece = piece.index(total_size.div_ceil(METADATA_PIECE_LEN) as usize) as u32;
            let len = (total_size - piece * METADATA_PIECE_LEN).min(METADATA_PIECE_LEN);
            MetadataMessage::Data {
                piece,
                total_size,
                data: Bytes::from(vec![byte; len as usize]),
            }
        });
    prop_oneof![
        any::<u32>().prop_map(|piece| MetadataMessage::Request { piece }),
        any::<u32>().prop_map(|piece| MetadataMessage::Reject { piece }),
        data,
    ]
}

fn v4() -> impl Strategy<Value = SocketAddr> {
    (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::from((ip, port)))
}

fn v6() -> impl Strategy<Value = SocketAddr> {
    (any::<[u8; 16]>(), any::<u16>())
        .prop_map(|(ip, port)| SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(ip), port, 0, 0)))
}

fn peers(addr: impl Strategy<Value = SocketAddr>) -> impl Strategy<Value = Vec<PexPeer>> {
    proptest::collection::vec(
        (addr, any::<u8>()).prop_map(|(addr, flags)| PexPeer {
            addr,
            flags: PexFlags(flags),
        }),
        0..8,
    )
}

/// A ut_pex message with IPv4 peers listed before IPv6 ones, as decoded.
fn pex_message() -> impl Strategy<Value = PexMessage> {
    (
        peers(v4()),
        peers(v6()),
        proptest::collection::vec(v4(), 0..8),
        proptest::collection::vec(v6(), 0..8),
    )
        .prop_map(|(mut added, added6, mut dropped, dropped6)| {
            added.extend(added6);
            dropped.extend(dropped6);
            PexMessage { added, dropped }
        })
}

proptest! {
    #[test]
    fn extended_handshakes_round_trip(handshake in extended_handshake()) {
        let mut payload = Vec::new();
        handshake.encode(&mut payload);
        prop_assert_eq!(ExtendedHandshake::decode(&payload).unwrap(), handshake);
    }

    #[test]
    fn metadata_messages_round_trip(message in metadata_message()) {
        let mut payload = BytesMut::new();
        message.encode(&mut payload);
        prop_assert_eq!(MetadataMessage::decode(&payload.freeze()).unwrap(), message);
    }

    #[test]
    fn pex_messages_round_trip(message in pex_message()) {
        let mut payload = Vec::new();
        message.encode(&mut payload);
        prop_assert_eq!(PexMessage::decode(&payload).unwrap(), message);
    }
}

#[test]
fn a_libtorrent_extended_handshake_reads_with_its_extension_ids() {
    // The keys and ids libtorrent 2.0.8 sends, written out by hand.
    let payload = b"d1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e12:ut_holepunchi4e11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei5351e4:reqqi500e1:v18:libtorrent/2.0.8.06:yourip4:\x7f\x00\x00\x01e";
    let handshake = ExtendedHandshake::decode(payload).unwrap();
    assert_eq!(handshake.id_of(UT_METADATA), Some(2));
    assert_eq!(handshake.id_of(UT_PEX), Some(1));
    assert_eq!(handshake.id_of("ut_comment"), None);
    assert_eq!(handshake.metadata_size, Some(5351));
    assert_eq!(handshake.request_queue, Some(500));
    assert_eq!(handshake.client.as_deref(), Some("libtorrent/2.0.8.0"));
    assert_eq!(handshake.your_ip, Some(IpAddr::from([127, 0, 0, 1])));
}

#[test]
fn an_extension_switched_off_with_id_zero_has_no_id() {
    let handshake = ExtendedHandshake::decode(b"d1:md6:ut_pexi0eee").unwrap();
    assert_eq!(handshake.extensions.get(UT_PEX), Some(&0));
    assert_eq!(handshake.id_of(UT_PEX), None);
}

#[test]
fn metadata_data_is_split_from_the_payload_without_copying() {
    let mut payload = BytesMut::new();
    MetadataMessage::Data {
        piece: 0,
        total_size: 10,
        data: Bytes::from_static(b"0123456789"),
    }
    .encode(&mut payload);
    let payload = payload.freeze();
    let MetadataMessage::Data { data, .. } = MetadataMessage::decode(&payload).unwrap() else {
        panic!("a data message");
    };
    assert_eq!(data.as_ptr(), payload[payload.len() - 10..].as_ptr());
}

#[test]
fn metadata_at_the_cap_is_accepted_and_one_byte_more_refused() {
    let last = MAX_METADATA_SIZE / METADATA_PIECE_LEN - 1;
    let message = |total_size: u32| {
        format!("d8:msg_typei1e5:piecei{last}e10:total_sizei{total_size}ee").into_bytes()
    };
    let mut at_cap = message(MAX_METADATA_SIZE);
    at_cap.extend(vec![0; METADATA_PIECE_LEN as usize]);
    assert!(MetadataMessage::decode(&Bytes::from(at_cap)).is_ok());
    let mut over = message(MAX_METADATA_SIZE + 1);
    over.extend(vec![0; METADATA_PIECE_LEN as usize]);
    assert!(MetadataMessage::decode(&Bytes::from(over)).is_err());
}

#[test]
fn pex_without_flags_reads_peers_with_no_flags() {
    let message = PexMessage::decode(b"d5:added6:\x7f\x00\x00\x01\x1a\xe1e").unwrap();
    assert_eq!(
        message.added,
        [PexPeer {
            addr: "127.0.0.1:6881".parse().unwrap(),
            flags: PexFlags::default(),
        }]
    );
}
