"""Drives libtorrent (Debian python3-libtorrent) through one announce.

usage: libtorrent_announce.py TORRENT SAVE_DIR

Adds the torrent (whose only tracker is the one under test) to a session
bound to 127.0.0.1 with DHT, LSD, UPnP, NAT-PMP and PEX off, then prints one
JSON line per tracker alert until a reply or an error arrives (20 s at
most): {"alert": "reply", "peers": N} or {"alert": "error", "message": ...}.
"""
import json
import sys
import time

import libtorrent as lt

torrent, save_dir = sys.argv[1], sys.argv[2]
session = lt.session({
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "alert_mask": lt.alert.category_t.all_categories,
})
params = lt.add_torrent_params()
params.ti = lt.torrent_info(torrent)
params.save_path = save_dir
params.flags &= ~lt.torrent_flags.auto_managed
params.flags &= ~lt.torrent_flags.paused
params.flags |= lt.torrent_flags.disable_pex
handle = session.add_torrent(params)

deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    session.wait_for_alert(500)
    for alert in session.pop_alerts():
        if isinstance(alert, lt.tracker_reply_alert):
            print(json.dumps({"alert": "reply", "peers": alert.num_peers}), flush=True)
            sys.exit(0)
        if isinstance(alert, lt.tracker_error_alert):
            print(json.dumps({"alert": "error", "message": alert.message()}), flush=True)
            sys.exit(1)
print(json.dumps({"alert": "timeout"}), flush=True)
sys.exit(2)
