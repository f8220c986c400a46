//! Strategies shared by the tracker tests.

use proptest::prelude::*;
use torrent_wire::tracker::AnnounceEvent;

/// Any announce event.
pub fn event() -> impl Strategy<Value = AnnounceEvent> {
    prop_oneof![
        Just(AnnounceEvent::None),
        Just(AnnounceEvent::Started),
        Just(AnnounceEvent::Completed),
        Just(AnnounceEvent::Stopped),
    ]
}
