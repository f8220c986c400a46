//! In-band close messages: no panic on any input, and whatever parses is
//! exactly its own canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtc_mesh::link::CloseReason;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = core::str::from_utf8(data)
        && let Ok(reason) = CloseReason::from_wire(text)
    {
        assert_eq!(reason.to_wire(), text);
    }
});
