//! Every cryptographic primitive onion-core uses, and nothing else.
//!
//! See `PROTOCOL.md` for the construction and the reasoning behind it.

/// Length of the tag block at the front of every relay cell body: the
/// layer cipher's chained tag, which is also how a hop recognises a cell
/// addressed to it.
pub const TAG_LEN: usize = 16;
