//! UDP tracker packets: never panic; whatever decodes re-encodes into a
//! packet that decodes equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use torrent_wire::tracker::udp::{PeerFamily, Request, Response};

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = Request::decode(data) {
        let mut packet = Vec::new();
        request.encode(&mut packet);
        assert_eq!(Request::decode(&packet).expect("re-encoded request decodes"), request);
    }
    for family in [PeerFamily::Ipv4, PeerFamily::Ipv6] {
        if let Ok(response) = Response::decode(data, family) {
            let mut packet = Vec::new();
            response.encode(&mut packet, family);
            // BEP 15 tells clients to ignore bytes after a connect reply.
            let again = Response::decode(&packet, family).expect("re-encoded response decodes");
            assert_eq!(again, response);
        }
    }
});
