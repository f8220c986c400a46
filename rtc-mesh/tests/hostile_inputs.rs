//! Every file in `testdata/signal`, `testdata/key`, `testdata/frame` and
//! `testdata/close` is refused with the error its name describes, and
//! nothing panics.

use std::path::Path;

use bytes::Bytes;
use ed25519_dalek::VerifyingKey;
use rtc_mesh::frame::Frame;
use rtc_mesh::link::CloseReason;
use rtc_mesh::signal::{ClientMessage, ServerMessage};
use rtc_mesh::{FrameError, LinkError, SignalError};

/// Calls `check(name, bytes)` for every `*.{ext}` file in `testdata/{dir}`,
/// in name order; any other file fails the test.
fn for_each_file(dir: &str, ext: &str, mut check: impl FnMut(&str, &[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir);
    let listing = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    let mut paths: Vec<_> = listing
        .map(|entry| entry.expect("listable").path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "{} is empty", root.display());
    for path in paths {
        assert_eq!(
            path.extension().and_then(|e| e.to_str()),
            Some(ext),
            "{}",
            path.display()
        );
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file name");
        check(stem, &std::fs::read(&path).expect("readable"));
    }
}

#[test]
fn every_hostile_signalling_message_is_refused_with_the_named_error() {
    for_each_file("signal", "json", |name, bytes| {
        let error = if name.starts_with("client-") {
            ClientMessage::from_json(bytes).map(drop)
        } else if name.starts_with("server-") {
            ServerMessage::from_json(bytes).map(drop)
        } else {
            panic!("testdata/signal/{name}.json is neither client- nor server-");
        }
        .expect_err(name);
        let how = name.split_once('-').map_or("", |(_, rest)| rest);
        let expected = match &error {
            SignalError::Malformed(e) if how.starts_with("syntax-") => !e.is_data(),
            SignalError::Malformed(e) if how.starts_with("schema-") => e.is_data(),
            SignalError::TooLong { .. } => how == "too-long",
            SignalError::TooManyPeers { .. } => how == "too-many-peers",
            _ => false,
        };
        assert!(expected, "{name}: unexpected {error:?}");
    });
}

#[test]
fn every_registration_of_a_peer_id_that_is_no_key_is_refused_as_a_key() {
    for_each_file("key", "json", |name, bytes| {
        let Ok(ClientMessage::Register { peer }) = ClientMessage::from_json(bytes) else {
            panic!("{name}: not a well-formed registration");
        };
        assert!(
            matches!(peer.verifying_key(), Err(SignalError::InvalidPeerId)),
            "{name}"
        );
        let point = VerifyingKey::from_bytes(peer.as_bytes());
        let expected = match name {
            "register-not-on-curve" => point.is_err(),
            n if n.ends_with("-point") => point.is_ok_and(|key| key.is_weak()),
            other => panic!("testdata/key/{other}.json has no expected reason here"),
        };
        assert!(expected, "{name}: refused for another reason");
    });
}

#[test]
fn every_hostile_frame_is_refused_with_the_named_error() {
    for_each_file("frame", "bin", |name, bytes| {
        let error = Frame::decode_message(Bytes::copy_from_slice(bytes)).expect_err(name);
        let expected = match name {
            n if n.starts_with("unknown-channel") => {
                matches!(error, FrameError::UnknownChannel { .. })
            }
            "zero-stream-id" => error == FrameError::ZeroStreamId,
            n if n.starts_with("payload-") => matches!(error, FrameError::PayloadTooLong { .. }),
            n if n.starts_with("truncated-") => matches!(error, FrameError::Truncated { .. }),
            n if n.starts_with("trailing-") => matches!(error, FrameError::TrailingBytes { .. }),
            other => panic!("testdata/frame/{other}.bin has no expected error here"),
        };
        assert!(expected, "{name}: unexpected {error:?}");
    });
}

#[test]
fn every_hostile_close_message_is_refused() {
    for_each_file("close", "txt", |name, bytes| {
        let text = std::str::from_utf8(bytes).expect(name);
        assert_eq!(
            CloseReason::from_wire(text),
            Err(LinkError::MalformedClose { len: text.len() }),
            "{name}"
        );
    });
}
