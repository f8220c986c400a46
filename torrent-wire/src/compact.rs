//! Compact peer lists (BEP 23 for IPv4, BEP 7 for IPv6), shared by the
//! trackers and ut_pex (BEP 11): addresses and ports in network byte order,
//! back to back.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use bytes::BufMut;

/// Bytes per IPv4 entry.
pub(crate) const V4_LEN: usize = 6;
/// Bytes per IPv6 entry.
pub(crate) const V6_LEN: usize = 18;

/// Decodes back-to-back IPv4 entries, or `None` if a partial one remains.
pub(crate) fn decode_v4(bytes: &[u8]) -> Option<Vec<SocketAddr>> {
    let (entries, rest) = bytes.as_chunks::<V4_LEN>();
    rest.is_empty().then(|| {
        entries
            .iter()
            .map(|entry| {
                let (ip, port) = entry.split_at(4);
                let ip = Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]);
                SocketAddr::V4(SocketAddrV4::new(
                    ip,
                    u16::from_be_bytes([port[0], port[1]]),
                ))
            })
            .collect()
    })
}

/// Decodes back-to-back IPv6 entries, or `None` if a partial one remains.
pub(crate) fn decode_v6(bytes: &[u8]) -> Option<Vec<SocketAddr>> {
    let (entries, rest) = bytes.as_chunks::<V6_LEN>();
    rest.is_empty().then(|| {
        entries
            .iter()
            .map(|entry| {
                let (ip, port) = entry.split_at(16);
                let mut octets = [0u8; 16];
                octets.copy_from_slice(ip);
                let port = u16::from_be_bytes([port[0], port[1]]);
                SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(octets), port, 0, 0))
            })
            .collect()
    })
}

/// Writes the entries of one address family; others are skipped.
pub(crate) fn encode<'a>(
    out: &mut impl BufMut,
    addrs: impl IntoIterator<Item = &'a SocketAddr>,
    v6: bool,
) {
    for addr in addrs {
        match addr {
            SocketAddr::V4(addr) if !v6 => out.put_slice(&addr.ip().octets()),
            SocketAddr::V6(addr) if v6 => out.put_slice(&addr.ip().octets()),
            _ => continue,
        }
        out.put_u16(addr.port());
    }
}
