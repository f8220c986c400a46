//! The directory: verified descriptors by relay identity.

use std::collections::BTreeMap;

use super::{RelayFlags, UnixTime, VerifiedDescriptor};
use crate::RelayId;

/// Verified descriptors, at most one per relay: a newer one replaces an
/// older. Iteration is in identity order, so a seeded RNG picks the same
/// paths from the same directory.
///
/// ```
/// use core::time::Duration;
/// use ed25519_dalek::SigningKey;
/// use onion_core::OnionKey;
/// use onion_core::directory::{Descriptor, Directory, Insertion, RelayFlags, UnixTime, VerifiedDescriptor};
///
/// let key = SigningKey::from_bytes(&[1; 32]);
/// let day = Duration::from_secs(86_400);
/// let verify = |published: u64| -> Result<VerifiedDescriptor, onion_core::DescriptorError> {
///     let mut descriptor = Descriptor::new(OnionKey::from_bytes([2; 32]), UnixTime::from_secs(published), day);
///     descriptor.flags = RelayFlags::GUARD;
///     VerifiedDescriptor::verify(&descriptor.sign(&key)?, UnixTime::from_secs(2_000))
/// };
///
/// let mut directory = Directory::new();
/// assert_eq!(directory.insert(verify(1_000)?), Insertion::Added);
/// assert_eq!(directory.insert(verify(1_500)?), Insertion::Replaced);
/// assert_eq!(directory.insert(verify(1_200)?), Insertion::Stale);
/// let relay = directory.with_flags(RelayFlags::GUARD).next().expect("one guard");
/// assert_eq!(relay.descriptor().published, UnixTime::from_secs(1_500));
/// # Ok::<(), onion_core::DescriptorError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Directory {
    relays: BTreeMap<RelayId, VerifiedDescriptor>,
}

/// What [`Directory::insert`] did with a descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insertion {
    /// The relay was not in the directory.
    Added,
    /// It replaced an older descriptor of the same relay.
    Replaced,
    /// It was dropped: the directory holds one of the relay published at
    /// the same time or later.
    Stale,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Directory::default()
    }

    /// Adds a descriptor, keeping only the latest published one per relay.
    pub fn insert(&mut self, descriptor: VerifiedDescriptor) -> Insertion {
        match self.relays.get_mut(descriptor.identity()) {
            None => {
                self.relays.insert(*descriptor.identity(), descriptor);
                Insertion::Added
            }
            Some(held) if held.descriptor().published < descriptor.descriptor().published => {
                *held = descriptor;
                Insertion::Replaced
            }
            Some(_) => Insertion::Stale,
        }
    }

    /// The descriptor of `relay`, if the directory has one.
    pub fn get(&self, relay: &RelayId) -> Option<&VerifiedDescriptor> {
        self.relays.get(relay)
    }

    /// Every descriptor, in identity order.
    pub fn iter(&self) -> impl Iterator<Item = &VerifiedDescriptor> {
        self.relays.values()
    }

    /// The descriptors whose flags include all of `flags`.
    pub fn with_flags(&self, flags: RelayFlags) -> impl Iterator<Item = &VerifiedDescriptor> {
        self.iter()
            .filter(move |relay| relay.descriptor().flags.contains(flags))
    }

    /// Drops the descriptors that are expired at `now`, and says how many.
    pub fn remove_expired(&mut self, now: UnixTime) -> usize {
        let before = self.relays.len();
        self.relays
            .retain(|_, relay| relay.descriptor().expires > now);
        before - self.relays.len()
    }

    /// How many relays the directory holds.
    pub fn len(&self) -> usize {
        self.relays.len()
    }

    /// Whether the directory holds no relay.
    pub fn is_empty(&self) -> bool {
        self.relays.is_empty()
    }
}

impl Extend<VerifiedDescriptor> for Directory {
    fn extend<I: IntoIterator<Item = VerifiedDescriptor>>(&mut self, descriptors: I) {
        for descriptor in descriptors {
            self.insert(descriptor);
        }
    }
}

impl FromIterator<VerifiedDescriptor> for Directory {
    fn from_iter<I: IntoIterator<Item = VerifiedDescriptor>>(descriptors: I) -> Self {
        let mut directory = Directory::new();
        directory.extend(descriptors);
        directory
    }
}
