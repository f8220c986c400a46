//! Our tracker encoders against a real client: libtorrent announces to an
//! HTTP and a UDP tracker built from this crate's codecs, on loopback, and
//! must accept the peers they return.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, UdpSocket};
use tokio::process::{Child, Command};
use torrent_wire::metainfo::{Metainfo, TorrentBuilder};
use torrent_wire::tracker::http::{self, PeerModel};
use torrent_wire::tracker::udp::{PeerFamily, Request, Response};
use torrent_wire::tracker::{Announce, AnnounceEvent, AnnounceResponse, Peer};

const PYTHON: &str = "/usr/bin/python3";
const INSTALL: &str =
    "this test drives libtorrent: install it with `apt-get install python3-libtorrent`";
const STEP: Duration = Duration::from_secs(20);

/// The peers every test tracker hands out.
fn peers() -> Vec<Peer> {
    ["127.0.0.2:6881", "127.0.0.3:6882", "127.0.0.4:6883"]
        .map(|addr| Peer::from(addr.parse::<std::net::SocketAddr>().unwrap()))
        .to_vec()
}

/// A torrent of 64 KiB whose only tracker is `tracker`, written to disk.
fn torrent_for(tracker: &str, dir: &Path) -> (Metainfo, PathBuf) {
    let content: Vec<u8> = (0..64 * 1024u32).map(|i| (i % 251) as u8).collect();
    let torrent = TorrentBuilder::new(16 * 1024)
        .unwrap()
        .tracker(tracker)
        .single_file("content.bin", &content)
        .unwrap();
    let path = dir.join("content.torrent");
    std::fs::write(&path, torrent.to_bytes()).unwrap();
    (torrent, path)
}

/// Starts libtorrent on `torrent`, failing with install advice if it is
/// missing.
async fn libtorrent(torrent: &Path, dir: &Path) -> Child {
    let probe = Command::new(PYTHON)
        .args(["-c", "import libtorrent"])
        .output()
        .await
        .unwrap_or_else(|error| panic!("{PYTHON}: {error}; {INSTALL}"));
    assert!(probe.status.success(), "{INSTALL}");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/libtorrent_announce.py");
    Command::new(PYTHON)
        .arg(script)
        .arg(torrent)
        .arg(dir.join("download"))
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 starts")
}

/// libtorrent's verdict: the JSON line its driver printed.
async fn verdict(mut child: Child) -> String {
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(STEP, stdout.read_line(&mut line))
        .await
        .expect("libtorrent reports within 20 s")
        .unwrap();
    line.trim().to_owned()
}

fn assert_first_announce(announce: &Announce, torrent: &Metainfo) {
    assert_eq!(announce.info_hash, torrent.info_hash());
    assert_eq!(announce.event, AnnounceEvent::Started);
    assert_eq!(announce.left, torrent.info().total_length());
    assert_eq!(announce.downloaded, 0);
    assert_ne!(announce.port, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn libtorrent_announces_to_our_http_tracker_and_takes_its_peers() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/announce", listener.local_addr().unwrap());
    let (torrent, path) = torrent_for(&url, dir.path());
    let client = libtorrent(&path, dir.path()).await;

    let (mut stream, _) = tokio::time::timeout(STEP, listener.accept())
        .await
        .expect("libtorrent connects within 20 s")
        .unwrap();
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        assert!(request.len() < 64 * 1024, "request headers too long");
        let read = tokio::time::timeout(STEP, stream.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert_ne!(read, 0, "connection closed before the headers ended");
        request.extend_from_slice(&chunk[..read]);
    }
    let request = String::from_utf8(request).unwrap();
    let target = request
        .strip_prefix("GET ")
        .and_then(|rest| rest.split(' ').next())
        .expect("a GET request");
    let (path, query) = target.split_once('?').expect("a query");
    assert_eq!(path, "/announce");
    let announce = http::parse_announce_query(query).unwrap();
    assert_first_announce(&announce, &torrent);

    let body = http::encode_announce_response(
        &AnnounceResponse {
            interval: 1800,
            peers: peers(),
            ..AnnounceResponse::default()
        },
        PeerModel::Compact,
    );
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    stream.shutdown().await.unwrap();

    assert_eq!(verdict(client).await, r#"{"alert": "reply", "peers": 3}"#);
}

#[tokio::test(flavor = "current_thread")]
async fn libtorrent_announces_to_our_udp_tracker_and_takes_its_peers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let url = format!("udp://{}/announce", socket.local_addr().unwrap());
    let (torrent, path) = torrent_for(&url, dir.path());
    let client = libtorrent(&path, dir.path()).await;

    let mut datagram = vec![0u8; 2048];
    let connection_id = 0x5eed_0123_4567_89ab;
    // A connect, then an announce on the connection id it got.
    for _ in 0..2 {
        let (len, from) = tokio::time::timeout(STEP, socket.recv_from(&mut datagram))
            .await
            .expect("libtorrent sends within 20 s")
            .unwrap();
        let reply = match Request::decode(&datagram[..len]).unwrap() {
            Request::Connect { transaction_id } => Response::Connect {
                transaction_id,
                connection_id,
            },
            Request::Announce {
                connection_id: received,
                transaction_id,
                announce,
                ..
            } => {
                assert_eq!(received, connection_id);
                assert_first_announce(&announce, &torrent);
                Response::Announce {
                    transaction_id,
                    interval: 1800,
                    leechers: 1,
                    seeders: 2,
                    peers: peers().iter().map(|peer| peer.addr).collect(),
                }
            }
            other => panic!("unexpected request {other:?}"),
        };
        let mut out = Vec::new();
        reply.encode(&mut out, PeerFamily::Ipv4);
        socket.send_to(&out, from).await.unwrap();
    }

    assert_eq!(verdict(client).await, r#"{"alert": "reply", "peers": 3}"#);
}
