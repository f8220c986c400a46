//! Public keys that name relays, and how they appear in logs.
//!
//! A node's identity is its Ed25519 key pair; the 32-byte public key is both
//! its rtc-mesh peer id and its relay identity here. Its onion key is the
//! X25519 key clients run the Noise NK handshake against. Neither is ever
//! printed raw: `Debug` shows a short one-way fingerprint instead.

use core::fmt;

/// Length in bytes of a [`RelayId`] and of an [`OnionKey`].
pub const KEY_LEN: usize = 32;

/// Computes the 4-byte log fingerprint of a public key.
fn fingerprint(domain: &str, key: &[u8; KEY_LEN]) -> [u8; 4] {
    let digest = blake3::Hasher::new_derive_key(domain)
        .update(key)
        .finalize();
    let mut short = [0; 4];
    short.copy_from_slice(&digest.as_bytes()[..4]);
    short
}

fn write_fingerprint(f: &mut fmt::Formatter<'_>, name: &str, short: [u8; 4]) -> fmt::Result {
    write!(f, "{name}(fp:")?;
    for byte in short {
        write!(f, "{byte:02x}")?;
    }
    f.write_str(")")
}

macro_rules! public_key {
    ($(#[$meta:meta])* $name:ident, $domain:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; KEY_LEN]);

        impl $name {
            /// Wraps the raw 32 bytes of the key.
            pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
                $name(bytes)
            }

            /// The raw 32 bytes of the key.
            pub const fn as_bytes(&self) -> &[u8; KEY_LEN] {
                &self.0
            }

            /// A short one-way fingerprint, safe to log and stable across runs.
            pub fn fingerprint(&self) -> [u8; 4] {
                fingerprint($domain, &self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_fingerprint(f, stringify!($name), self.fingerprint())
            }
        }
    };
}

public_key!(
    /// A relay's (and any node's) identity: its Ed25519 public key.
    ///
    /// ```
    /// use onion_core::RelayId;
    /// let id = RelayId::from_bytes([7; 32]);
    /// assert_eq!(id.as_bytes(), &[7; 32]);
    /// // Debug never prints the key itself.
    /// assert!(!format!("{id:?}").contains("07070707"));
    /// ```
    RelayId,
    "onionswarm onion-core 2025 relay id log fingerprint"
);

public_key!(
    /// A relay's X25519 onion key, the static key of its Noise NK handshakes.
    ///
    /// ```
    /// use onion_core::OnionKey;
    /// let key = OnionKey::from_bytes([9; 32]);
    /// assert_eq!(key.as_bytes(), &[9; 32]);
    /// assert!(format!("{key:?}").starts_with("OnionKey(fp:"));
    /// ```
    OnionKey,
    "onionswarm onion-core 2025 onion key log fingerprint"
);
