//! Tracker protocols: HTTP (BEP 3, 7, 23, 48), UDP (BEP 15) and the
//! WebSocket JSON of WebTorrent's `bittorrent-tracker`.
//!
//! Each protocol has its own module; they share the request and response
//! models here. Everything is sans-IO: requests become URLs, datagrams or
//! JSON text; responses are parsed from the bytes the caller received.
//!
//! ```
//! use torrent_wire::tracker::{Announce, AnnounceEvent, http};
//! use torrent_wire::{InfoHash, PeerId};
//!
//! let announce = Announce {
//!     event: AnnounceEvent::Started,
//!     left: 1 << 20,
//!     ..Announce::new(InfoHash([0xab; 20]), PeerId(*b"-OS0001-abcdefghijkl"), 6881)
//! };
//! let url = http::announce_url("http://127.0.0.1:6969/announce", &announce);
//! assert!(url.starts_with("http://127.0.0.1:6969/announce?info_hash=%AB%AB"));
//!
//! let body = b"d8:intervali1800e5:peers6:\x7f\x00\x00\x01\x1a\xe1e";
//! let response = http::parse_announce(body)?;
//! assert_eq!(response.interval, 1800);
//! assert_eq!(response.peers[0].addr, "127.0.0.1:6881".parse()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod http;
pub mod udp;
pub mod websocket;

use std::net::SocketAddr;

use crate::{InfoHash, PeerId};

/// Most info-hashes one scrape may carry: what fits a UDP scrape (BEP 15)
/// and a reasonable URL.
pub const MAX_SCRAPE_HASHES: usize = 74;

/// Why an announce is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AnnounceEvent {
    /// A regular update.
    #[default]
    None,
    /// The first announce of a download.
    Started,
    /// The download just completed.
    Completed,
    /// The client stops sharing the torrent.
    Stopped,
}

impl AnnounceEvent {
    /// The name HTTP and WebSocket announces send; `None` for a regular
    /// update, which sends no event.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Started => Some("started"),
            Self::Completed => Some("completed"),
            Self::Stopped => Some("stopped"),
        }
    }

    /// The event a [`AnnounceEvent::name`] stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Started, Self::Completed, Self::Stopped]
            .into_iter()
            .find(|event| event.name() == Some(name))
    }
}

/// An announce: what a client tells a tracker about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announce {
    /// The torrent.
    pub info_hash: InfoHash,
    /// The announcing client.
    pub peer_id: PeerId,
    /// The port the client accepts peer connections on.
    pub port: u16,
    /// Bytes uploaded since `Started`.
    pub uploaded: u64,
    /// Bytes downloaded since `Started`.
    pub downloaded: u64,
    /// Bytes still missing.
    pub left: u64,
    /// Why the announce is made.
    pub event: AnnounceEvent,
    /// Peers wanted; the tracker's default when `None`.
    pub num_want: Option<u32>,
    /// A random value that identifies the client across address changes.
    pub key: Option<u32>,
}

impl Announce {
    /// A regular announce of a client that has transferred nothing and
    /// lacks nothing; set the other fields with struct update syntax.
    pub fn new(info_hash: InfoHash, peer_id: PeerId, port: u16) -> Self {
        Self {
            info_hash,
            peer_id,
            port,
            uploaded: 0,
            downloaded: 0,
            left: 0,
            event: AnnounceEvent::None,
            num_want: None,
            key: None,
        }
    }
}

/// A tracker's answer to an announce.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnnounceResponse {
    /// Seconds the client should wait before the next regular announce.
    pub interval: u32,
    /// Seconds the client must wait at least.
    pub min_interval: Option<u32>,
    /// Peers with the whole content.
    pub seeders: Option<u32>,
    /// Peers still downloading.
    pub leechers: Option<u32>,
    /// Peers to contact, IPv4 and IPv6.
    pub peers: Vec<Peer>,
    /// `warning message`: the announce worked, but the tracker has
    /// something to say.
    pub warning: Option<String>,
    /// `tracker id`, to send back on the next announce.
    pub tracker_id: Option<Vec<u8>>,
}

/// A peer from a tracker response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peer {
    /// Where to connect.
    pub addr: SocketAddr,
    /// The peer's id, when the tracker sent it (dictionary model only).
    pub id: Option<PeerId>,
}

impl From<SocketAddr> for Peer {
    fn from(addr: SocketAddr) -> Self {
        Self { addr, id: None }
    }
}

/// Swarm counts for one torrent, from a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ScrapeStats {
    /// Peers with the whole content (`complete`).
    pub seeders: u32,
    /// Completed downloads ever reported (`downloaded`).
    pub completed: u32,
    /// Peers still downloading (`incomplete`).
    pub leechers: u32,
}
