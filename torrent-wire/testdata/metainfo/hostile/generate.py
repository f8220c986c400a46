#!/usr/bin/env python3
"""Writes the hostile .torrent corpus next to this script.

Each file breaks exactly one rule; tests/metainfo.rs names the error each
must produce. Run it again after adding a case: python3 generate.py
"""
import hashlib
import os


def bencode(value):
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        keys = sorted(k.encode() if isinstance(k, str) else k for k in value)
        items = {(k.encode() if isinstance(k, str) else k): v for k, v in value.items()}
        return b"d" + b"".join(bencode(k) + bencode(items[k]) for k in keys) + b"e"
    raise TypeError(value)


def pieces(count):
    return b"".join(hashlib.sha1(b"%d" % i).digest() for i in range(count))


def single(**info):
    base = {"name": "file.bin", "piece length": 16384, "length": 40000, "pieces": pieces(3)}
    base.update(info)
    return {k: v for k, v in base.items() if v is not None}


def multi(files, **info):
    base = {"name": "dir", "piece length": 16384, "files": files, "pieces": pieces(1)}
    base.update(info)
    return base


def file(path, length=100):
    return {"length": length, "path": path}


CASES = {
    "path_dot_dot": multi([file(["..", "evil"])]),
    "path_dot": multi([file([".", "a"])]),
    "path_absolute": multi([file(["/etc/passwd"])]),
    "path_backslash": multi([file(["..\\evil"])]),
    "path_nul": multi([file(["a\0b"])]),
    "path_empty_component": multi([file(["a", ""])]),
    "path_no_components": multi([file([])]),
    "path_not_utf8": multi([file([b"\xff\xfe"])]),
    "path_not_strings": multi([file([1])]),
    "name_dot_dot": single(name=".."),
    "name_with_separator": single(name="a/b"),
    "name_empty": single(name=""),
    "pieces_not_hashes": single(pieces=pieces(3)[:59]),
    "pieces_too_few": single(pieces=pieces(2)),
    "pieces_too_many": single(pieces=pieces(4)),
    "piece_length_not_power_of_two": single(**{"piece length": 20000}),
    "piece_length_zero": single(**{"piece length": 0}),
    "piece_length_negative": single(**{"piece length": -16384}),
    "piece_length_too_small": single(**{"piece length": 8192}, pieces=pieces(5)),
    "piece_length_too_large": single(**{"piece length": 1 << 29}, pieces=pieces(1)),
    "length_negative": single(length=-1),
    "length_and_files": single(files=[file(["a"])]),
    "neither_length_nor_files": single(length=None),
    "files_empty": multi([]),
    "files_not_dicts": multi([1]),
    "files_duplicate": multi([file(["a"]), file(["a"])], pieces=pieces(1)),
    "file_is_a_directory_of_another": multi([file(["a"]), file(["a", "b"])]),
    "total_length_zero": multi([file(["a"], 0)], pieces=b""),
    "total_length_overflow": multi([file(["a"], (1 << 63) - 1), file(["b"], 1)]),
    "private_two": single(private=2),
}

ROOTS = {
    "root_not_a_dictionary": [1, 2],
    "info_not_a_dictionary": {"info": [1]},
    "info_missing": {"announce": "http://127.0.0.1:6969/announce"},
    "announce_list_not_tiers": {"announce-list": ["http://127.0.0.1/"], "info": single()},
    "url_list_integer": {"info": single(), "url-list": 7},
}

here = os.path.dirname(os.path.abspath(__file__))
for name, info in CASES.items():
    with open(os.path.join(here, name + ".torrent"), "wb") as out:
        out.write(bencode({"info": info}))
for name, root in ROOTS.items():
    with open(os.path.join(here, name + ".torrent"), "wb") as out:
        out.write(bencode(root))
valid = bencode({"info": single()})
with open(os.path.join(here, "truncated.torrent"), "wb") as out:
    out.write(valid[:-7])
with open(os.path.join(here, "info_keys_unsorted.torrent"), "wb") as out:
    out.write(valid.replace(b"6:lengthi40000e4:name8:file.bin", b"4:name8:file.bin6:lengthi40000e"))
