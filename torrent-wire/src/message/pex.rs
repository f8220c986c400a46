//! BEP 11 ut_pex: peers a peer has connected to and dropped since its last
//! message, IPv4 and IPv6, in the compact form trackers use.

use std::net::SocketAddr;

use bytes::BufMut;

use super::Message;
use crate::bencode::{Dict, Encoder};
use crate::compact;
use crate::error::ExtensionError;

/// The flags byte BEP 11 sends for each added peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PexFlags(pub u8);

impl PexFlags {
    /// Prefers encrypted connections.
    pub const ENCRYPTION: u8 = 0x01;
    /// Is a seed.
    pub const SEED: u8 = 0x02;
    /// Speaks uTP.
    pub const UTP: u8 = 0x04;
    /// Supports the holepunch extension.
    pub const HOLEPUNCH: u8 = 0x08;
    /// Accepts incoming connections.
    pub const REACHABLE: u8 = 0x10;
}

/// A peer added since the last message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PexPeer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What the sender knows about it.
    pub flags: PexFlags,
}

/// A ut_pex message. Decoding lists IPv4 peers before IPv6 ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PexMessage {
    /// `added`, `added.f`, `added6`, `added6.f`.
    pub added: Vec<PexPeer>,
    /// `dropped`, `dropped6`.
    pub dropped: Vec<SocketAddr>,
}

impl PexMessage {
    /// Reads the payload of an extended message sent under ut_pex's id.
    ///
    /// # Errors
    /// [`ExtensionError::Bencode`] or a field error for a malformed
    /// dictionary; [`ExtensionError::PexLength`] for a compact list with a
    /// partial entry or flags that do not match their peers.
    pub fn decode(payload: &[u8]) -> Result<Self, ExtensionError> {
        super::read_dict(payload, |root| {
            let mut added = flagged(root, "added", "added.f", compact::decode_v4)?;
            added.extend(flagged(root, "added6", "added6.f", compact::decode_v6)?);
            let mut dropped = peers(root, "dropped", compact::decode_v4)?;
            dropped.extend(peers(root, "dropped6", compact::decode_v6)?);
            Ok(Self { added, dropped })
        })
    }

    /// Appends the bencoded payload to `out`.
    pub fn encode(&self, out: &mut impl BufMut) {
        let family = |v6: bool| {
            let peers = self
                .added
                .iter()
                .filter(move |peer| peer.addr.is_ipv6() == v6);
            let mut addrs = Vec::new();
            compact::encode(&mut addrs, peers.clone().map(|peer| &peer.addr), v6);
            let flags: Vec<u8> = peers.map(|peer| peer.flags.0).collect();
            (addrs, flags)
        };
        let (added, added_f) = family(false);
        let (added6, added6_f) = family(true);
        let mut dropped = Vec::new();
        compact::encode(&mut dropped, &self.dropped, false);
        let mut dropped6 = Vec::new();
        compact::encode(&mut dropped6, &self.dropped, true);
        Encoder::new(out).dict(|dict| {
            dict.bytes(b"added", &added)
                .bytes(b"added.f", &added_f)
                .bytes(b"added6", &added6)
                .bytes(b"added6.f", &added6_f)
                .bytes(b"dropped", &dropped)
                .bytes(b"dropped6", &dropped6);
        });
    }

    /// The extended message that carries this one to a peer that assigned
    /// ut_pex the id `id`.
    pub fn to_message(&self, id: u8) -> Message {
        Message::extended(id, |out| self.encode(out))
    }
}

/// The compact peers under `key`; none if it is absent.
fn peers(
    root: Dict<'_, '_>,
    key: &'static str,
    decode: fn(&[u8]) -> Option<Vec<SocketAddr>>,
) -> Result<Vec<SocketAddr>, ExtensionError> {
    let bytes = root.bytes(key)?.optional().unwrap_or_default();
    decode(bytes).ok_or(ExtensionError::PexLength {
        key,
        len: bytes.len(),
    })
}

/// The compact peers under `key` with their flags under `flags_key`; the
/// flags may be absent, but if present they must have one byte per peer.
fn flagged(
    root: Dict<'_, '_>,
    key: &'static str,
    flags_key: &'static str,
    decode: fn(&[u8]) -> Option<Vec<SocketAddr>>,
) -> Result<Vec<PexPeer>, ExtensionError> {
    let addrs = peers(root, key, decode)?;
    let flags = root.bytes(flags_key)?.optional();
    if let Some(flags) = flags
        && flags.len() != addrs.len()
    {
        return Err(ExtensionError::PexLength {
            key: flags_key,
            len: flags.len(),
        });
    }
    Ok(addrs
        .into_iter()
        .enumerate()
        .map(|(index, addr)| PexPeer {
            addr,
            flags: PexFlags(flags.map_or(0, |flags| flags[index])),
        })
        .collect())
}
