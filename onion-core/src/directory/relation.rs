//! Which relays may not share a path.
//!
//! Two relays are kept apart when they are the same relay, when they share
//! a network, or when they are one family:
//!
//! - **Network.** Some declared address of one is in the same IPv4 /16 or
//!   IPv6 /32 as some declared address of the other (IPv4-mapped IPv6
//!   addresses count as IPv4), the prefixes Tor uses for the same rule.
//!   A mesh peer id is a public key and says nothing about where a relay
//!   is, so a relay that declares no address shares a network with none.
//! - **Family.** Each names the other in its family. A one-sided claim does
//!   not count: otherwise a hostile relay could name every honest relay and
//!   so be paired only with its own.

use std::net::IpAddr;

use super::VerifiedDescriptor;

/// The IPv4 prefix length within which relays share a network.
pub const IPV4_NETWORK_BITS: u8 = 16;
/// The IPv6 prefix length within which relays share a network.
pub const IPV6_NETWORK_BITS: u8 = 32;

/// Whether `a` and `b` may both be on one path.
pub(crate) fn may_share_path(a: &VerifiedDescriptor, b: &VerifiedDescriptor) -> bool {
    a.identity() != b.identity() && !share_network(a, b) && !same_family(a, b)
}

fn share_network(a: &VerifiedDescriptor, b: &VerifiedDescriptor) -> bool {
    let b_addresses = &b.descriptor().addresses;
    a.descriptor()
        .addresses
        .iter()
        .any(|x| b_addresses.iter().any(|y| same_network(*x, *y)))
}

fn same_network(a: IpAddr, b: IpAddr) -> bool {
    match (a.to_canonical(), b.to_canonical()) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            a.to_bits() >> (32 - IPV4_NETWORK_BITS) == b.to_bits() >> (32 - IPV4_NETWORK_BITS)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            a.to_bits() >> (128 - IPV6_NETWORK_BITS) == b.to_bits() >> (128 - IPV6_NETWORK_BITS)
        }
        _ => false,
    }
}

fn same_family(a: &VerifiedDescriptor, b: &VerifiedDescriptor) -> bool {
    a.descriptor().family.contains(b.identity()) && b.descriptor().family.contains(a.identity())
}
