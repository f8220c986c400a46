//! Internals exposed to the fuzz targets in `fuzz/` (built with `--cfg fuzzing`).

use crate::bencode::{self, Encoder, Kind, Limits, Value};
use crate::error::BencodeError;

/// The strict scan alone, without building a tree.
pub fn bencode_scan(input: &[u8], limits: &Limits) -> Result<(), BencodeError> {
    bencode::validate::validate(input, limits)
}

/// Re-encodes a decoded value by walking its tree, not by copying its span.
pub fn reencode(value: Value<'_, '_>) -> Vec<u8> {
    fn walk<B: bytes::BufMut>(value: Value<'_, '_>, encoder: Encoder<'_, B>) {
        match value.kind() {
            Kind::Int(int) => encoder.int(int),
            Kind::Bytes(bytes) => encoder.bytes(bytes),
            Kind::List(list) => {
                encoder.list(|out| list.iter().for_each(|item| walk(item, out.push())))
            }
            Kind::Dict(dict) => encoder.dict(|out| {
                dict.entries()
                    .for_each(|(key, item)| walk(item, out.entry(key)))
            }),
        }
    }
    bencode::to_vec(|encoder| walk(value, encoder))
}
