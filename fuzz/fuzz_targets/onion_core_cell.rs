//! Cell decoding: no panic on any input, and whatever decodes re-encodes to
//! the same bytes (one encoding per cell), whole or as a stream prefix.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onion_core::{Cell, CellCommand, CreateBody, CreatedBody, DestroyBody};

fuzz_target!(|data: &[u8]| {
    let whole = Cell::decode(data);
    if let Ok(cell) = &whole {
        assert_eq!(cell.encode()[..], data[..]);
        let body_round_trips = match cell.command {
            CellCommand::CREATE => CreateBody::decode(&cell.body).map(|b| b.encode() == cell.body),
            CellCommand::CREATED => {
                CreatedBody::decode(&cell.body).map(|b| b.encode() == cell.body)
            }
            CellCommand::DESTROY => {
                DestroyBody::decode(&cell.body).map(|b| b.encode() == cell.body)
            }
            _ => Ok(true),
        };
        assert!(body_round_trips.unwrap_or(true));
    }
    match Cell::decode_prefix(data) {
        Ok(Some((cell, used))) => assert_eq!(cell.encode()[..], data[..used]),
        Ok(None) => assert!(data.len() < onion_core::CELL_LEN),
        Err(_) => assert!(data.len() >= onion_core::CELL_LEN),
    }
});
