//! Relay descriptors signed with the relay's identity key, the directory
//! built from verified descriptors, and path selection over it.
//!
//! A relay signs a [`Descriptor`] with its Ed25519 identity key; anyone
//! checks the bytes with [`VerifiedDescriptor::verify`], the only way to
//! obtain a [`VerifiedDescriptor`]. The format is in `encoding.rs` and in
//! `PROTOCOL.md`. A [`Directory`] holds the latest verified descriptor of
//! each relay; [`Directory::select_path`] draws paths from it, keeping the
//! guards of a caller's [`GuardSet`] pinned.

mod descriptor;
mod encoding;
mod exit_policy;
mod flags;
mod guard;
mod path;
mod random;
mod relation;
mod signed;
mod store;
mod time;

pub use descriptor::{Descriptor, MAX_ADDRESSES, MAX_FAMILY, MAX_LIFETIME};
pub use encoding::{DESCRIPTOR_VERSION, MAX_DESCRIPTOR_LEN};
pub use exit_policy::{ExitPolicy, ExitRequest, MAX_PORT_RANGES, PortRange, Traffic, TrafficSet};
pub use flags::RelayFlags;
pub use guard::{DEFAULT_GUARD_PERIOD, DEFAULT_GUARDS, GuardSet, PinnedGuard};
pub use path::{DEFAULT_HOPS, LastHop, MIN_HOPS, Path, PathRequest};
pub use relation::{IPV4_NETWORK_BITS, IPV6_NETWORK_BITS};
pub use signed::VerifiedDescriptor;
pub use store::{Directory, Insertion};
pub use time::UnixTime;

/// Internals the fuzz targets check directly.
#[cfg(fuzzing)]
pub mod fuzzing {
    /// Decodes `bytes` without checking the signature and encodes the
    /// result again; `None` if they do not decode. A decoder that accepts
    /// two encodings of one descriptor makes this differ from `bytes`.
    pub fn reencode(bytes: &[u8]) -> Option<Vec<u8>> {
        let unverified = super::encoding::decode(bytes).ok()?;
        let mut again =
            super::encoding::encode_signed_part(&unverified.identity, &unverified.descriptor);
        again.extend_from_slice(unverified.signature);
        Some(again)
    }
}
