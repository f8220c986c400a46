//! Magnet parsing: never panics, and whatever it accepts formats into a link
//! that parses back equal (escaping can push a link over the length limit,
//! which only guards untrusted input).
#![no_main]

use libfuzzer_sys::fuzz_target;
use torrent_wire::magnet::{MAX_MAGNET_LEN, MagnetLink};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(link) = text.parse::<MagnetLink>() {
        let formatted = link.to_string();
        if formatted.len() > MAX_MAGNET_LEN {
            return;
        }
        let again: MagnetLink = formatted.parse().expect("formatted link parses");
        assert_eq!(again, link);
    }
});
