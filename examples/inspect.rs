//! Prints the structure of a bencoded file (a `.torrent`, a tracker
//! response, a DHT message) after torrent-wire's strict checks.
//!
//! ```sh
//! cargo run --release --example inspect -- FILE   # a file of yours
//! cargo run --release --example inspect           # a built-in sample
//! ```
//!
//! Input that is not canonical bencode is refused with the reason and the
//! byte offset, and the program exits with status 1.

use std::process::ExitCode;

use torrent_wire::bencode::{self, Encoder, Kind, Limits, Value};

/// Byte strings longer than this are summarised, not printed.
const SHOWN_BYTES: usize = 64;

fn main() -> ExitCode {
    let input = match std::env::args_os().nth(1) {
        Some(path) => match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("cannot read {}: {error}", path.to_string_lossy());
                return ExitCode::FAILURE;
            }
        },
        None => sample_torrent(),
    };
    match bencode::decode(&input, &Limits::METAINFO) {
        Ok(document) => {
            let mut out = String::new();
            render(document.root(), 0, &mut out);
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("not canonical bencode: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A small single-file torrent, written with torrent-wire's encoder.
fn sample_torrent() -> Vec<u8> {
    bencode::to_vec(|encoder: Encoder<'_, Vec<u8>>| {
        encoder.dict(|torrent| {
            torrent.bytes(b"announce", b"udp://127.0.0.1:6969/announce");
            torrent.entry(b"info").dict(|info| {
                info.int(b"length", 49_152)
                    .bytes(b"name", b"sample.bin")
                    .int(b"piece length", 16_384)
                    .bytes(b"pieces", &[0xab; 60]);
            });
        });
    })
}

/// Appends `value` to `out` as an indented tree.
fn render(value: Value<'_, '_>, depth: usize, out: &mut String) {
    match value.kind() {
        Kind::Int(int) => out.push_str(&format!("{int}\n")),
        Kind::Bytes(bytes) => out.push_str(&format!("{}\n", describe_bytes(bytes))),
        Kind::List(list) => {
            out.push_str(&format!("list of {}\n", list.len()));
            for item in list.iter() {
                indent(depth + 1, out);
                out.push_str("- ");
                render(item, depth + 1, out);
            }
        }
        Kind::Dict(dict) => {
            out.push_str(&format!("dict of {}\n", dict.entries().len()));
            for (key, item) in dict.entries() {
                indent(depth + 1, out);
                out.push_str(&format!("{}: ", String::from_utf8_lossy(key)));
                render(item, depth + 1, out);
            }
        }
    }
}

fn indent(depth: usize, out: &mut String) {
    out.extend(std::iter::repeat_n("  ", depth));
}

/// Text as a quoted string; binary (piece hashes, compact peers) as a
/// length and the first bytes in hex.
fn describe_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.len() <= SHOWN_BYTES && !text.chars().any(char::is_control) => {
            format!("{text:?}")
        }
        _ => {
            let shown = &bytes[..bytes.len().min(SHOWN_BYTES / 4)];
            let hex: String = shown.iter().map(|byte| format!("{byte:02x}")).collect();
            let more = if shown.len() < bytes.len() { "…" } else { "" };
            format!("<{} bytes: {hex}{more}>", bytes.len())
        }
    }
}
