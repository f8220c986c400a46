//! The signalling messages and their strict JSON form.
//!
//! Every message is one JSON object whose `"type"` names the variant. Parsing
//! checks the size before reading anything, rejects unknown fields and
//! variants, and validates every field's format (peer ids are 64 lowercase
//! hex digits, strings and lists are bounded). Whether a peer id is a valid
//! Ed25519 key is left to where it is used as one (registration); a
//! forwarding target is valid if it is registered.

use serde::{Deserialize, Serialize};

use super::auth::{Nonce, RegistrationSignature};
use super::bounded::{BoundedString, Descriptor, MAX_CANDIDATE_LEN, MAX_SDP_MID_LEN, Sdp};
use crate::error::{JsonError, SignalError};
use crate::peer_id::PeerId;

/// Largest signalling message accepted or sent, in bytes of JSON.
pub const MAX_SIGNAL_MESSAGE_LEN: usize = 64 * 1024;
/// Most peer ids in one [`ServerMessage::Peers`] list.
pub const MAX_PEER_LIST: usize = 64;

/// One ICE candidate, as the browser's `RTCIceCandidateInit` gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IceCandidate {
    /// The `candidate:` attribute line.
    pub candidate: BoundedString<MAX_CANDIDATE_LEN>,
    /// The media stream the candidate belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<BoundedString<MAX_SDP_MID_LEN>>,
    /// The index of that media stream's `m=` line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mline_index: Option<u16>,
}

/// What a client sends to the signalling server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ClientMessage {
    /// Asks to register as `peer`; the server answers with a challenge.
    Register {
        /// The identity the client claims.
        peer: PeerId,
    },
    /// Answers the server's challenge with a signature by `peer`'s key.
    Authenticate {
        /// The signature over the domain-separated challenge.
        signature: RegistrationSignature,
    },
    /// An SDP offer for `to`.
    Offer {
        /// The peer the offer is for.
        to: PeerId,
        /// The offer.
        sdp: Sdp,
    },
    /// An SDP answer for `to`.
    Answer {
        /// The peer the answer is for.
        to: PeerId,
        /// The answer.
        sdp: Sdp,
    },
    /// A trickled ICE candidate for `to`.
    Candidate {
        /// The peer the candidate is for.
        to: PeerId,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// Asks for up to `limit` other registered peers to bootstrap from.
    ListPeers {
        /// Most peers wanted (the server caps it at [`MAX_PEER_LIST`]).
        limit: u16,
    },
    /// Publishes the client's relay descriptor, replacing any earlier one.
    PublishDescriptor {
        /// The descriptor.
        descriptor: Descriptor,
    },
    /// Asks for `peer`'s relay descriptor.
    FetchDescriptor {
        /// Whose descriptor.
        peer: PeerId,
    },
}

/// Why the server refused a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The message exceeded the size limit.
    TooLarge,
    /// The message was not valid signalling JSON, or asked to register a
    /// peer id that is no valid Ed25519 key.
    Malformed,
    /// Only a registered client may send this.
    NotRegistered,
    /// The message is not valid at this point (e.g. a second `register`).
    Unexpected,
    /// The challenge signature did not verify.
    BadSignature,
    /// The identity is already registered on another connection.
    AlreadyRegistered,
    /// The target peer is not registered.
    UnknownPeer,
    /// The client sent too many messages too fast.
    RateLimited,
    /// The target peer's queue is full; try again later.
    PeerBusy,
}

/// What the signalling server sends to a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ServerMessage {
    /// The challenge to sign for a [`ClientMessage::Register`].
    Challenge {
        /// The server's fresh random nonce.
        nonce: Nonce,
    },
    /// Registration succeeded.
    Registered {
        /// The identity now bound to this connection.
        peer: PeerId,
    },
    /// An offer from the authenticated peer `from`.
    Offer {
        /// Who sent it (checked by the server).
        from: PeerId,
        /// The offer.
        sdp: Sdp,
    },
    /// An answer from the authenticated peer `from`.
    Answer {
        /// Who sent it (checked by the server).
        from: PeerId,
        /// The answer.
        sdp: Sdp,
    },
    /// An ICE candidate from the authenticated peer `from`.
    Candidate {
        /// Who sent it (checked by the server).
        from: PeerId,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// Registered peers to bootstrap from (never the asker itself).
    Peers {
        /// At most [`MAX_PEER_LIST`] peer ids.
        peers: Vec<PeerId>,
    },
    /// The answer to a [`ClientMessage::FetchDescriptor`].
    Descriptor {
        /// Whose descriptor.
        peer: PeerId,
        /// The descriptor, if that peer published one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        descriptor: Option<Descriptor>,
    },
    /// A refused message.
    Error {
        /// Why.
        code: ErrorCode,
        /// The peer the refused message named, where there was one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peer: Option<PeerId>,
    },
}

/// Parses one message: size first, then strict JSON, then list bounds.
fn parse<'a, T: Deserialize<'a>>(json: &'a [u8]) -> Result<T, SignalError> {
    if json.len() > MAX_SIGNAL_MESSAGE_LEN {
        return Err(SignalError::TooLong {
            len: json.len(),
            max: MAX_SIGNAL_MESSAGE_LEN,
        });
    }
    serde_json::from_slice(json).map_err(|e| SignalError::Malformed(JsonError::from(e)))
}

/// Writes one message, refusing it if it exceeds the size limit.
fn write<T: Serialize>(message: &T) -> Result<String, SignalError> {
    let json = serde_json::to_string(message).map_err(|e| SignalError::Malformed(e.into()))?;
    if json.len() > MAX_SIGNAL_MESSAGE_LEN {
        return Err(SignalError::TooLong {
            len: json.len(),
            max: MAX_SIGNAL_MESSAGE_LEN,
        });
    }
    Ok(json)
}

impl ClientMessage {
    /// Parses a message received from a client.
    ///
    /// ```
    /// use rtc_mesh::signal::ClientMessage;
    ///
    /// let msg = ClientMessage::from_json(br#"{"type":"list_peers","limit":8}"#)?;
    /// assert_eq!(msg, ClientMessage::ListPeers { limit: 8 });
    /// assert!(ClientMessage::from_json(br#"{"type":"list_peers","limit":8,"x":1}"#).is_err());
    /// # Ok::<(), rtc_mesh::SignalError>(())
    /// ```
    pub fn from_json(json: &[u8]) -> Result<Self, SignalError> {
        parse(json)
    }

    /// The message's JSON, at most [`MAX_SIGNAL_MESSAGE_LEN`] bytes.
    pub fn to_json(&self) -> Result<String, SignalError> {
        write(self)
    }
}

impl ServerMessage {
    /// Parses a message received from the server.
    pub fn from_json(json: &[u8]) -> Result<Self, SignalError> {
        let message: ServerMessage = parse(json)?;
        message.check_bounds()?;
        Ok(message)
    }

    /// The message's JSON, at most [`MAX_SIGNAL_MESSAGE_LEN`] bytes.
    pub fn to_json(&self) -> Result<String, SignalError> {
        self.check_bounds()?;
        write(self)
    }

    fn check_bounds(&self) -> Result<(), SignalError> {
        match self {
            ServerMessage::Peers { peers } if peers.len() > MAX_PEER_LIST => {
                Err(SignalError::TooManyPeers {
                    count: peers.len(),
                    max: MAX_PEER_LIST,
                })
            }
            _ => Ok(()),
        }
    }
}
