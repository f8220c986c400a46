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

# WebSocket (bittorrent-tracker JSON): <direction>_<case>.json, where the
# direction says which parser reads it.
import json

H = "\u00ab" * 10 + "0123456789"
P = "-WW0208-" + "\u00ff\u0000" * 6
OFFER = {"offer": {"type": "offer", "sdp": "x"}, "offer_id": H}
BASE = {"action": "announce", "info_hash": H, "peer_id": P}
WEBSOCKET = {
    "client_not_json": '{"action":"announce",',
    "client_not_an_object": '["announce"]',
    "client_action_missing": {"info_hash": H},
    "client_action_unknown": {"action": "ping"},
    "client_info_hash_19_chars": {**BASE, "info_hash": H[:19]},
    "client_info_hash_not_latin1": {**BASE, "info_hash": "\u0100" + H[1:]},
    "client_peer_id_number": {**BASE, "peer_id": 7},
    "client_uploaded_negative": {**BASE, "uploaded": -1},
    "client_numwant_too_large": {**BASE, "numwant": 2**32},
    "client_event_unknown": {**BASE, "event": "paused"},
    "client_offers_not_array": {**BASE, "offers": {}},
    "client_offers_51": {**BASE, "offers": [OFFER] * 51},
    "client_offer_is_answer": {**BASE, "offers": [{**OFFER, "offer": {"type": "answer", "sdp": "x"}}]},
    "client_answer_without_to_peer_id": {**BASE, "offer_id": H, "answer": {"type": "answer", "sdp": "x"}},
    "client_scrape_75_hashes": {"action": "scrape", "info_hash": [H] * 75},
    "client_too_long": {"action": "announce", "pad": "x" * (256 * 1024)},
    "tracker_response_interval_missing": {"action": "announce", "info_hash": H},
    "tracker_relayed_offer_without_sdp": {**BASE, "offer_id": H, "offer": {"type": "offer"}},
    "tracker_scrape_files_not_object": {"action": "scrape", "files": []},
    "tracker_scrape_counts_missing": {"action": "scrape", "files": {H: {"complete": 1}}},
    "tracker_failure_reason_number": {"failure reason": 5},
}
for name, message in WEBSOCKET.items():
    text = message if isinstance(message, str) else json.dumps(message)
    with open(os.path.join(here, "websocket", name + ".json"), "w", encoding="utf-8") as out:
        out.write(text)
