//! The WebSocket tracker protocol of WebTorrent's `bittorrent-tracker`:
//! JSON text messages that carry WebRTC offers and answers between peers.
//!
//! Ids (info-hash, peer id, offer id) travel as 20-character strings whose
//! characters are the bytes themselves (U+0000 to U+00FF, "latin-1"), as
//! `bittorrent-tracker` writes them. Parsing is strict about what this
//! protocol needs and ignores fields it does not model, as the JavaScript
//! implementations do.
//!
//! ```
//! use torrent_wire::tracker::websocket::{ClientMessage, TrackerMessage};
//!
//! let text = r#"{"action":"announce","info_hash":"aaaaaaaaaaaaaaaaaaaa",
//!     "peer_id":"bbbbbbbbbbbbbbbbbbbb","offer_id":"cccccccccccccccccccc",
//!     "offer":{"type":"offer","sdp":"v=0\r\n"}}"#;
//! let TrackerMessage::Offer { from, offer_id, sdp, .. } = TrackerMessage::parse(text)? else {
//!     panic!("an offer");
//! };
//! assert_eq!(from.as_bytes(), b"bbbbbbbbbbbbbbbbbbbb");
//!
//! let reply = ClientMessage::Answer {
//!     info_hash: torrent_wire::InfoHash(*b"aaaaaaaaaaaaaaaaaaaa"),
//!     peer_id: torrent_wire::PeerId(*b"dddddddddddddddddddd"),
//!     to_peer_id: from,
//!     offer_id,
//!     sdp: "v=0\r\n".into(),
//! };
//! assert_eq!(ClientMessage::parse(&reply.to_json())?, reply);
//! # let _ = sdp;
//! # Ok::<(), torrent_wire::TrackerError>(())
//! ```

use serde_json::{Map, Value, json};

use super::{AnnounceEvent, MAX_SCRAPE_HASHES, ScrapeStats};
use crate::error::TrackerError;
use crate::{InfoHash, PeerId};

/// Longest message accepted, in bytes: room for [`MAX_OFFERS`] offers of a
/// few kilobytes of SDP each.
pub const MAX_MESSAGE_LEN: usize = 256 * 1024;

/// Most offers one announce may carry (`bittorrent-tracker` caps `numwant`
/// at 50 and sends one offer per wanted peer at most).
pub const MAX_OFFERS: usize = 50;

/// An offer's id: 20 random bytes that pair the answer with its offer.
pub type OfferId = [u8; 20];

/// An SDP offer sent with an announce, for the tracker to relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Pairs the answer with this offer.
    pub offer_id: OfferId,
    /// The session description.
    pub sdp: String,
}

/// A message from client to tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// An announce, with offers for the peers the tracker picks.
    Announce {
        /// The torrent.
        info_hash: InfoHash,
        /// The announcing client.
        peer_id: PeerId,
        /// Bytes uploaded.
        uploaded: u64,
        /// Bytes downloaded.
        downloaded: u64,
        /// Bytes still missing; `None` while the size is unknown (a magnet
        /// link without metadata), sent as JSON `null` the way
        /// `bittorrent-tracker` sends `Infinity`.
        left: Option<u64>,
        /// Why the announce is made.
        event: AnnounceEvent,
        /// Peers wanted.
        num_want: Option<u32>,
        /// Offers for the tracker to relay, at most [`MAX_OFFERS`].
        offers: Vec<Offer>,
    },
    /// An answer to a relayed offer.
    Answer {
        /// The torrent.
        info_hash: InfoHash,
        /// The answering client.
        peer_id: PeerId,
        /// The peer whose offer this answers.
        to_peer_id: PeerId,
        /// The offer's id.
        offer_id: OfferId,
        /// The session description.
        sdp: String,
    },
    /// Counts for up to [`MAX_SCRAPE_HASHES`] torrents.
    Scrape {
        /// The torrents.
        info_hashes: Vec<InfoHash>,
    },
}

/// A message from tracker to client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackerMessage {
    /// The answer to an announce.
    AnnounceResponse {
        /// The torrent.
        info_hash: InfoHash,
        /// Seconds until the next regular announce.
        interval: u32,
        /// Peers with the whole content.
        seeders: Option<u32>,
        /// Peers still downloading.
        leechers: Option<u32>,
        /// `warning message`.
        warning: Option<String>,
    },
    /// Another peer's offer, relayed.
    Offer {
        /// The torrent.
        info_hash: InfoHash,
        /// The offering peer.
        from: PeerId,
        /// To send back with the answer.
        offer_id: OfferId,
        /// The session description.
        sdp: String,
    },
    /// An answer to one of our offers, relayed.
    Answer {
        /// The torrent.
        info_hash: InfoHash,
        /// The answering peer.
        from: PeerId,
        /// The offer answered.
        offer_id: OfferId,
        /// The session description.
        sdp: String,
    },
    /// Counts per torrent.
    ScrapeResponse {
        /// One entry per torrent, in info-hash order.
        files: Vec<(InfoHash, ScrapeStats)>,
    },
    /// A refusal.
    Failure {
        /// The torrent, when the refusal concerns one.
        info_hash: Option<InfoHash>,
        /// The tracker's message.
        reason: String,
    },
}

impl ClientMessage {
    /// Parses a text message, as a tracker does.
    ///
    /// # Errors
    /// [`TrackerError::Json`] naming what is missing or malformed.
    pub fn parse(text: &str) -> Result<Self, TrackerError> {
        let message = Fields::parse(text)?;
        match message.str("action")? {
            "announce" if message.has("answer") => {
                let (info_hash, peer_id, offer_id, sdp) = message.relayed("answer")?;
                Ok(Self::Answer {
                    info_hash,
                    peer_id,
                    to_peer_id: PeerId(message.id("to_peer_id")?),
                    offer_id,
                    sdp,
                })
            }
            "announce" => Ok(Self::Announce {
                info_hash: InfoHash(message.id("info_hash")?),
                peer_id: PeerId(message.id("peer_id")?),
                uploaded: message.optional_u64("uploaded")?.unwrap_or(0),
                downloaded: message.optional_u64("downloaded")?.unwrap_or(0),
                left: message.optional_u64("left")?,
                event: message.event()?,
                num_want: message.optional_u32("numwant")?,
                offers: message.offers()?,
            }),
            "scrape" => Ok(Self::Scrape {
                info_hashes: message.scrape_hashes()?,
            }),
            other => Err(unknown_action(other)),
        }
    }

    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        let value = match self {
            Self::Announce {
                info_hash,
                peer_id,
                uploaded,
                downloaded,
                left,
                event,
                num_want,
                offers,
            } => {
                let mut message = json!({
                    "action": "announce",
                    "info_hash": latin1(info_hash.as_bytes()),
                    "peer_id": latin1(peer_id.as_bytes()),
                    "uploaded": uploaded,
                    "downloaded": downloaded,
                    "left": left,
                    "offers": offers.iter().map(|offer| json!({
                        "offer": { "type": "offer", "sdp": offer.sdp },
                        "offer_id": latin1(&offer.offer_id),
                    })).collect::<Vec<_>>(),
                });
                if let Some(event) = event.name() {
                    message["event"] = event.into();
                }
                if let Some(num_want) = num_want {
                    message["numwant"] = (*num_want).into();
                }
                message
            }
            Self::Answer {
                info_hash,
                peer_id,
                to_peer_id,
                offer_id,
                sdp,
            } => {
                let mut message = relayed(info_hash, peer_id, offer_id, "answer", sdp);
                message["to_peer_id"] = latin1(to_peer_id.as_bytes()).into();
                message
            }
            Self::Scrape { info_hashes } => json!({
                "action": "scrape",
                "info_hash": info_hashes.iter().map(|hash| latin1(hash.as_bytes())).collect::<Vec<_>>(),
            }),
        };
        value.to_string()
    }
}

impl TrackerMessage {
    /// Parses a text message from a tracker.
    ///
    /// # Errors
    /// [`TrackerError::Json`] naming what is missing or malformed.
    pub fn parse(text: &str) -> Result<Self, TrackerError> {
        let message = Fields::parse(text)?;
        if message.has("failure reason") {
            return Ok(Self::Failure {
                info_hash: message.optional_id("info_hash")?.map(InfoHash),
                reason: message.str("failure reason")?.to_owned(),
            });
        }
        match message.str("action")? {
            "announce" if message.has("offer") => {
                let (info_hash, from, offer_id, sdp) = message.relayed("offer")?;
                Ok(Self::Offer {
                    info_hash,
                    from,
                    offer_id,
                    sdp,
                })
            }
            "announce" if message.has("answer") => {
                let (info_hash, from, offer_id, sdp) = message.relayed("answer")?;
                Ok(Self::Answer {
                    info_hash,
                    from,
                    offer_id,
                    sdp,
                })
            }
            "announce" => Ok(Self::AnnounceResponse {
                info_hash: InfoHash(message.id("info_hash")?),
                interval: message
                    .optional_u32("interval")?
                    .ok_or_else(|| json_error("`interval` is missing"))?,
                seeders: message.optional_u32("complete")?,
                leechers: message.optional_u32("incomplete")?,
                warning: message.optional_str("warning message")?.map(str::to_owned),
            }),
            "scrape" => Ok(Self::ScrapeResponse {
                files: message.scrape_files()?,
            }),
            other => Err(unknown_action(other)),
        }
    }

    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        let value = match self {
            Self::AnnounceResponse {
                info_hash,
                interval,
                seeders,
                leechers,
                warning,
            } => {
                let mut message = json!({
                    "action": "announce",
                    "info_hash": latin1(info_hash.as_bytes()),
                    "interval": interval,
                });
                if let Some(seeders) = seeders {
                    message["complete"] = (*seeders).into();
                }
                if let Some(leechers) = leechers {
                    message["incomplete"] = (*leechers).into();
                }
                if let Some(warning) = warning {
                    message["warning message"] = warning.as_str().into();
                }
                message
            }
            Self::Offer {
                info_hash,
                from,
                offer_id,
                sdp,
            } => relayed(info_hash, from, offer_id, "offer", sdp),
            Self::Answer {
                info_hash,
                from,
                offer_id,
                sdp,
            } => relayed(info_hash, from, offer_id, "answer", sdp),
            Self::ScrapeResponse { files } => {
                let files: Map<String, Value> = files
                    .iter()
                    .map(|(hash, stats)| {
                        let counts = json!({
                            "complete": stats.seeders,
                            "downloaded": stats.completed,
                            "incomplete": stats.leechers,
                        });
                        (latin1(hash.as_bytes()), counts)
                    })
                    .collect();
                json!({ "action": "scrape", "files": files })
            }
            Self::Failure { info_hash, reason } => {
                let mut message = json!({ "failure reason": reason });
                if let Some(info_hash) = info_hash {
                    message["info_hash"] = latin1(info_hash.as_bytes()).into();
                }
                message
            }
        };
        value.to_string()
    }
}

/// The top-level object of a message, with typed access to its fields.
struct Fields(Map<String, Value>);

impl Fields {
    fn parse(text: &str) -> Result<Self, TrackerError> {
        if text.len() > MAX_MESSAGE_LEN {
            return Err(json_error(format!(
                "message is {} bytes, over the limit of {MAX_MESSAGE_LEN}",
                text.len()
            )));
        }
        match serde_json::from_str(text) {
            Ok(Value::Object(fields)) => Ok(Self(fields)),
            Ok(_) => Err(json_error("not a JSON object")),
            Err(error) => Err(json_error(error.to_string())),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.0.get(key).is_some_and(|value| !value.is_null())
    }

    fn str(&self, key: &str) -> Result<&str, TrackerError> {
        self.optional_str(key)?
            .ok_or_else(|| json_error(format!("`{key}` is missing")))
    }

    fn optional_str(&self, key: &str) -> Result<Option<&str>, TrackerError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(json_error(format!("`{key}` is not a string"))),
        }
    }

    fn id(&self, key: &str) -> Result<[u8; 20], TrackerError> {
        self.optional_id(key)?
            .ok_or_else(|| json_error(format!("`{key}` is missing")))
    }

    fn optional_id(&self, key: &str) -> Result<Option<[u8; 20]>, TrackerError> {
        self.optional_str(key)?
            .map(|text| from_latin1(text).ok_or_else(|| bad_id(key)))
            .transpose()
    }

    fn optional_u64(&self, key: &str) -> Result<Option<u64>, TrackerError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| json_error(format!("`{key}` is not a non-negative integer"))),
        }
    }

    fn optional_u32(&self, key: &str) -> Result<Option<u32>, TrackerError> {
        self.optional_u64(key)?
            .map(|value| {
                u32::try_from(value).map_err(|_| json_error(format!("`{key}` is out of range")))
            })
            .transpose()
    }

    fn event(&self) -> Result<AnnounceEvent, TrackerError> {
        match self.optional_str("event")? {
            None | Some("update") => Ok(AnnounceEvent::None),
            Some(name) => AnnounceEvent::from_name(name)
                .ok_or_else(|| json_error("`event` is not a known event")),
        }
    }

    /// The fields of an offer or answer on its way between two peers; the
    /// description sits under its kind, `{"type": kind, "sdp": "..."}`.
    fn relayed(&self, kind: &str) -> Result<(InfoHash, PeerId, OfferId, String), TrackerError> {
        let description = self.0.get(kind).and_then(Value::as_object);
        let sdp = sdp_of(description, kind)
            .ok_or_else(|| json_error(format!("`{kind}` is not an {kind}")))?;
        Ok((
            InfoHash(self.id("info_hash")?),
            PeerId(self.id("peer_id")?),
            self.id("offer_id")?,
            sdp,
        ))
    }

    fn offers(&self) -> Result<Vec<Offer>, TrackerError> {
        let offers = match self.0.get("offers") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(offers)) => offers,
            Some(_) => return Err(json_error("`offers` is not an array")),
        };
        if offers.len() > MAX_OFFERS {
            return Err(json_error(format!(
                "{} offers, over the limit of {MAX_OFFERS}",
                offers.len()
            )));
        }
        offers
            .iter()
            .map(|offer| {
                let offer = offer.as_object();
                let offer_id = offer
                    .and_then(|offer| offer.get("offer_id"))
                    .and_then(Value::as_str)
                    .and_then(from_latin1)
                    .ok_or_else(|| bad_id("offer_id"))?;
                let description = offer
                    .and_then(|offer| offer.get("offer"))
                    .and_then(Value::as_object);
                let sdp = sdp_of(description, "offer")
                    .ok_or_else(|| json_error("`offer` is not an offer"))?;
                Ok(Offer { offer_id, sdp })
            })
            .collect()
    }

    /// `info_hash`: one id, or an array of them.
    fn scrape_hashes(&self) -> Result<Vec<InfoHash>, TrackerError> {
        let hashes: Vec<&Value> = match self.0.get("info_hash") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(hashes)) => hashes.iter().collect(),
            Some(hash) => vec![hash],
        };
        if hashes.len() > MAX_SCRAPE_HASHES {
            return Err(TrackerError::TooManyInfoHashes {
                count: hashes.len(),
                max: MAX_SCRAPE_HASHES,
            });
        }
        hashes
            .into_iter()
            .map(|hash| {
                hash.as_str()
                    .and_then(from_latin1)
                    .map(InfoHash)
                    .ok_or_else(|| bad_id("info_hash"))
            })
            .collect()
    }

    fn scrape_files(&self) -> Result<Vec<(InfoHash, ScrapeStats)>, TrackerError> {
        let files = match self.0.get("files") {
            Some(Value::Object(files)) => files,
            _ => return Err(json_error("`files` is not an object")),
        };
        let mut entries = files
            .iter()
            .map(|(hash, counts)| {
                let hash = from_latin1(hash).ok_or_else(|| bad_id("files"))?;
                let counts = Fields(counts.as_object().cloned().unwrap_or_default());
                let count = |key: &str| {
                    counts
                        .optional_u32(key)?
                        .ok_or_else(|| json_error(format!("`{key}` is missing")))
                };
                let stats = ScrapeStats {
                    seeders: count("complete")?,
                    completed: count("downloaded")?,
                    leechers: count("incomplete")?,
                };
                Ok((InfoHash(hash), stats))
            })
            .collect::<Result<Vec<_>, TrackerError>>()?;
        entries.sort_by_key(|(hash, _)| *hash);
        Ok(entries)
    }
}

/// An offer or answer as it travels between two peers.
fn relayed(
    info_hash: &InfoHash,
    peer_id: &PeerId,
    offer_id: &OfferId,
    kind: &str,
    sdp: &str,
) -> Value {
    let mut message = json!({
        "action": "announce",
        "info_hash": latin1(info_hash.as_bytes()),
        "peer_id": latin1(peer_id.as_bytes()),
        "offer_id": latin1(offer_id),
    });
    message[kind] = json!({ "type": kind, "sdp": sdp });
    message
}

fn sdp_of(description: Option<&Map<String, Value>>, kind: &str) -> Option<String> {
    let description = description?;
    let right_kind = description.get("type").and_then(Value::as_str) == Some(kind);
    let sdp = description.get("sdp").and_then(Value::as_str)?;
    right_kind.then(|| sdp.to_owned())
}

/// Each byte as the character of the same number.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().copied().map(char::from).collect()
}

/// Exactly 20 characters, each U+0000 to U+00FF.
fn from_latin1(text: &str) -> Option<[u8; 20]> {
    let mut id = [0u8; 20];
    let mut chars = text.chars();
    for byte in &mut id {
        *byte = u8::try_from(u32::from(chars.next()?)).ok()?;
    }
    chars.next().is_none().then_some(id)
}

fn unknown_action(action: &str) -> TrackerError {
    TrackerError::UnknownAction {
        action: action.to_owned(),
    }
}

fn bad_id(key: &str) -> TrackerError {
    json_error(format!("`{key}` is not 20 latin-1 characters"))
}

fn json_error(reason: impl Into<String>) -> TrackerError {
    TrackerError::Json {
        reason: reason.into(),
    }
}
