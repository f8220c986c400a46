//! UDP trackers (BEP 15): connect, announce, scrape and error packets, both
//! directions.
//!
//! ```
//! use torrent_wire::tracker::udp::{PeerFamily, Request, Response};
//!
//! let mut datagram = Vec::new();
//! Request::Connect { transaction_id: 7 }.encode(&mut datagram);
//! assert_eq!(datagram.len(), 16);
//! assert_eq!(Request::decode(&datagram)?, Request::Connect { transaction_id: 7 });
//!
//! let reply = [0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8];
//! assert_eq!(
//!     Response::decode(&reply, PeerFamily::Ipv4)?,
//!     Response::Connect { transaction_id: 7, connection_id: 0x0102_0304_0506_0708 }
//! );
//! # Ok::<(), torrent_wire::TrackerError>(())
//! ```

use std::net::{Ipv4Addr, SocketAddr};

use bytes::{Buf, BufMut};

use super::{Announce, AnnounceEvent, MAX_SCRAPE_HASHES, ScrapeStats};
use crate::compact;
use crate::error::TrackerError;
use crate::{InfoHash, PeerId};

/// The magic constant that opens every connect request.
pub const PROTOCOL_ID: u64 = 0x0417_2710_1980;

const CONNECT: u32 = 0;
const ANNOUNCE: u32 = 1;
const SCRAPE: u32 = 2;
const ERROR: u32 = 3;

const CONNECT_LEN: usize = 16;
const ANNOUNCE_REQUEST_LEN: usize = 98;
const REQUEST_HEADER_LEN: usize = 16;
const ANNOUNCE_REPLY_HEADER_LEN: usize = 20;
const REPLY_HEADER_LEN: usize = 8;
const SCRAPE_ENTRY_LEN: usize = 12;

/// Which addresses an announce reply carries: a UDP tracker answers with
/// peers of the family the request came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerFamily {
    /// 6-byte entries.
    Ipv4,
    /// 18-byte entries.
    Ipv6,
}

/// A packet from client to tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Asks for a connection id.
    Connect {
        /// Echoed in the reply.
        transaction_id: u32,
    },
    /// An announce.
    Announce {
        /// From the connect reply.
        connection_id: u64,
        /// Echoed in the reply.
        transaction_id: u32,
        /// What the client announces.
        announce: Announce,
        /// An address the client asks to be announced under; the sender's
        /// when `None`.
        ip: Option<Ipv4Addr>,
    },
    /// Counts for up to [`MAX_SCRAPE_HASHES`] torrents.
    Scrape {
        /// From the connect reply.
        connection_id: u64,
        /// Echoed in the reply.
        transaction_id: u32,
        /// The torrents.
        info_hashes: Vec<InfoHash>,
    },
}

/// A packet from tracker to client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// The connection id to use for the next minute.
    Connect {
        /// From the request.
        transaction_id: u32,
        /// To send with announces and scrapes.
        connection_id: u64,
    },
    /// Peers for an announce.
    Announce {
        /// From the request.
        transaction_id: u32,
        /// Seconds until the next regular announce.
        interval: u32,
        /// Peers still downloading.
        leechers: u32,
        /// Peers with the whole content.
        seeders: u32,
        /// Peers to contact, all of one [`PeerFamily`].
        peers: Vec<SocketAddr>,
    },
    /// Counts, in the order of the request's info-hashes.
    Scrape {
        /// From the request.
        transaction_id: u32,
        /// One entry per requested torrent.
        stats: Vec<ScrapeStats>,
    },
    /// A refusal.
    Error {
        /// From the request.
        transaction_id: u32,
        /// The tracker's message.
        message: String,
    },
}

impl Request {
    /// Writes the datagram into `out`.
    ///
    /// An absent `key` is written as 0 and read back as `None`; `num_want`
    /// above `i32::MAX` is written as `i32::MAX`, the field's limit.
    pub fn encode(&self, out: &mut impl BufMut) {
        match self {
            Self::Connect { transaction_id } => {
                out.put_u64(PROTOCOL_ID);
                out.put_u32(CONNECT);
                out.put_u32(*transaction_id);
            }
            Self::Announce {
                connection_id,
                transaction_id,
                announce,
                ip,
            } => {
                out.put_u64(*connection_id);
                out.put_u32(ANNOUNCE);
                out.put_u32(*transaction_id);
                out.put_slice(announce.info_hash.as_bytes());
                out.put_slice(announce.peer_id.as_bytes());
                out.put_u64(announce.downloaded);
                out.put_u64(announce.left);
                out.put_u64(announce.uploaded);
                out.put_u32(event_number(announce.event));
                out.put_slice(&ip.unwrap_or(Ipv4Addr::UNSPECIFIED).octets());
                out.put_u32(announce.key.unwrap_or(0));
                out.put_i32(
                    announce
                        .num_want
                        .map_or(-1, |n| i32::try_from(n).unwrap_or(i32::MAX)),
                );
                out.put_u16(announce.port);
            }
            Self::Scrape {
                connection_id,
                transaction_id,
                info_hashes,
            } => {
                out.put_u64(*connection_id);
                out.put_u32(SCRAPE);
                out.put_u32(*transaction_id);
                for info_hash in info_hashes {
                    out.put_slice(info_hash.as_bytes());
                }
            }
        }
    }

    /// Reads a datagram, as a tracker does. Bytes after an announce's 98
    /// are BEP 41 options and are ignored.
    ///
    /// # Errors
    /// Why the datagram is not a BEP 15 request.
    pub fn decode(mut datagram: &[u8]) -> Result<Self, TrackerError> {
        let len = datagram.len();
        need(len, REQUEST_HEADER_LEN, "request")?;
        let connection_id = datagram.get_u64();
        let action = datagram.get_u32();
        let transaction_id = datagram.get_u32();
        match action {
            CONNECT => {
                if connection_id != PROTOCOL_ID {
                    return Err(TrackerError::UdpProtocolId);
                }
                Ok(Self::Connect { transaction_id })
            }
            ANNOUNCE => {
                need(len, ANNOUNCE_REQUEST_LEN, "announce")?;
                let info_hash = InfoHash(take20(&mut datagram));
                let peer_id = PeerId(take20(&mut datagram));
                let downloaded = datagram.get_u64();
                let left = datagram.get_u64();
                let uploaded = datagram.get_u64();
                let event = event_from_number(datagram.get_u32())?;
                let ip = Ipv4Addr::from(datagram.get_u32());
                let key = datagram.get_u32();
                let num_want = datagram.get_i32();
                let port = datagram.get_u16();
                Ok(Self::Announce {
                    connection_id,
                    transaction_id,
                    announce: Announce {
                        info_hash,
                        peer_id,
                        port,
                        uploaded,
                        downloaded,
                        left,
                        event,
                        num_want: u32::try_from(num_want).ok(),
                        key: (key != 0).then_some(key),
                    },
                    ip: (!ip.is_unspecified()).then_some(ip),
                })
            }
            SCRAPE => {
                let (hashes, rest) = datagram.as_chunks::<20>();
                if !rest.is_empty() || hashes.is_empty() {
                    return Err(TrackerError::UdpLength {
                        action: "scrape",
                        len,
                    });
                }
                if hashes.len() > MAX_SCRAPE_HASHES {
                    return Err(TrackerError::TooManyInfoHashes {
                        count: hashes.len(),
                        max: MAX_SCRAPE_HASHES,
                    });
                }
                Ok(Self::Scrape {
                    connection_id,
                    transaction_id,
                    info_hashes: hashes.iter().copied().map(InfoHash).collect(),
                })
            }
            other => Err(unknown_action(other)),
        }
    }
}

impl Response {
    /// Writes the datagram into `out`. An announce reply carries only the
    /// peers of `family`.
    pub fn encode(&self, out: &mut impl BufMut, family: PeerFamily) {
        match self {
            Self::Connect {
                transaction_id,
                connection_id,
            } => {
                out.put_u32(CONNECT);
                out.put_u32(*transaction_id);
                out.put_u64(*connection_id);
            }
            Self::Announce {
                transaction_id,
                interval,
                leechers,
                seeders,
                peers,
            } => {
                out.put_u32(ANNOUNCE);
                out.put_u32(*transaction_id);
                out.put_u32(*interval);
                out.put_u32(*leechers);
                out.put_u32(*seeders);
                compact::encode(out, peers, family == PeerFamily::Ipv6);
            }
            Self::Scrape {
                transaction_id,
                stats,
            } => {
                out.put_u32(SCRAPE);
                out.put_u32(*transaction_id);
                for entry in stats {
                    out.put_u32(entry.seeders);
                    out.put_u32(entry.completed);
                    out.put_u32(entry.leechers);
                }
            }
            Self::Error {
                transaction_id,
                message,
            } => {
                out.put_u32(ERROR);
                out.put_u32(*transaction_id);
                out.put_slice(message.as_bytes());
            }
        }
    }

    /// Reads a datagram from a tracker; announce replies hold peers of
    /// `family`, the family of the socket the request went out on.
    ///
    /// # Errors
    /// Why the datagram is not a BEP 15 response.
    pub fn decode(mut datagram: &[u8], family: PeerFamily) -> Result<Self, TrackerError> {
        let len = datagram.len();
        need(len, REPLY_HEADER_LEN, "response")?;
        let action = datagram.get_u32();
        let transaction_id = datagram.get_u32();
        match action {
            CONNECT => {
                need(len, CONNECT_LEN, "connect")?;
                Ok(Self::Connect {
                    transaction_id,
                    connection_id: datagram.get_u64(),
                })
            }
            ANNOUNCE => {
                need(len, ANNOUNCE_REPLY_HEADER_LEN, "announce")?;
                let interval = datagram.get_u32();
                let leechers = datagram.get_u32();
                let seeders = datagram.get_u32();
                let peers = match family {
                    PeerFamily::Ipv4 => compact::decode_v4(datagram),
                    PeerFamily::Ipv6 => compact::decode_v6(datagram),
                };
                let peers = peers.ok_or(TrackerError::UdpLength {
                    action: "announce",
                    len,
                })?;
                Ok(Self::Announce {
                    transaction_id,
                    interval,
                    leechers,
                    seeders,
                    peers,
                })
            }
            SCRAPE => {
                let (entries, rest) = datagram.as_chunks::<SCRAPE_ENTRY_LEN>();
                if !rest.is_empty() {
                    return Err(TrackerError::UdpLength {
                        action: "scrape",
                        len,
                    });
                }
                let stats = entries
                    .iter()
                    .map(|entry| {
                        let mut entry = &entry[..];
                        ScrapeStats {
                            seeders: entry.get_u32(),
                            completed: entry.get_u32(),
                            leechers: entry.get_u32(),
                        }
                    })
                    .collect();
                Ok(Self::Scrape {
                    transaction_id,
                    stats,
                })
            }
            ERROR => Ok(Self::Error {
                transaction_id,
                message: String::from_utf8(datagram.to_vec())
                    .map_err(|_| TrackerError::NotUtf8 { key: "message" })?,
            }),
            other => Err(unknown_action(other)),
        }
    }

    /// The transaction id the response answers.
    pub fn transaction_id(&self) -> u32 {
        match self {
            Self::Connect { transaction_id, .. }
            | Self::Announce { transaction_id, .. }
            | Self::Scrape { transaction_id, .. }
            | Self::Error { transaction_id, .. } => *transaction_id,
        }
    }
}

fn need(len: usize, min: usize, action: &'static str) -> Result<(), TrackerError> {
    if len < min {
        return Err(TrackerError::UdpTooShort { action, len, min });
    }
    Ok(())
}

fn take20(buf: &mut &[u8]) -> [u8; 20] {
    let mut id = [0; 20];
    buf.copy_to_slice(&mut id);
    id
}

fn event_number(event: AnnounceEvent) -> u32 {
    match event {
        AnnounceEvent::None => 0,
        AnnounceEvent::Completed => 1,
        AnnounceEvent::Started => 2,
        AnnounceEvent::Stopped => 3,
    }
}

fn event_from_number(number: u32) -> Result<AnnounceEvent, TrackerError> {
    match number {
        0 => Ok(AnnounceEvent::None),
        1 => Ok(AnnounceEvent::Completed),
        2 => Ok(AnnounceEvent::Started),
        3 => Ok(AnnounceEvent::Stopped),
        other => Err(TrackerError::UnknownAction {
            action: format!("event {other}"),
        }),
    }
}

fn unknown_action(action: u32) -> TrackerError {
    TrackerError::UnknownAction {
        action: action.to_string(),
    }
}
