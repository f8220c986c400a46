//! libtorrent as the other peer of a transfer, through
//! `libtorrent_peer.py`, and the content both sides share. Every wait is
//! bounded and the script dies with its handle.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const PYTHON: &str = "/usr/bin/python3";
const INSTALL: &str =
    "this test drives libtorrent: install it with `apt-get install python3-libtorrent`";

/// The driver script, carried inside the binary so that the tests and the
/// benches that include this module find it alike.
const SCRIPT: &str = include_str!("libtorrent_peer.py");

/// The longest wait for any one report of the script.
pub const STEP: Duration = Duration::from_secs(120);

/// A running `libtorrent_peer.py`.
pub struct Libtorrent {
    // Held for `kill_on_drop`, and for the seeder's standard input, whose
    // end tells it to stop.
    _child: Child,
    reports: Lines<BufReader<ChildStdout>>,
}

impl Libtorrent {
    /// Writes a v1 `.torrent` of `content` (a file or directory) as
    /// libtorrent makes it; the info-hash it computed, as hex.
    pub async fn create(torrent: &Path, content: &Path, piece_length: u32) -> String {
        let mut script = Self::start(
            "create",
            &[
                torrent.as_os_str(),
                content.as_os_str(),
                piece_length.to_string().as_ref(),
            ],
        )
        .await;
        let report = script.report().await;
        report["created"]
            .as_str()
            .unwrap_or_else(|| panic!("libtorrent did not create the torrent: {report}"))
            .to_owned()
    }

    /// A libtorrent seeding `torrent` from `save_dir`, and its port on
    /// 127.0.0.1.
    pub async fn seed(torrent: &Path, save_dir: &Path) -> (Self, u16) {
        let mut script = Self::start("seed", &[torrent.as_os_str(), save_dir.as_os_str()]).await;
        let report = script.report().await;
        let port = report["seeding"]
            .as_u64()
            .and_then(|port| u16::try_from(port).ok())
            .unwrap_or_else(|| panic!("libtorrent did not seed: {report}"));
        (script, port)
    }

    /// A libtorrent downloading `torrent` into `save_dir` from the peer on
    /// 127.0.0.1:`port`.
    pub async fn fetch(torrent: &Path, save_dir: &Path, port: u16) -> Self {
        let port = port.to_string();
        Self::start(
            "fetch",
            &[torrent.as_os_str(), save_dir.as_os_str(), port.as_ref()],
        )
        .await
    }

    /// The script's next JSON report, within [`STEP`].
    pub async fn report(&mut self) -> Value {
        let line = tokio::time::timeout(STEP, self.reports.next_line())
            .await
            .expect("libtorrent reports within the step timeout")
            .expect("libtorrent's output is readable")
            .expect("libtorrent reports before it exits");
        serde_json::from_str(&line).unwrap_or_else(|error| panic!("{line}: {error}"))
    }

    async fn start(mode: &str, args: &[&std::ffi::OsStr]) -> Self {
        let probe = Command::new(PYTHON)
            .args(["-c", "import libtorrent"])
            .output()
            .await
            .unwrap_or_else(|error| panic!("{PYTHON}: {error}; {INSTALL}"));
        assert!(probe.status.success(), "{INSTALL}");
        let mut child = Command::new(PYTHON)
            .args(["-c", SCRIPT, mode])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        Self {
            _child: child,
            reports: BufReader::new(stdout).lines(),
        }
    }
}

/// Files of a torrent's content: paths under the torrent's directory and
/// lengths.
pub type Layout = [(&'static str, usize)];

/// The content of the `index`th file of a layout: seeded noise, the same
/// on every run.
pub fn file_content(index: usize, len: usize) -> Vec<u8> {
    let mut data = vec![0; len];
    ChaCha8Rng::seed_from_u64(index as u64).fill_bytes(&mut data);
    data
}

/// Writes the files of `layout` under `root`.
pub fn write_content(root: &Path, layout: &Layout) {
    for (index, (path, len)) in layout.iter().enumerate() {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a directory")).unwrap();
        std::fs::write(path, file_content(index, *len)).unwrap();
    }
}

/// Checks every byte of every file of `layout` under `root`.
pub fn assert_content(root: &Path, layout: &Layout) {
    for (index, (path, len)) in layout.iter().enumerate() {
        let found =
            std::fs::read(root.join(path)).unwrap_or_else(|error| panic!("{path}: {error}"));
        assert_eq!(found.len(), *len, "length of {path}");
        assert!(found == file_content(index, *len), "content of {path}");
    }
}
