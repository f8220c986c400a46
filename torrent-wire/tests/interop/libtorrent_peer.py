"""Drives libtorrent (Debian python3-libtorrent) as one peer of a transfer.
The Rust side runs it as `python3 -c SOURCE MODE ARGS...`.

usage: libtorrent_peer.py create TORRENT CONTENT PIECE_LENGTH
       libtorrent_peer.py seed TORRENT SAVE_DIR
       libtorrent_peer.py fetch TORRENT SAVE_DIR PEER_PORT

create  writes a v1-only .torrent of the file or directory CONTENT and
        prints {"created": INFO_HASH_HEX}.
seed    checks SAVE_DIR against TORRENT, prints {"seeding": LISTEN_PORT}
        once every piece checked out, then serves until its standard input
        closes.
fetch   connects to the peer on 127.0.0.1:PEER_PORT, prints
        {"finished": SECONDS} (from the connect to the last piece) once
        every piece is in, then rechecks the files from disk and prints
        {"rechecked": PIECES_HAVE, "pieces": PIECES, "seeding": BOOL}.

The session listens on 127.0.0.1 only, over TCP (no uTP), with DHT, LSD,
UPnP, NAT-PMP, PEX and protocol encryption off. Every wait for libtorrent
ends after DEADLINE seconds with {"error": "timeout", ...} and exit
status 2.
"""
import json
import os
import sys
import time

import libtorrent as lt

DEADLINE = 120


def report(**fields):
    print(json.dumps(fields), flush=True)


def session():
    return lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        # TCP only, like the peer under test; uTP's LEDBAT crawls on loopback.
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "in_enc_policy": int(lt.enc_policy.disabled),
        "out_enc_policy": int(lt.enc_policy.disabled),
        "alert_mask": lt.alert.category_t.status_notification
        | lt.alert.category_t.error_notification,
    })


def add(ses, torrent, save_dir):
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_dir
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    params.flags |= lt.torrent_flags.disable_pex
    return ses.add_torrent(params)


def wait_until(ses, done, what, on_alert=lambda alert: None):
    """Pumps alerts, each shown to on_alert, until done() holds; exits at
    the deadline."""
    deadline = time.monotonic() + DEADLINE
    while not done():
        if time.monotonic() > deadline:
            report(error="timeout", waiting_for=what)
            sys.exit(2)
        ses.wait_for_alert(100)
        for alert in ses.pop_alerts():
            if isinstance(alert, lt.torrent_error_alert):
                report(error="torrent", message=alert.message())
                sys.exit(1)
            on_alert(alert)


def create(torrent, content, piece_length):
    files = lt.file_storage()
    lt.add_files(files, content)
    creator = lt.create_torrent(files, int(piece_length), flags=lt.create_torrent.v1_only)
    creator.set_creator("libtorrent " + lt.__version__)
    lt.set_piece_hashes(creator, os.path.dirname(os.path.abspath(content)))
    data = lt.bencode(creator.generate())
    with open(torrent, "wb") as out:
        out.write(data)
    report(created=str(lt.torrent_info(torrent).info_hashes().v1))


def seed(torrent, save_dir):
    ses = session()
    handle = add(ses, torrent, save_dir)
    wait_until(ses, lambda: handle.status().is_seeding, "seeding")
    report(seeding=ses.listen_port())
    # Serves as long as its parent lives: the pipe closes when it dies.
    sys.stdin.read()


def fetch(torrent, save_dir, peer_port):
    ses = session()
    handle = add(ses, torrent, save_dir)
    started = time.monotonic()
    handle.connect_peer(("127.0.0.1", int(peer_port)))
    wait_until(ses, lambda: handle.status().is_seeding, "download")
    report(finished=time.monotonic() - started)
    checked = []
    handle.force_recheck()
    wait_until(ses, lambda: checked, "recheck",
               lambda alert: isinstance(alert, lt.torrent_checked_alert) and checked.append(alert))
    status = handle.status()
    report(rechecked=status.num_pieces, pieces=handle.torrent_file().num_pieces(),
           seeding=status.is_seeding)


if __name__ == "__main__":
    modes = {"create": (create, 3), "seed": (seed, 2), "fetch": (fetch, 3)}
    mode, args = sys.argv[1] if len(sys.argv) > 1 else "", sys.argv[2:]
    if mode not in modes or len(args) != modes[mode][1]:
        sys.exit(__doc__)
    modes[mode][0](*args)
