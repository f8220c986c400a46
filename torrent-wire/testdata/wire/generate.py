#!/usr/bin/env python3
"""Writes the hostile peer-wire corpus next to this script; tests/wire.rs
names the error each file must produce. The prefix says which decoder reads
a file: frame_ and bitfield_ the codec, handshake_ the handshake, extended_,
metadata_ and pex_ the payload decoders. Run: python3 generate.py"""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def frame(message_id, payload=b""):
    return struct.pack(">IB", 1 + len(payload), message_id) + payload


HANDSHAKE = b"\x13BitTorrent protocol" + bytes(8) + b"\xaa" * 20 + b"-OS0001-abcdefghijkl"

CORPUS = {
    "frame_length_4gib": b"\xff\xff\xff\xff",
    "frame_length_over_max": struct.pack(">I", 256 * 1024 + 1) + b"\x07",
    "frame_have_short": frame(4, b"\x00\x00\x01"),
    "frame_request_long": frame(6, bytes(13)),
    "frame_piece_short": frame(7, b"\x00\x00\x00\x01"),
    "frame_choke_with_payload": frame(0, b"\x00"),
    "frame_port_long": frame(9, b"\x1a\xe1\x00"),
    "frame_have_all_with_payload": frame(14, b"\x01"),
    "frame_extended_without_id": frame(20),
    "frame_truncated_request": frame(6, bytes(12))[:9],
    "handshake_wrong_protocol": HANDSHAKE.replace(b"protocol", b"protocoX"),
    "handshake_pstr_len_20": b"\x14" + HANDSHAKE[1:],
    "handshake_http": b"GET / HTTP/1.1\r\n\r\n",
    "handshake_truncated": HANDSHAKE[:40],
    # Read for a torrent of 10 pieces: two bytes, six spare bits.
    "bitfield_spare_bits": frame(5, b"\xff\xff"),
    "bitfield_wrong_length": frame(5, b"\xff\xc0\x00"),
    "extended_non_canonical_int": b"d1:md11:ut_metadatai+3eee",
    "extended_unsorted_keys": b"d1:v1:x1:mdee",
    "extended_not_a_dictionary": b"li1ee",
    "extended_id_too_large": b"d1:md6:ut_pexi256eee",
    "extended_m_wrong_type": b"d1:mli1eee",
    "extended_yourip_three_bytes": b"d6:yourip3:abce",
    "extended_truncated": b"d1:md",
    "extended_nesting_deep": b"d1:x" + b"l" * 10000 + b"e" * 10000 + b"e",
    "metadata_total_size_4gib": b"d8:msg_typei1e5:piecei0e10:total_sizei4294967296ee" + bytes(16),
    "metadata_data_short": b"d8:msg_typei1e5:piecei0e10:total_sizei20000ee" + bytes(100),
    "metadata_piece_past_end": b"d8:msg_typei1e5:piecei1e10:total_sizei100ee" + bytes(100),
    "metadata_unknown_type": b"d8:msg_typei3e5:piecei0ee",
    "metadata_missing_piece": b"d8:msg_typei0ee",
    "metadata_negative_piece": b"d8:msg_typei0e5:piecei-1ee",
    "pex_partial_entry": b"d5:added5:\x7f\x00\x00\x01\x1ae",
    "pex_flags_mismatch": b"d5:added6:\x7f\x00\x00\x01\x1a\xe17:added.f2:\x00\x00e",
    "pex_dropped6_partial": b"d8:dropped617:" + bytes(17) + b"e",
}

for name, data in CORPUS.items():
    with open(os.path.join(here, name + ".bin"), "wb") as out:
        out.write(data)
