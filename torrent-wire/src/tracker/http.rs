//! HTTP trackers: announce and scrape URLs, and their bencoded responses
//! (BEP 3; compact peers BEP 23; `peers6` BEP 7; scrape convention BEP 48).
//!
//! Both sides are here, so that a client and a test tracker speak exactly
//! the same dialect: [`announce_url`] and [`parse_announce_query`],
//! [`encode_announce_response`] and [`parse_announce`].

use std::net::IpAddr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

use super::{Announce, AnnounceEvent, AnnounceResponse, MAX_SCRAPE_HASHES, Peer, ScrapeStats};
use crate::bencode::{self, Dict, Limits, Value};
use crate::compact::{self, V4_LEN, V6_LEN};
use crate::error::{FieldError, FieldProblem, TrackerError};
use crate::{InfoHash, PeerId};

/// RFC 3986 unreserved characters stay; every other byte is escaped.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How an encoded response lists its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerModel {
    /// `peers` and `peers6` as compact strings (BEP 23, BEP 7); peer ids
    /// are not sent.
    Compact,
    /// `peers` as a list of dictionaries with `ip`, `port` and `peer id`.
    Dictionary,
}

/// The announce URL for `announce` on the tracker at `base`, asking for
/// compact peers.
pub fn announce_url(base: &str, announce: &Announce) -> String {
    let mut url = String::with_capacity(base.len() + 200);
    url.push_str(base);
    url.push(if base.contains('?') { '&' } else { '?' });
    url.push_str("info_hash=");
    url.extend(percent_encode(announce.info_hash.as_bytes(), QUERY_VALUE));
    url.push_str("&peer_id=");
    url.extend(percent_encode(announce.peer_id.as_bytes(), QUERY_VALUE));
    url.push_str(&format!(
        "&port={}&uploaded={}&downloaded={}&left={}&compact=1",
        announce.port, announce.uploaded, announce.downloaded, announce.left
    ));
    if let Some(event) = announce.event.name() {
        url.push_str("&event=");
        url.push_str(event);
    }
    if let Some(num_want) = announce.num_want {
        url.push_str(&format!("&numwant={num_want}"));
    }
    if let Some(key) = announce.key {
        url.push_str(&format!("&key={key:08X}"));
    }
    url
}

/// The scrape URL that BEP 48 derives from an announce URL whose last path
/// segment starts with `announce`, for `info_hashes`.
///
/// # Errors
/// [`TrackerError::Query`] if the URL has no such segment (the tracker
/// does not support scrape), [`TrackerError::TooManyInfoHashes`].
pub fn scrape_url(announce_url: &str, info_hashes: &[InfoHash]) -> Result<String, TrackerError> {
    if info_hashes.len() > MAX_SCRAPE_HASHES {
        return Err(TrackerError::TooManyInfoHashes {
            count: info_hashes.len(),
            max: MAX_SCRAPE_HASHES,
        });
    }
    let (path, query) = match announce_url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (announce_url, None),
    };
    let segment_start = path.rfind('/').map_or(0, |slash| slash + 1);
    let rest = path[segment_start..]
        .strip_prefix("announce")
        .ok_or(TrackerError::Query { key: "announce" })?;
    let mut url = format!("{}scrape{rest}", &path[..segment_start]);
    let mut separator = '?';
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
        separator = '&';
    }
    for info_hash in info_hashes {
        url.push(separator);
        url.push_str("info_hash=");
        url.extend(percent_encode(info_hash.as_bytes(), QUERY_VALUE));
        separator = '&';
    }
    Ok(url)
}

/// Reads an announce from the query string of a request (the part after
/// `?`), as a tracker does. Unknown parameters are ignored.
///
/// # Errors
/// [`TrackerError::Query`] naming the first parameter that is missing,
/// repeated or malformed.
pub fn parse_announce_query(query: &str) -> Result<Announce, TrackerError> {
    let mut info_hash = None;
    let mut peer_id = None;
    let mut port = None;
    let (mut uploaded, mut downloaded, mut left) = (None, None, None);
    let mut event = None;
    let mut num_want = None;
    let mut key = None;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let bytes: Vec<u8> = percent_decode_str(value).collect();
        match name {
            "info_hash" => set(&mut info_hash, "info_hash", id20(&bytes).map(InfoHash))?,
            "peer_id" => set(&mut peer_id, "peer_id", id20(&bytes).map(PeerId))?,
            "port" => set(&mut port, "port", decimal(&bytes))?,
            "uploaded" => set(&mut uploaded, "uploaded", decimal(&bytes))?,
            "downloaded" => set(&mut downloaded, "downloaded", decimal(&bytes))?,
            "left" => set(&mut left, "left", decimal(&bytes))?,
            "event" => set(&mut event, "event", parse_event(&bytes))?,
            "numwant" => set(&mut num_want, "numwant", decimal(&bytes))?,
            "key" => set(&mut key, "key", hex_u32(&bytes))?,
            _ => {}
        }
    }
    let required = |key: &'static str| TrackerError::Query { key };
    Ok(Announce {
        info_hash: info_hash.ok_or(required("info_hash"))?,
        peer_id: peer_id.ok_or(required("peer_id"))?,
        port: port.ok_or(required("port"))?,
        uploaded: uploaded.unwrap_or(0),
        downloaded: downloaded.unwrap_or(0),
        left: left.unwrap_or(0),
        event: event.unwrap_or(AnnounceEvent::None),
        num_want,
        key,
    })
}

/// Parses the body of an announce response.
///
/// # Errors
/// [`TrackerError::Failure`] with the tracker's `failure reason`, or why
/// the body is malformed.
pub fn parse_announce(body: &[u8]) -> Result<AnnounceResponse, TrackerError> {
    read_response(body, read_announce)
}

fn read_announce(dict: Dict<'_, '_>) -> Result<AnnounceResponse, TrackerError> {
    let mut peers = match dict.get(b"peers") {
        None => Vec::new(),
        Some(value) => match value.as_bytes() {
            Some(bytes) => compact_peers(bytes, "peers", V4_LEN, compact::decode_v4)?,
            None => dictionary_peers(dict)?,
        },
    };
    if let Some(bytes) = dict.bytes("peers6")?.optional() {
        peers.extend(compact_peers(bytes, "peers6", V6_LEN, compact::decode_v6)?);
    }
    Ok(AnnounceResponse {
        interval: dict.uint("interval")?.required()?,
        min_interval: dict.uint("min interval")?.optional(),
        seeders: dict.uint("complete")?.optional(),
        leechers: dict.uint("incomplete")?.optional(),
        peers,
        warning: dict.str("warning message")?.optional().map(str::to_owned),
        tracker_id: dict.bytes("tracker id")?.optional().map(<[u8]>::to_vec),
    })
}

/// Parses the body of a scrape response: counts per info-hash, in
/// info-hash order.
///
/// # Errors
/// [`TrackerError::Failure`] with the tracker's `failure reason`, or why
/// the body is malformed.
pub fn parse_scrape(body: &[u8]) -> Result<Vec<(InfoHash, ScrapeStats)>, TrackerError> {
    read_response(body, read_scrape)
}

fn read_scrape(dict: Dict<'_, '_>) -> Result<Vec<(InfoHash, ScrapeStats)>, TrackerError> {
    let files = dict.dict("files")?.required()?;
    files
        .entries()
        .map(|(hash, stats)| {
            let info_hash = id20(hash).map(InfoHash).ok_or(FieldError::new(
                "files",
                FieldProblem::WrongType {
                    expected: "a dictionary keyed by 20-byte info-hashes",
                },
            ))?;
            let stats = stats.as_dict().ok_or(FieldError::new(
                "files",
                FieldProblem::WrongType {
                    expected: "a dictionary of dictionaries",
                },
            ))?;
            Ok((
                info_hash,
                ScrapeStats {
                    seeders: stats.uint("complete")?.required()?,
                    completed: stats.uint("downloaded")?.required()?,
                    leechers: stats.uint("incomplete")?.required()?,
                },
            ))
        })
        .collect()
}

/// The body of a successful announce response.
pub fn encode_announce_response(response: &AnnounceResponse, model: PeerModel) -> Vec<u8> {
    bencode::to_vec(|encoder| {
        encoder.dict(|dict| {
            if let Some(seeders) = response.seeders {
                dict.int(b"complete", seeders.into());
            }
            if let Some(leechers) = response.leechers {
                dict.int(b"incomplete", leechers.into());
            }
            dict.int(b"interval", response.interval.into());
            if let Some(min_interval) = response.min_interval {
                dict.int(b"min interval", min_interval.into());
            }
            let addrs = || response.peers.iter().map(|peer| &peer.addr);
            match model {
                PeerModel::Compact => {
                    let mut v4 = Vec::new();
                    let mut v6 = Vec::new();
                    compact::encode(&mut v4, addrs(), false);
                    compact::encode(&mut v6, addrs(), true);
                    dict.bytes(b"peers", &v4);
                    if !v6.is_empty() {
                        dict.bytes(b"peers6", &v6);
                    }
                }
                PeerModel::Dictionary => dict.entry(b"peers").list(|list| {
                    for peer in &response.peers {
                        list.push().dict(|entry| {
                            entry.bytes(b"ip", peer.addr.ip().to_string().as_bytes());
                            if let Some(id) = &peer.id {
                                entry.bytes(b"peer id", id.as_bytes());
                            }
                            entry.int(b"port", peer.addr.port().into());
                        });
                    }
                }),
            }
            if let Some(tracker_id) = &response.tracker_id {
                dict.bytes(b"tracker id", tracker_id);
            }
            if let Some(warning) = &response.warning {
                dict.bytes(b"warning message", warning.as_bytes());
            }
        });
    })
}

/// The body of a scrape response.
pub fn encode_scrape_response(files: &[(InfoHash, ScrapeStats)]) -> Vec<u8> {
    let mut sorted: Vec<_> = files.iter().collect();
    sorted.sort_by_key(|(hash, _)| *hash);
    sorted.dedup_by_key(|(hash, _)| *hash);
    bencode::to_vec(|encoder| {
        encoder.dict(|dict| {
            dict.entry(b"files").dict(|files| {
                for (hash, stats) in sorted {
                    files.entry(hash.as_bytes()).dict(|entry| {
                        entry
                            .int(b"complete", stats.seeders.into())
                            .int(b"downloaded", stats.completed.into())
                            .int(b"incomplete", stats.leechers.into());
                    });
                }
            });
        });
    })
}

/// The body of a refusal.
pub fn encode_failure(reason: &str) -> Vec<u8> {
    bencode::to_vec(|encoder| {
        encoder.dict(|dict| {
            dict.bytes(b"failure reason", reason.as_bytes());
        });
    })
}

/// Decodes a response body and hands its dictionary to `read`, unless the
/// tracker refused.
fn read_response<T>(
    body: &[u8],
    read: impl FnOnce(Dict<'_, '_>) -> Result<T, TrackerError>,
) -> Result<T, TrackerError> {
    let document = bencode::decode(body, &Limits::MESSAGE)?;
    let dict = document
        .root()
        .as_dict()
        .ok_or(TrackerError::NotADictionary)?;
    check_failure(dict)?;
    read(dict)
}

fn check_failure(dict: Dict<'_, '_>) -> Result<(), TrackerError> {
    match dict.bytes("failure reason")?.optional() {
        None => Ok(()),
        Some(reason) => Err(TrackerError::Failure {
            reason: String::from_utf8(reason.to_vec()).map_err(|_| TrackerError::NotUtf8 {
                key: "failure reason",
            })?,
        }),
    }
}

fn compact_peers(
    bytes: &[u8],
    key: &'static str,
    entry: usize,
    decode: fn(&[u8]) -> Option<Vec<std::net::SocketAddr>>,
) -> Result<Vec<Peer>, TrackerError> {
    let addrs = decode(bytes).ok_or(TrackerError::CompactPeers {
        key,
        len: bytes.len(),
        entry,
    })?;
    Ok(addrs.into_iter().map(Peer::from).collect())
}

/// The original model: a list of `{ip, port, peer id}` dictionaries.
fn dictionary_peers(dict: Dict<'_, '_>) -> Result<Vec<Peer>, TrackerError> {
    fn peer(entry: Value<'_, '_>) -> Option<Peer> {
        let entry = entry.as_dict()?;
        let ip: IpAddr = entry.str("ip").ok()?.optional()?.parse().ok()?;
        let port: u16 = entry.uint("port").ok()?.optional()?;
        let id = match entry.bytes("peer id").ok()?.optional() {
            None => None,
            Some(id) => Some(PeerId(id20(id)?)),
        };
        Some(Peer {
            addr: (ip, port).into(),
            id,
        })
    }
    let list = dict.list("peers")?.required()?;
    list.iter()
        .enumerate()
        .map(|(index, entry)| peer(entry).ok_or(TrackerError::InvalidPeer { index }))
        .collect()
}

/// An event name; some clients send `empty` for a regular update.
fn parse_event(name: &[u8]) -> Option<AnnounceEvent> {
    match name {
        b"" | b"empty" => Some(AnnounceEvent::None),
        _ => AnnounceEvent::from_name(core::str::from_utf8(name).ok()?),
    }
}

fn set<T>(slot: &mut Option<T>, key: &'static str, value: Option<T>) -> Result<(), TrackerError> {
    match (slot.is_some(), value) {
        (false, Some(value)) => {
            *slot = Some(value);
            Ok(())
        }
        _ => Err(TrackerError::Query { key }),
    }
}

pub(super) fn id20(bytes: &[u8]) -> Option<[u8; 20]> {
    bytes.try_into().ok()
}

/// Canonical decimal digits that fit `T`.
fn decimal<T: core::str::FromStr>(digits: &[u8]) -> Option<T> {
    let canonical = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits == b"0" || digits[0] != b'0');
    canonical
        .then(|| core::str::from_utf8(digits).ok()?.parse().ok())
        .flatten()
}

fn hex_u32(digits: &[u8]) -> Option<u32> {
    let valid = (1..=8).contains(&digits.len()) && digits.iter().all(u8::is_ascii_hexdigit);
    let text = core::str::from_utf8(digits).ok()?;
    valid.then(|| u32::from_str_radix(text, 16).ok()).flatten()
}
