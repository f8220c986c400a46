//! The roles a relay offers, as its descriptor declares them.

use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// A set of relay roles. Encoded as one byte; bits this version does not
/// define are rejected, so every set has one encoding.
///
/// ```
/// use onion_core::directory::RelayFlags;
///
/// let flags = RelayFlags::GUARD | RelayFlags::DIRECTORY;
/// assert!(flags.contains(RelayFlags::GUARD));
/// assert!(!flags.contains(RelayFlags::GUARD | RelayFlags::EXIT));
/// assert_eq!(RelayFlags::from_bits(flags.bits()), Some(flags));
/// assert_eq!(RelayFlags::from_bits(0x80), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RelayFlags(u8);

/// Every flag with its name, in bit order.
const NAMED: [(RelayFlags, &str); 5] = [
    (RelayFlags::GUARD, "GUARD"),
    (RelayFlags::EXIT, "EXIT"),
    (RelayFlags::DIRECTORY, "DIRECTORY"),
    (RelayFlags::INTRODUCTION, "INTRODUCTION"),
    (RelayFlags::RENDEZVOUS, "RENDEZVOUS"),
];

impl RelayFlags {
    /// Willing to be a client's first hop for a long time.
    pub const GUARD: RelayFlags = RelayFlags(1 << 0);
    /// Leaves the mesh for the traffic its exit policy allows.
    pub const EXIT: RelayFlags = RelayFlags(1 << 1);
    /// Stores and serves descriptors.
    pub const DIRECTORY: RelayFlags = RelayFlags(1 << 2);
    /// Acts as an introduction point for hidden seeders.
    pub const INTRODUCTION: RelayFlags = RelayFlags(1 << 3);
    /// Joins two circuits at a rendezvous.
    pub const RENDEZVOUS: RelayFlags = RelayFlags(1 << 4);

    const KNOWN: u8 = 0b1_1111;

    /// No flags.
    pub const fn empty() -> Self {
        RelayFlags(0)
    }

    /// The encoded byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// The set with these bits, or `None` if a bit is not a defined flag.
    pub const fn from_bits(bits: u8) -> Option<Self> {
        if bits & !Self::KNOWN == 0 {
            Some(RelayFlags(bits))
        } else {
            None
        }
    }

    /// Whether every flag of `other` is in `self`.
    pub const fn contains(self, other: RelayFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for RelayFlags {
    type Output = RelayFlags;

    fn bitor(self, other: RelayFlags) -> RelayFlags {
        RelayFlags(self.0 | other.0)
    }
}

impl BitOrAssign for RelayFlags {
    fn bitor_assign(&mut self, other: RelayFlags) {
        self.0 |= other.0;
    }
}

impl fmt::Debug for RelayFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = NAMED
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| *name);
        match names.next() {
            None => f.write_str("RelayFlags()"),
            Some(first) => {
                write!(f, "RelayFlags({first}")?;
                names.try_for_each(|name| write!(f, " | {name}"))?;
                f.write_str(")")
            }
        }
    }
}
