//! Encoding metainfo as canonical bencode.

use bytes::{BufMut, Bytes};

use super::{Info, InfoFields, Metainfo};
use crate::bencode::{self, DictEncoder};

impl Metainfo {
    /// The `.torrent` file, canonical bencode.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.info.raw.len() + 256);
        self.encode(&mut out);
        out
    }

    /// Writes the `.torrent` file into `out`. The info dictionary is copied
    /// byte for byte, so the info-hash never changes.
    pub fn encode(&self, out: &mut impl BufMut) {
        bencode::Encoder::new(out).dict(|dict| {
            if let Some(announce) = &self.announce {
                dict.bytes(b"announce", announce.as_bytes());
            }
            if !self.announce_list.is_empty() {
                dict.entry(b"announce-list").list(|tiers| {
                    for tier in &self.announce_list {
                        tiers.push().list(|urls| push_strings(urls, tier));
                    }
                });
            }
            optional_text(dict, b"comment", self.comment.as_deref());
            optional_text(dict, b"created by", self.created_by.as_deref());
            if let Some(date) = self.creation_date {
                dict.int(b"creation date", date);
            }
            dict.entry(b"info").raw(&self.info.raw);
            // BEP 19 allows both forms; one seed as a string is what
            // mktorrent and libtorrent write.
            match self.web_seeds.as_slice() {
                [] => {}
                [seed] => {
                    dict.bytes(b"url-list", seed.as_bytes());
                }
                seeds => dict
                    .entry(b"url-list")
                    .list(|urls| push_strings(urls, seeds)),
            }
        });
    }
}

impl Info {
    /// Encodes `fields`, content already laid out and hashed, as a new
    /// info dictionary.
    pub(super) fn encode_new(fields: InfoFields) -> Self {
        let raw = bencode::to_vec(|encoder| {
            encoder.dict(|dict| {
                if fields.multi_file {
                    dict.entry(b"files").list(|list| {
                        for file in &fields.files {
                            list.push().dict(|entry| {
                                entry.int(b"length", signed(file.length));
                                // The first component is the torrent's name.
                                entry.entry(b"path").list(|path| {
                                    for component in file.path.components().skip(1) {
                                        path.push().bytes(component.as_bytes());
                                    }
                                });
                            });
                        }
                    });
                } else {
                    dict.int(b"length", signed(fields.total_length));
                }
                dict.bytes(b"name", fields.name.as_bytes());
                dict.int(b"piece length", i64::from(fields.piece_length));
                dict.bytes(b"pieces", &fields.pieces);
                if fields.private {
                    dict.int(b"private", 1);
                }
            });
        });
        Self::seal(fields, Bytes::from(raw))
    }
}

/// Lengths come from `u64` file sizes; bencode integers are `i64`, and no
/// file system holds a file of 2^63 bytes.
fn signed(length: u64) -> i64 {
    i64::try_from(length).unwrap_or(i64::MAX)
}

fn push_strings<B: BufMut>(list: &mut bencode::ListEncoder<'_, B>, items: &[String]) {
    for item in items {
        list.push().bytes(item.as_bytes());
    }
}

fn optional_text<B: BufMut>(dict: &mut DictEncoder<'_, B>, key: &[u8], text: Option<&str>) {
    if let Some(text) = text {
        dict.bytes(key, text.as_bytes());
    }
}
