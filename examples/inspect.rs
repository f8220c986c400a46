//! Inspects BitTorrent data with torrent-wire's strict parsers: a
//! `.torrent` file (validated metainfo: info-hash, files, trackers, its
//! magnet link), a magnet link, or any other bencoded file (a tracker
//! response, a DHT message) as a tree.
//!
//! ```sh
//! cargo run --release --example inspect -- FILE          # a file of yours
//! cargo run --release --example inspect -- 'magnet:?…'   # a magnet link
//! cargo run --release --example inspect                  # a built-in sample torrent
//! ```
//!
//! Input that is not canonical bencode, or a torrent that fails
//! validation, is refused with the reason, and the program exits with
//! status 1.

use std::process::ExitCode;

use torrent_wire::bencode::{self, Kind, Limits, Value};
use torrent_wire::magnet::MagnetLink;
use torrent_wire::metainfo::{FilePath, Metainfo, TorrentBuilder};

/// Byte strings longer than this are summarised, not printed.
const SHOWN_BYTES: usize = 64;

const USAGE: &str = "usage: inspect [FILE | MAGNET-LINK]
  FILE         a .torrent file or any bencoded file, validated and printed
  MAGNET-LINK  a magnet link ('magnet:?xt=urn:btih:...'), parsed and printed
  (none)       a built-in sample torrent
";

fn main() -> ExitCode {
    let report = match std::env::args().nth(1) {
        Some(flag) if flag == "-h" || flag == "--help" => Ok(USAGE.to_owned()),
        Some(link) if link.starts_with("magnet:") => inspect_magnet(&link),
        Some(path) => match std::fs::read(&path) {
            Ok(bytes) => inspect_bencode(&bytes),
            Err(error) => Err(format!("cannot read {path}: {error}")),
        },
        None => sample_torrent()
            .map(|torrent| describe_torrent(&torrent))
            .map_err(|error| error.to_string()),
    };
    match report {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("{reason}");
            ExitCode::FAILURE
        }
    }
}

/// A torrent when the bytes are one, otherwise the bencode tree.
fn inspect_bencode(bytes: &[u8]) -> Result<String, String> {
    let document = bencode::decode(bytes, &Limits::METAINFO)
        .map_err(|error| format!("not canonical bencode: {error}"))?;
    let root = document.root();
    let looks_like_torrent = root
        .as_dict()
        .is_some_and(|dict| dict.get(b"info").is_some());
    if looks_like_torrent {
        let torrent =
            Metainfo::from_bytes(bytes).map_err(|error| format!("not a valid torrent: {error}"))?;
        return Ok(describe_torrent(&torrent));
    }
    let mut out = String::new();
    render(root, 0, &mut out);
    Ok(out)
}

fn inspect_magnet(link: &str) -> Result<String, String> {
    let magnet: MagnetLink = link
        .parse()
        .map_err(|error| format!("not a magnet link: {error}"))?;
    let mut out = format!("info-hash  {}\n", magnet.info_hash.to_hex());
    if let Some(name) = &magnet.display_name {
        out.push_str(&format!("name       {name}\n"));
    }
    if let Some(length) = magnet.exact_length {
        out.push_str(&format!("length     {length} bytes\n"));
    }
    for tracker in &magnet.trackers {
        out.push_str(&format!("tracker    {tracker}\n"));
    }
    for peer in &magnet.peers {
        out.push_str(&format!("peer       {peer}\n"));
    }
    for (key, value) in &magnet.other {
        out.push_str(&format!("{key:<10} {value}\n"));
    }
    Ok(out)
}

fn describe_torrent(torrent: &Metainfo) -> String {
    let info = torrent.info();
    let mut out = format!(
        "name       {}\ninfo-hash  {}\nlength     {} bytes in {} file(s)\n\
         pieces     {} of {} KiB{}\n",
        info.name(),
        torrent.info_hash().to_hex(),
        info.total_length(),
        info.files().len(),
        info.piece_count(),
        info.piece_length() / 1024,
        if info.is_private() { ", private" } else { "" },
    );
    for file in info.files() {
        out.push_str(&format!(
            "file       {} ({} bytes)\n",
            file.path, file.length
        ));
    }
    for tracker in torrent.trackers() {
        out.push_str(&format!("tracker    {tracker}\n"));
    }
    for seed in &torrent.web_seeds {
        out.push_str(&format!("web seed   {seed}\n"));
    }
    out.push_str(&format!(
        "magnet     {}\n",
        MagnetLink::from_metainfo(torrent)
    ));
    out
}

/// A small two-file torrent, made from content in memory.
fn sample_torrent() -> Result<Metainfo, Box<dyn std::error::Error>> {
    let notes = b"Lookups travel through onion circuits; pieces flow directly.\n".repeat(300);
    let data: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let files = [
        (FilePath::new(["notes.txt"])?, &notes[..]),
        (FilePath::new(["data", "sample.bin"])?, &data[..]),
    ];
    let torrent = TorrentBuilder::new(32 * 1024)?
        .tracker("udp://127.0.0.1:6969/announce")
        .created_by("onionswarm inspect")
        .multi_file("sample", &files)?;
    Ok(torrent)
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
