//! What the state machines ask of the links that carry their cells.
//!
//! onion-core never sees a socket or a mesh connection. The embedding code
//! names each link to a peer with an opaque [`LinkId`] it chooses, tells the
//! state machine which relay is at the other end, and carries the
//! [`Output`]s it polls.

use crate::cell::CELL_LEN;
use crate::identity::RelayId;

/// The caller's name for one link to one peer (for example an rtc-mesh link).
/// onion-core only compares ids; it never interprets them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct LinkId(pub u64);

/// Something a state machine asks its caller to do.
// Nearly every output is a Transmit: boxing its cell would allocate once
// per cell to save memory only on the rare Connect.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq)]
pub enum Output {
    /// Send `cell` as one message on `link`, in the order polled.
    Transmit {
        /// The link.
        link: LinkId,
        /// The encoded cell, always [`CELL_LEN`] bytes.
        cell: [u8; CELL_LEN],
    },
    /// Open a link to `relay`, then report it with `link_up` (or the
    /// failure with `connect_failed`). Asked once until either arrives.
    Connect {
        /// The relay to reach.
        relay: RelayId,
    },
}

impl core::fmt::Debug for Output {
    // Cells are ciphertext or key material: never print their bytes.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Output::Transmit { link, .. } => {
                f.debug_struct("Transmit").field("link", link).finish()
            }
            Output::Connect { relay } => f.debug_struct("Connect").field("relay", relay).finish(),
        }
    }
}
