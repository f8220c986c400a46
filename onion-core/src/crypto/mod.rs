//! Every cryptographic primitive onion-core uses, and nothing else.
//!
//! See `PROTOCOL.md` for the construction and the reasoning behind it.
//!
//! - [`HopKeys`]: the per-hop key material, derived from a handshake seed.
//! - [`RelayCrypto`]: one hop's view (forward, recognise, originate back).
//! - [`ClientCrypto`]: the client's view (originate through n layers,
//!   peel n layers).

mod client;
mod keys;
mod layer;
mod relay;

pub use client::{ClientCrypto, MAX_HOPS};
pub use keys::{HOP_SEED_LEN, HopKeys};
pub use relay::{Disposition, RelayCrypto};

/// Length of the tag block at the front of every relay cell body: the
/// layer cipher's chained tag, which is also how a hop recognises a cell
/// addressed to it.
pub const TAG_LEN: usize = 16;
