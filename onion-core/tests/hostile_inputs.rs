//! Every file in `testdata/cell` and `testdata/relay_msg` is rejected with
//! the error its name describes, and nothing panics.

use std::path::Path;

use onion_core::relay_msg::{RELAY_MSG_LEN, RelayMsgArea};
use onion_core::{
    Cell, CellCommand, CellError, CreateBody, CreatedBody, DestroyBody, RelayMessage,
    RelayMessageError,
};

fn corpus(dir: &str) -> Vec<(String, Vec<u8>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("readable test file"))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {}", path.display());
    files
}

/// Decodes a cell and then its body as its command says.
fn decode_cell_fully(bytes: &[u8]) -> Result<(), CellError> {
    let cell = Cell::decode(bytes)?;
    match cell.command {
        CellCommand::CREATE => CreateBody::decode(&cell.body).map(drop),
        CellCommand::CREATED => CreatedBody::decode(&cell.body).map(drop),
        CellCommand::DESTROY => DestroyBody::decode(&cell.body).map(drop),
        _ => Ok(()),
    }
}

#[test]
fn every_hostile_cell_is_rejected_with_the_named_error() {
    for (name, bytes) in corpus("cell") {
        let error = decode_cell_fully(&bytes).expect_err(&name);
        let expected = match name.as_str() {
            n if n.starts_with("wrong-length") => matches!(error, CellError::WrongLength { .. }),
            "padding-on-circuit" => matches!(error, CellError::LinkCommandOnCircuit { .. }),
            "create-on-link" | "relay-on-link" => {
                matches!(error, CellError::CircuitCommandOnLink { .. })
            }
            n if n.ends_with("nonzero-padding") => {
                matches!(error, CellError::NonZeroPadding { .. })
            }
            other => panic!("testdata/cell/{other}.bin has no expected error here"),
        };
        assert!(expected, "{name}: unexpected {error:?}");
    }
}

#[test]
fn every_hostile_relay_message_is_rejected_with_the_named_error() {
    for (name, bytes) in corpus("relay_msg") {
        let area: &RelayMsgArea = bytes
            .as_slice()
            .try_into()
            .unwrap_or_else(|_| panic!("{name} is not {RELAY_MSG_LEN} bytes"));
        let error = RelayMessage::decode(area).expect_err(&name);
        use RelayMessageError as E;
        let expected = match name.as_str() {
            "data-length-too-long" | "data-length-max-u16" => {
                matches!(error, E::DataTooLong { .. })
            }
            "data-on-stream-zero" | "service-on-stream-zero" => {
                matches!(error, E::MissingStream { .. })
            }
            "extend-on-stream" | "truncate-on-stream" => {
                matches!(error, E::UnexpectedStream { .. })
            }
            "data-nonzero-padding" => matches!(error, E::NonZeroPadding { .. }),
            "begin-no-port" | "service-without-command" => matches!(error, E::Truncated(_)),
            n if n.starts_with("begin-") => matches!(error, E::InvalidTarget),
            _ => matches!(error, E::WrongDataLength { .. }),
        };
        assert!(expected, "{name}: unexpected {error:?}");
    }
}
