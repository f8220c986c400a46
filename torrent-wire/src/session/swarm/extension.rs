//! The extension protocol (BEP 10): our extended handshake, metadata
//! exchange (BEP 9) both ways, and peers learnt over ut_pex (BEP 11).

use std::time::Instant;

use bytes::Bytes;

use super::Swarm;
use crate::error::{Error, ExtensionError, SessionError};
use crate::message::{
    EXTENDED_HANDSHAKE_ID, ExtendedHandshake, MetadataMessage, PexMessage, UT_METADATA, UT_PEX,
};
use crate::session::metadata::Assembled;
use crate::session::{Event, PeerKey};
use crate::storage::Storage;

/// The ids we ask peers to send our extensions under.
const OUR_UT_METADATA: u8 = 1;
const OUR_UT_PEX: u8 = 2;

impl<S: Storage> Swarm<S> {
    pub(super) fn extended_handshake(&self) -> ExtendedHandshake {
        let mut handshake = ExtendedHandshake {
            client: Some(self.config.client.clone()),
            request_queue: u32::try_from(self.config.pipeline_depth).ok(),
            // The info dictionary was parsed within the metadata cap.
            metadata_size: self
                .info
                .as_ref()
                .and_then(|info| u32::try_from(info.as_bytes().len()).ok()),
            ..ExtendedHandshake::default()
        };
        handshake
            .extensions
            .insert(UT_METADATA.to_owned(), OUR_UT_METADATA);
        handshake.extensions.insert(UT_PEX.to_owned(), OUR_UT_PEX);
        handshake
    }

    pub(super) fn on_extended(
        &mut self,
        key: PeerKey,
        id: u8,
        payload: Bytes,
        now: Instant,
    ) -> Result<(), Error> {
        let Some(peer) = self.peers.get_mut(&key) else {
            return Ok(());
        };
        if !peer.extended {
            return Err(SessionError::OutOfPlace {
                message: "extended",
            }
            .into());
        }
        match id {
            EXTENDED_HANDSHAKE_ID => {
                let handshake = ExtendedHandshake::decode(&payload)?;
                peer.extended_handshake(&handshake);
                if self.info.is_none()
                    && let Some(size) = handshake.metadata_size
                    && self.fetch.offer_size(size)
                {
                    self.fill_metadata(key, now);
                }
            }
            OUR_UT_METADATA => match MetadataMessage::decode(&payload) {
                Ok(message) => self.on_metadata(key, message, now),
                // BEP 9: ignore message types you do not know.
                Err(ExtensionError::UnknownMetadataType { .. }) => {}
                Err(error) => return Err(error.into()),
            },
            OUR_UT_PEX => {
                let pex = PexMessage::decode(&payload)?;
                if !pex.added.is_empty() {
                    let addrs = pex.added.iter().map(|peer| peer.addr).collect();
                    self.outputs.push_back(Event::PeersDiscovered(addrs).into());
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Asks `key` for the metadata pieces nobody has been asked for.
    pub(super) fn fill_metadata(&mut self, key: PeerKey, now: Instant) {
        if self.info.is_some() {
            return;
        }
        let Some(peer) = self.peers.get(&key) else {
            return;
        };
        let (Some(their_id), false) = (peer.ut_metadata, peer.metadata_refused) else {
            return;
        };
        for piece in self.fetch.pick(key, now) {
            let request = MetadataMessage::Request { piece };
            self.send(key, &request.to_message(their_id), now);
        }
    }

    fn on_metadata(&mut self, key: PeerKey, message: MetadataMessage, now: Instant) {
        match message {
            MetadataMessage::Request { piece } => self.serve_metadata(key, piece, now),
            MetadataMessage::Reject { .. } => {
                if let Some(peer) = self.peers.get_mut(&key) {
                    peer.metadata_refused = true;
                }
                self.fetch.release(key, None);
                for other in self.connected() {
                    self.fill_metadata(other, now);
                }
            }
            MetadataMessage::Data {
                piece,
                total_size,
                data,
            } => {
                if self.info.is_some() {
                    return;
                }
                match self
                    .fetch
                    .receive(key, piece, total_size, data, self.info_hash)
                {
                    None => {}
                    Some(Assembled::Ready(info)) => self.metadata_ready(info),
                    Some(Assembled::Bad { senders, error }) => {
                        let sole = senders.len() == 1;
                        if sole {
                            self.ban_all(senders);
                        } else {
                            for sender in senders {
                                self.disconnect(
                                    sender,
                                    SessionError::Metadata(error.clone()).into(),
                                );
                            }
                        }
                        for other in self.connected() {
                            self.fill_metadata(other, now);
                        }
                    }
                }
            }
        }
    }

    fn serve_metadata(&mut self, key: PeerKey, piece: u32, now: Instant) {
        let Some(their_id) = self.peers.get(&key).and_then(|peer| peer.ut_metadata) else {
            return;
        };
        let reply = match &self.info {
            Some(info) => {
                let raw = info.as_bytes();
                let start = piece as usize * crate::message::METADATA_PIECE_LEN as usize;
                let end = (start + crate::message::METADATA_PIECE_LEN as usize).min(raw.len());
                match (u32::try_from(raw.len()), start < raw.len()) {
                    (Ok(total_size), true) => MetadataMessage::Data {
                        piece,
                        total_size,
                        data: raw.slice(start..end),
                    },
                    _ => MetadataMessage::Reject { piece },
                }
            }
            None => MetadataMessage::Reject { piece },
        };
        self.send(key, &reply.to_message(their_id), now);
    }

    /// The fetched metadata checked out: resolve what peers announced.
    fn metadata_ready(&mut self, info: crate::metainfo::Info) {
        let count = info.piece_count();
        self.outputs
            .push_back(Event::MetadataReady(Box::new(info.clone())).into());
        self.info = Some(info);
        for key in self.connected() {
            let resolved = self
                .peers
                .get_mut(&key)
                .map(|peer| peer.pieces.resolve(count));
            if let Some(Err(error)) = resolved {
                self.disconnect(key, error.into());
            }
        }
    }
}
