//! Canonical bencode written straight into the caller's buffer.
//!
//! `bip_bencode` encodes by building a tree and returning a fresh `Vec`; the
//! wire encoders here run per message, so they write in place instead.

use bytes::BufMut;

/// Writes one bencoded value into `out`.
pub struct Encoder<'o, B: BufMut> {
    out: &'o mut B,
}

/// Writes the elements of a list; see [`Encoder::list`].
pub struct ListEncoder<'o, B: BufMut> {
    out: &'o mut B,
}

/// Writes the entries of a dictionary, keys in ascending byte order; see
/// [`Encoder::dict`].
pub struct DictEncoder<'o, B: BufMut> {
    out: &'o mut B,
    #[cfg(debug_assertions)]
    last_key: Option<Vec<u8>>,
}

impl<'o, B: BufMut> Encoder<'o, B> {
    /// An encoder that appends to `out`.
    pub fn new(out: &'o mut B) -> Self {
        Self { out }
    }

    /// Writes an integer.
    pub fn int(self, value: i64) {
        self.out.put_u8(b'i');
        put_decimal(self.out, value.unsigned_abs(), value < 0);
        self.out.put_u8(b'e');
    }

    /// Writes a byte string.
    pub fn bytes(self, value: &[u8]) {
        put_decimal(self.out, value.len() as u64, false);
        self.out.put_u8(b':');
        self.out.put_slice(value);
    }

    /// Writes `value`, which must already be one canonical bencoded value
    /// (a span taken from a decoded document).
    pub(crate) fn raw(self, value: &[u8]) {
        self.out.put_slice(value);
    }

    /// Writes a list whose elements `fill` writes.
    pub fn list(self, fill: impl FnOnce(&mut ListEncoder<'_, B>)) {
        self.out.put_u8(b'l');
        fill(&mut ListEncoder { out: self.out });
        self.out.put_u8(b'e');
    }

    /// Writes a dictionary whose entries `fill` writes in key order.
    pub fn dict(self, fill: impl FnOnce(&mut DictEncoder<'_, B>)) {
        self.out.put_u8(b'd');
        fill(&mut DictEncoder {
            out: self.out,
            #[cfg(debug_assertions)]
            last_key: None,
        });
        self.out.put_u8(b'e');
    }
}

impl<B: BufMut> ListEncoder<'_, B> {
    /// The encoder for the next element.
    pub fn push(&mut self) -> Encoder<'_, B> {
        Encoder { out: self.out }
    }
}

impl<B: BufMut> DictEncoder<'_, B> {
    /// Writes `key` and returns the encoder for its value.
    ///
    /// Keys must come in strictly ascending byte order (checked in debug
    /// builds), which keeps the output canonical.
    pub fn entry(&mut self, key: &[u8]) -> Encoder<'_, B> {
        #[cfg(debug_assertions)]
        {
            debug_assert!(
                self.last_key.as_deref().is_none_or(|last| last < key),
                "bencode dictionary keys out of order"
            );
            self.last_key = Some(key.to_vec());
        }
        Encoder {
            out: &mut *self.out,
        }
        .bytes(key);
        Encoder { out: self.out }
    }

    /// Writes an integer entry.
    pub fn int(&mut self, key: &[u8], value: i64) -> &mut Self {
        self.entry(key).int(value);
        self
    }

    /// Writes a byte-string entry.
    pub fn bytes(&mut self, key: &[u8], value: &[u8]) -> &mut Self {
        self.entry(key).bytes(value);
        self
    }
}

fn put_decimal(out: &mut impl BufMut, mut magnitude: u64, negative: bool) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if negative {
        out.put_u8(b'-');
    }
    out.put_slice(&digits[start..]);
}
