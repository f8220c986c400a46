#!/usr/bin/env python3
"""Writes the hostile tracker corpus next to this script; tests/tracker.rs
names the error each file must produce. Run: python3 generate.py"""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def write(kind, name, data):
    with open(os.path.join(here, kind, name), "wb") as out:
        out.write(data)


HTTP = {
    "failure.bencode": b"d14:failure reason11:not allowed8:intervali5ee",
    "failure_not_utf8.bencode": b"d14:failure reason2:\xff\xfee",
    "not_a_dictionary.bencode": b"li1ee",
    "interval_missing.bencode": b"d5:peers0:e",
    "interval_negative.bencode": b"d8:intervali-1e5:peers0:e",
    "interval_too_large.bencode": b"d8:intervali4294967296e5:peers0:e",
    "peers_partial_entry.bencode": b"d8:intervali60e5:peers7:\x7f\x00\x00\x01\x1a\xe1\x00e",
    "peers6_partial_entry.bencode": b"d8:intervali60e5:peers0:6:peers65:\x00\x00\x00\x00\x00e",
    "peers_wrong_type.bencode": b"d8:intervali60e5:peersi3ee",
    "peer_ip_not_an_address.bencode": b"d8:intervali60e5:peersld2:ip9:localhost4:porti80eeee",
    "peer_port_too_large.bencode": b"d8:intervali60e5:peersld2:ip9:127.0.0.14:porti65536eeee",
    "peer_id_short.bencode": b"d8:intervali60e5:peersld2:ip9:127.0.0.17:peer id3:abc4:porti80eeee",
    "peer_not_a_dictionary.bencode": b"d8:intervali60e5:peersli1eee",
    "warning_not_utf8.bencode": b"d8:intervali60e5:peers0:15:warning message1:\xffe",
    "non_canonical.bencode": b"d8:intervali060e5:peers0:e",
    "scrape_files_missing.bencode": b"d8:intervali5ee",
    "scrape_hash_short.bencode": b"d5:filesd3:abcd8:completei1e10:downloadedi1e10:incompletei1eeee",
    "scrape_stats_missing.bencode": b"d5:filesd20:" + b"a" * 20 + b"d8:completei1eeee",
}
for name, data in HTTP.items():
    write("http", name, data)

header = struct.pack(">QII", 0x41727101980, 0, 1)
announce = struct.pack(">QII", 42, 1, 2) + b"h" * 20 + b"p" * 20 + struct.pack(">QQQIIIiH", 0, 0, 0, 2, 0, 0, -1, 6881)
UDP_REQUESTS = {
    "request_too_short.bin": header[:15],
    "request_bad_protocol_id.bin": struct.pack(">QII", 0x41727101981, 0, 1),
    "request_unknown_action.bin": struct.pack(">QII", 42, 9, 1),
    "request_announce_short.bin": announce[:97],
    "request_announce_bad_event.bin": announce[:80] + struct.pack(">I", 7) + announce[84:],
    "request_scrape_partial_hash.bin": struct.pack(">QII", 42, 2, 1) + b"h" * 30,
    "request_scrape_no_hash.bin": struct.pack(">QII", 42, 2, 1),
    "request_scrape_75_hashes.bin": struct.pack(">QII", 42, 2, 1) + b"h" * 20 * 75,
}
UDP_RESPONSES = {
    "response_too_short.bin": struct.pack(">I", 0) + b"\x00\x00\x00",
    "response_connect_short.bin": struct.pack(">IIQ", 0, 1, 5)[:15],
    "response_announce_short.bin": struct.pack(">IIIII", 1, 1, 60, 0, 0)[:19],
    "response_announce_partial_peer.bin": struct.pack(">IIIII", 1, 1, 60, 0, 0) + b"\x7f\x00\x00\x01\x1a",
    "response_scrape_partial_entry.bin": struct.pack(">IIII", 2, 1, 1, 2),
    "response_error_not_utf8.bin": struct.pack(">II", 3, 1) + b"\xff\xfe",
    "response_unknown_action.bin": struct.pack(">II", 4, 1),
}
for name, data in {**UDP_REQUESTS, **UDP_RESPONSES}.items():
    write("udp", name, data)
