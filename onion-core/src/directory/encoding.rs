//! The binary form of a descriptor (version 1), all integers big-endian:
//!
//! ```text
//! version      u8      = 1
//! identity     [32]    Ed25519 public key
//! onion key    [32]    X25519 public key
//! flags        u8      RelayFlags, unknown bits rejected
//! published    u64     Unix seconds
//! expires      u64     Unix seconds
//! addresses    u8 n ≤ 4,  n × (u8 tag 4 | 6, then 4 | 16 bytes), ascending
//! exit policy  u8 traffic bits, u8 m ≤ 16, m × (u16 low, u16 high), merged
//! family       u8 k ≤ 32, k × [32], ascending
//! signature    [64]    Ed25519 over the domain string and all of the above
//! ```
//!
//! Lists must be strictly ascending, so a descriptor has exactly one
//! encoding, and every length is checked against its bound before anything
//! is allocated for it.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::descriptor::{MAX_ADDRESSES, MAX_FAMILY};
use super::exit_policy::MAX_PORT_RANGES;
use super::{Descriptor, ExitPolicy, PortRange, RelayFlags, TrafficSet, UnixTime};
use crate::codec::{Reader, Writer};
use crate::error::{DescriptorError, DescriptorList};
use crate::{KEY_LEN, OnionKey, RelayId};

/// The only descriptor format version this crate reads and writes.
pub const DESCRIPTOR_VERSION: u8 = 1;
/// Length of the Ed25519 signature that ends every descriptor.
pub(crate) const SIGNATURE_LEN: usize = 64;

const HEADER_LEN: usize = 1 + KEY_LEN + KEY_LEN + 1 + 8 + 8;
const IPV4_TAG: u8 = 4;
const IPV6_TAG: u8 = 6;
const MAX_ADDRESS_LEN: usize = 1 + 16;
const PORT_RANGE_LEN: usize = 4;

/// The longest valid encoded descriptor; longer input is rejected unread.
pub const MAX_DESCRIPTOR_LEN: usize = HEADER_LEN
    + 1
    + MAX_ADDRESSES * MAX_ADDRESS_LEN
    + 2
    + MAX_PORT_RANGES * PORT_RANGE_LEN
    + 1
    + MAX_FAMILY * KEY_LEN
    + SIGNATURE_LEN;

/// A descriptor split into its parts, its signature not yet checked.
pub(crate) struct Unverified<'a> {
    pub(crate) identity: RelayId,
    pub(crate) descriptor: Descriptor,
    /// The bytes the signature covers.
    pub(crate) signed: &'a [u8],
    pub(crate) signature: &'a [u8; SIGNATURE_LEN],
}

fn address_len(address: &IpAddr) -> usize {
    match address {
        IpAddr::V4(_) => 1 + 4,
        IpAddr::V6(_) => 1 + 16,
    }
}

/// Encodes everything the signature covers, with room left for the
/// signature. The descriptor must have passed [`Descriptor::check`], so
/// every count fits its byte.
pub(crate) fn encode_signed_part(identity: &RelayId, descriptor: &Descriptor) -> Vec<u8> {
    let len = HEADER_LEN
        + 1
        + descriptor.addresses.iter().map(address_len).sum::<usize>()
        + 2
        + descriptor.exit_policy.ports().len() * PORT_RANGE_LEN
        + 1
        + descriptor.family.len() * KEY_LEN;
    let mut out = Vec::with_capacity(len + SIGNATURE_LEN);
    out.resize(len, 0);
    let mut w = Writer::new(&mut out);
    w.u8(DESCRIPTOR_VERSION);
    w.put(identity.as_bytes());
    w.put(descriptor.onion_key.as_bytes());
    w.u8(descriptor.flags.bits());
    w.put(&descriptor.published.as_secs().to_be_bytes());
    w.put(&descriptor.expires.as_secs().to_be_bytes());
    w.u8(count(descriptor.addresses.len()));
    for address in &descriptor.addresses {
        match address {
            IpAddr::V4(v4) => {
                w.u8(IPV4_TAG);
                w.put(&v4.octets());
            }
            IpAddr::V6(v6) => {
                w.u8(IPV6_TAG);
                w.put(&v6.octets());
            }
        }
    }
    let policy = &descriptor.exit_policy;
    w.u8(policy.traffic().bits());
    w.u8(count(policy.ports().len()));
    for range in policy.ports() {
        w.u16(range.low());
        w.u16(range.high());
    }
    w.u8(count(descriptor.family.len()));
    for member in &descriptor.family {
        w.put(member.as_bytes());
    }
    out
}

/// A list length as its count byte; checked lists are far below 256.
fn count(len: usize) -> u8 {
    u8::try_from(len).unwrap_or(u8::MAX)
}

/// Splits `bytes` into a descriptor and its signature, checking the format
/// and every rule of [`Descriptor::check`], but not the signature.
pub(crate) fn decode(bytes: &[u8]) -> Result<Unverified<'_>, DescriptorError> {
    if bytes.len() > MAX_DESCRIPTOR_LEN {
        return Err(DescriptorError::Oversized { len: bytes.len() });
    }
    let mut r = Reader::new(bytes);
    let version = r.u8()?;
    if version != DESCRIPTOR_VERSION {
        return Err(DescriptorError::UnsupportedVersion { version });
    }
    let identity = RelayId::from_bytes(*r.array()?);
    let onion_key = OnionKey::from_bytes(*r.array()?);
    let flag_bits = r.u8()?;
    let flags = RelayFlags::from_bits(flag_bits)
        .ok_or(DescriptorError::UnknownFlags { bits: flag_bits })?;
    let published = UnixTime::from_secs(u64::from_be_bytes(*r.array()?));
    let expires = UnixTime::from_secs(u64::from_be_bytes(*r.array()?));
    let addresses = read_ascending(
        &mut r,
        DescriptorList::Addresses,
        MAX_ADDRESSES,
        read_address,
    )?;
    let exit_policy = read_exit_policy(&mut r)?;
    let family = read_ascending(&mut r, DescriptorList::Family, MAX_FAMILY, |r| {
        Ok(RelayId::from_bytes(*r.array()?))
    })?;
    let signed_len = bytes.len() - r.remaining();
    let signature = r.array::<SIGNATURE_LEN>()?;
    if r.remaining() != 0 {
        return Err(DescriptorError::TrailingBytes { len: r.remaining() });
    }
    let descriptor = Descriptor {
        onion_key,
        addresses,
        flags,
        exit_policy,
        family,
        published,
        expires,
    };
    descriptor.check(&identity)?;
    let (signed, _) = bytes.split_at(signed_len);
    Ok(Unverified {
        identity,
        descriptor,
        signed,
        signature,
    })
}

/// Reads a count byte and that many items, which must be strictly
/// ascending so the list has one encoding.
fn read_ascending<T: Ord>(
    r: &mut Reader<'_>,
    list: DescriptorList,
    max: usize,
    mut read: impl FnMut(&mut Reader<'_>) -> Result<T, DescriptorError>,
) -> Result<BTreeSet<T>, DescriptorError> {
    let len = usize::from(r.u8()?);
    if len > max {
        return Err(DescriptorError::ListTooLong { list, len, max });
    }
    let mut items = BTreeSet::new();
    for _ in 0..len {
        let item = read(r)?;
        if items.last().is_some_and(|last| *last >= item) {
            return Err(DescriptorError::ListNotCanonical { list });
        }
        items.insert(item);
    }
    Ok(items)
}

fn read_address(r: &mut Reader<'_>) -> Result<IpAddr, DescriptorError> {
    match r.u8()? {
        IPV4_TAG => Ok(IpAddr::V4(Ipv4Addr::from(*r.array::<4>()?))),
        IPV6_TAG => Ok(IpAddr::V6(Ipv6Addr::from(*r.array::<16>()?))),
        tag => Err(DescriptorError::UnknownAddressTag { tag }),
    }
}

fn read_exit_policy(r: &mut Reader<'_>) -> Result<ExitPolicy, DescriptorError> {
    let traffic_bits = r.u8()?;
    let traffic = TrafficSet::from_bits(traffic_bits)
        .ok_or(DescriptorError::UnknownTraffic { bits: traffic_bits })?;
    let len = usize::from(r.u8()?);
    if len > MAX_PORT_RANGES {
        return Err(DescriptorError::ListTooLong {
            list: DescriptorList::PortRanges,
            len,
            max: MAX_PORT_RANGES,
        });
    }
    let mut ports = Vec::with_capacity(len);
    for _ in 0..len {
        let (low, high) = (r.u16()?, r.u16()?);
        ports.push(
            PortRange::new(low, high).ok_or(DescriptorError::InvalidPortRange { low, high })?,
        );
    }
    ExitPolicy::from_canonical(traffic, ports)
}
