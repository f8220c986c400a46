//! The order of a peer's first messages, as real clients send them.
//! Regression for libtorrent, which sends its extended handshake before
//! its have-all or bitfield: the engine took that for a late announce and
//! dropped every libtorrent peer.

use std::time::Instant;

use bytes::BytesMut;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use torrent_wire::codec::Codec;
use torrent_wire::message::{ExtendedHandshake, Handshake, Message};
use torrent_wire::metainfo::TorrentBuilder;
use torrent_wire::session::{Output, PieceSet, Swarm, SwarmConfig};
use torrent_wire::storage::MemoryStorage;
use torrent_wire::{Error, PeerId, SessionError};

/// What a leecher sends back to a peer whose handshake is followed by
/// `first_messages`: the messages after its own handshake, or the reason
/// it dropped the peer.
fn leecher_reply(first_messages: &[Message]) -> Result<Vec<Message>, Error> {
    let torrent = TorrentBuilder::new(16 * 1024)
        .unwrap()
        .single_file("a", &[5; 40_000])
        .unwrap();
    let info = torrent.info().clone();
    let storage = MemoryStorage::new(&info).unwrap();
    let empty = PieceSet::empty(info.piece_count());
    let config = SwarmConfig::new(PeerId([1; 20]));
    let mut swarm = Swarm::new(config, info.clone(), storage, empty).unwrap();
    let (now, mut rng) = (Instant::now(), ChaCha8Rng::seed_from_u64(7));
    let key = swarm.add_peer(now);

    let mut peer_bytes = BytesMut::new();
    Handshake::new(info.info_hash(), PeerId([2; 20])).encode(&mut peer_bytes);
    for message in first_messages {
        message.encode(&mut peer_bytes);
    }
    swarm.handle_input(key, &peer_bytes, now, &mut rng);

    let mut sent = BytesMut::new();
    while let Some(output) = swarm.poll_output() {
        match output {
            Output::Transmit { data, .. } => sent.extend_from_slice(&data),
            Output::Disconnect { reason, .. } => return Err(reason),
            _ => {}
        }
    }
    Handshake::decode(&mut sent)
        .unwrap()
        .expect("our handshake");
    let mut replies = Vec::new();
    while let Some(message) = Codec::default().decode(&mut sent).unwrap() {
        replies.push(message);
    }
    Ok(replies)
}

#[test]
fn have_all_after_an_extended_handshake_is_taken_as_the_announce() {
    let extended = ExtendedHandshake::default().to_message();
    let replies =
        leecher_reply(&[extended, Message::KeepAlive, Message::HaveAll]).expect("peer kept");
    assert!(replies.contains(&Message::Interested), "{replies:?}");
}

#[test]
fn an_announce_after_a_have_is_still_refused() {
    let error = leecher_reply(&[Message::Have(0), Message::HaveAll]).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Session(SessionError::OutOfPlace {
                message: "have all"
            })
        ),
        "{error}"
    );
}
