//! What a relay says about itself, and the rules every descriptor obeys.

use core::fmt;
use core::time::Duration;
use std::collections::BTreeSet;
use std::net::IpAddr;

use super::{ExitPolicy, RelayFlags, UnixTime};
use crate::error::{DescriptorError, DescriptorList};
use crate::{OnionKey, RelayId};

/// The most network addresses one descriptor declares.
pub const MAX_ADDRESSES: usize = 4;
/// The most relays one descriptor names as its family.
pub const MAX_FAMILY: usize = 32;
/// The longest a descriptor may stay valid: a relay republishes well
/// before, so a stolen or retired onion key ages out within this time.
pub const MAX_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The content of a relay descriptor, before signing.
///
/// The relay's identity is not a field: it is the public half of the key
/// that signs (see [`Descriptor::sign`]). Its mesh peer id is that same
/// identity, so a descriptor needs no other link address to be reached;
/// `addresses` serve only to keep relays of one network out of one path.
#[derive(Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// The X25519 key clients run the Noise NK handshake against.
    pub onion_key: OnionKey,
    /// The network addresses the relay's mesh links come from, as the relay
    /// declares them (at most [`MAX_ADDRESSES`]). A relay that cannot know
    /// its address, such as one in a browser, declares none.
    pub addresses: BTreeSet<IpAddr>,
    /// The roles the relay offers. [`RelayFlags::EXIT`] is set exactly when
    /// the exit policy allows some traffic.
    pub flags: RelayFlags,
    /// What the relay lets out of the mesh.
    pub exit_policy: ExitPolicy,
    /// Relays run by the same operator (at most [`MAX_FAMILY`]). Two relays
    /// count as one family only when each names the other.
    pub family: BTreeSet<RelayId>,
    /// When the descriptor was made; it is not valid before.
    pub published: UnixTime,
    /// When the descriptor stops being valid: after `published`, and at
    /// most [`MAX_LIFETIME`] after it.
    pub expires: UnixTime,
}

impl Descriptor {
    /// A descriptor of a relay with no flags, no declared addresses or
    /// family, and no exit, valid from `published` for `lifetime`.
    pub fn new(onion_key: OnionKey, published: UnixTime, lifetime: Duration) -> Self {
        Descriptor {
            onion_key,
            addresses: BTreeSet::new(),
            flags: RelayFlags::empty(),
            exit_policy: ExitPolicy::reject_all(),
            family: BTreeSet::new(),
            published,
            expires: published.saturating_add(lifetime),
        }
    }

    /// Whether the descriptor is valid at `now`: published at or before
    /// it, and expiring after it.
    pub fn is_valid_at(&self, now: UnixTime) -> bool {
        self.published <= now && now < self.expires
    }

    /// Checks every rule that does not depend on the signature or on the
    /// time, for the relay `identity`.
    pub(crate) fn check(&self, identity: &RelayId) -> Result<(), DescriptorError> {
        bounded(
            DescriptorList::Addresses,
            self.addresses.len(),
            MAX_ADDRESSES,
        )?;
        bounded(DescriptorList::Family, self.family.len(), MAX_FAMILY)?;
        if self.family.contains(identity) {
            return Err(DescriptorError::FamilyContainsSelf);
        }
        if self.flags.contains(RelayFlags::EXIT) != self.exit_policy.allows_any() {
            return Err(DescriptorError::ExitFlagMismatch {
                exit_flag: self.flags.contains(RelayFlags::EXIT),
            });
        }
        let lifetime_ok = self.published < self.expires
            && self.expires.saturating_since(self.published) <= MAX_LIFETIME;
        if !lifetime_ok {
            return Err(DescriptorError::InvalidLifetime {
                published: self.published,
                expires: self.expires,
            });
        }
        Ok(())
    }
}

fn bounded(list: DescriptorList, len: usize, max: usize) -> Result<(), DescriptorError> {
    if len > max {
        return Err(DescriptorError::ListTooLong { list, len, max });
    }
    Ok(())
}

impl fmt::Debug for Descriptor {
    // Addresses are never logged, only counted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Descriptor")
            .field("onion_key", &self.onion_key)
            .field("addresses", &self.addresses.len())
            .field("flags", &self.flags)
            .field("exit_policy", &self.exit_policy)
            .field("family", &self.family)
            .field("published", &self.published)
            .field("expires", &self.expires)
            .finish()
    }
}
