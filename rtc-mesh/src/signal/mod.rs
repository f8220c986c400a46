//! The signalling protocol: what clients and the signalling server say to
//! each other, as strict JSON over a message transport (WebSocket).
//!
//! A session runs: `register` → `challenge` → `authenticate` → `registered`;
//! then offers, answers and candidates to other registered peers, which the
//! server forwards with the sender's authenticated id; peer listings; and
//! relay descriptors published and fetched as opaque bytes.

mod auth;
mod bounded;
mod message;
mod peer;

pub use auth::{
    MAX_REALM_LEN, NONCE_LEN, Nonce, REGISTER_DOMAIN, Realm, RegistrationSignature,
    sign_registration, verify_registration,
};
pub use bounded::{
    BoundedString, Descriptor, MAX_CANDIDATE_LEN, MAX_DESCRIPTOR_LEN, MAX_SDP_LEN, MAX_SDP_MID_LEN,
    Sdp,
};
pub use message::{
    ClientMessage, ErrorCode, IceCandidate, MAX_PEER_LIST, MAX_SIGNAL_MESSAGE_LEN, ServerMessage,
};
pub use peer::{Inbound, Signal};
