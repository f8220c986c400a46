//! Magnet links (BEP 9): parse and format.
//!
//! `btih` is read as 40 hex or 32 base32 characters and always written as
//! lower-case hex. Values are percent-decoded strictly: a broken escape or a
//! value that is not UTF-8 is an error, never a replacement character.
//! Parameters this module does not model are kept, in order, so formatting a
//! parsed link loses nothing.
//!
//! ```
//! use torrent_wire::magnet::{MagnetLink, PeerAddress};
//!
//! let link: MagnetLink = "magnet:?xt=urn:btih:CT4G4XRDEAYIQ6ATMEZLMY5I2YOOEQZB\
//!     &dn=debian+13&xl=1024&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&x.pe=127.0.0.1:6881"
//!     .parse()?;
//! assert_eq!(link.info_hash.to_hex(), "14f86e5e2320308878136132b663a8d61ce24321");
//! assert_eq!(link.display_name.as_deref(), Some("debian 13"));
//! assert_eq!(link.trackers, ["http://127.0.0.1:6969/announce"]);
//! assert_eq!(link.peers, [PeerAddress::Ip("127.0.0.1:6881".parse()?)]);
//!
//! let again: MagnetLink = link.to_string().parse()?;
//! assert_eq!(again, link);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use core::str::FromStr;
use std::net::SocketAddr;

use data_encoding::{BASE32, HEXLOWER_PERMISSIVE};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::InfoHash;
use crate::error::MagnetError;
use crate::metainfo::Metainfo;

/// Longest magnet link accepted, in bytes.
pub const MAX_MAGNET_LEN: usize = 64 * 1024;

const PREFIX: &str = "magnet:?";
const BTIH: &str = "urn:btih:";

/// Everything but RFC 3986's unreserved characters is escaped.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A parsed magnet link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MagnetLink {
    /// `xt=urn:btih:`: the v1 info-hash.
    pub info_hash: InfoHash,
    /// `dn`: a name to show until the metadata arrives.
    pub display_name: Option<String>,
    /// `xl`: the content's length in bytes.
    pub exact_length: Option<u64>,
    /// `tr`: tracker URLs, in order.
    pub trackers: Vec<String>,
    /// `x.pe`: peers to contact directly.
    pub peers: Vec<PeerAddress>,
    /// Every other parameter (`xt` of other kinds, `ws`, `so`, …), decoded,
    /// in order.
    pub other: Vec<(String, String)>,
}

/// A peer address from `x.pe`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerAddress {
    /// `ipv4:port` or `[ipv6]:port`.
    Ip(SocketAddr),
    /// `hostname:port`.
    Host {
        /// The host name, letters, digits, `-` and `.` only.
        host: String,
        /// The port.
        port: u16,
    },
}

impl MagnetLink {
    /// A link with just the info-hash.
    pub fn new(info_hash: InfoHash) -> Self {
        Self {
            info_hash,
            display_name: None,
            exact_length: None,
            trackers: Vec::new(),
            peers: Vec::new(),
            other: Vec::new(),
        }
    }

    /// The link for a torrent: its info-hash, name, length and trackers.
    pub fn from_metainfo(metainfo: &Metainfo) -> Self {
        let info = metainfo.info();
        Self {
            display_name: Some(info.name().to_owned()),
            exact_length: Some(info.total_length()),
            trackers: metainfo.trackers().into_iter().map(str::to_owned).collect(),
            ..Self::new(metainfo.info_hash())
        }
    }
}

impl FromStr for MagnetLink {
    type Err = MagnetError;

    fn from_str(link: &str) -> Result<Self, MagnetError> {
        if link.len() > MAX_MAGNET_LEN {
            return Err(MagnetError::TooLong {
                len: link.len(),
                max: MAX_MAGNET_LEN,
            });
        }
        let query = strip_prefix_ignore_case(link, PREFIX).ok_or(MagnetError::NotMagnet)?;
        let mut info_hash = None;
        let mut link = MagnetLink::new(InfoHash([0; 20]));
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key, key)?;
            let value = decode(value, &key)?;
            match key.as_str() {
                "xt" => match strip_prefix_ignore_case(&value, BTIH) {
                    Some(_) if info_hash.is_some() => return Err(MagnetError::DuplicateInfoHash),
                    Some(hash) => info_hash = Some(parse_btih(hash)?),
                    None => link.other.push((key, value)),
                },
                "dn" => set_once(&mut link.display_name, value, "dn")?,
                "xl" => {
                    let length = parse_decimal(&value).ok_or(MagnetError::InvalidLength)?;
                    set_once(&mut link.exact_length, length, "xl")?;
                }
                "tr" => link.trackers.push(value),
                "x.pe" => {
                    let index = link.peers.len();
                    let peer = parse_peer(&value).ok_or(MagnetError::InvalidPeer { index })?;
                    link.peers.push(peer);
                }
                _ => link.other.push((key, value)),
            }
        }
        link.info_hash = info_hash.ok_or(MagnetError::MissingInfoHash)?;
        Ok(link)
    }
}

impl fmt::Display for MagnetLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}xt={BTIH}{}", self.info_hash.to_hex())?;
        let mut param = |key: &str, value: &str| {
            write!(
                f,
                "&{}={}",
                utf8_percent_encode(key, VALUE),
                utf8_percent_encode(value, VALUE)
            )
        };
        if let Some(name) = &self.display_name {
            param("dn", name)?;
        }
        if let Some(length) = self.exact_length {
            param("xl", &length.to_string())?;
        }
        for tracker in &self.trackers {
            param("tr", tracker)?;
        }
        for peer in &self.peers {
            param("x.pe", &peer.to_string())?;
        }
        for (key, value) in &self.other {
            param(key, value)?;
        }
        Ok(())
    }
}

impl fmt::Display for PeerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(address) => address.fmt(f),
            Self::Host { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// Percent-decodes a query component; `+` is a space, as browsers write it.
fn decode(raw: &str, key: &str) -> Result<String, MagnetError> {
    let broken = || MagnetError::Encoding {
        key: key.to_owned(),
    };
    let spaced = raw.replace('+', " ");
    // A `%` must start a two-digit escape; percent_decode leaves others as is.
    let bytes = spaced.as_bytes();
    let escapes_valid = bytes.iter().enumerate().all(|(index, &byte)| {
        byte != b'%'
            || bytes
                .get(index + 1..index + 3)
                .is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit))
    });
    if !escapes_valid {
        return Err(broken());
    }
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| broken())
}

/// `ipv4:port`, `[ipv6]:port` or `hostname:port`.
fn parse_peer(text: &str) -> Option<PeerAddress> {
    if let Ok(address) = text.parse() {
        return Some(PeerAddress::Ip(address));
    }
    let (host, port) = text.rsplit_once(':')?;
    let valid_host = !host.is_empty()
        && host
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.'));
    let port = u16::try_from(parse_decimal(port)?).ok()?;
    valid_host.then(|| PeerAddress::Host {
        host: host.to_owned(),
        port,
    })
}

fn parse_btih(hash: &str) -> Result<InfoHash, MagnetError> {
    let bytes = match hash.len() {
        40 => HEXLOWER_PERMISSIVE.decode(hash.as_bytes()).ok(),
        32 => BASE32.decode(hash.to_ascii_uppercase().as_bytes()).ok(),
        _ => None,
    };
    bytes
        .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok())
        .map(InfoHash)
        .ok_or(MagnetError::InvalidInfoHash)
}

/// Digits only: no sign, no spaces, no leading zeros beyond `0` itself.
fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

fn set_once<T>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), MagnetError> {
    if slot.replace(value).is_some() {
        return Err(MagnetError::DuplicateParameter { key });
    }
    Ok(())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}
