//! Descriptor parsing and verification: no panic on any input, and
//! whatever decodes re-encodes to the same bytes (one encoding per
//! descriptor).
#![no_main]

use libfuzzer_sys::fuzz_target;
use onion_core::directory::{UnixTime, VerifiedDescriptor, fuzzing};

fuzz_target!(|data: &[u8]| {
    if let Some(again) = fuzzing::reencode(data) {
        assert_eq!(again, data);
    }
    // The time the testdata/descriptor corpus is checked at.
    if let Ok(verified) = VerifiedDescriptor::verify(data, UnixTime::from_secs(1_800_003_600)) {
        assert_eq!(verified.as_bytes(), data);
    }
});
