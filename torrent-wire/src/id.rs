//! The two 20-byte identifiers of BitTorrent: info-hashes and peer ids.
//!
//! Both print as `<redacted>` in `Debug` so that logs never carry them raw;
//! call [`InfoHash::to_hex`] where the value itself is wanted.

use core::fmt;

/// The SHA-1 of a torrent's bencoded `info` dictionary (BitTorrent v1).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InfoHash(pub [u8; 20]);

/// The 20-byte id a peer announces in its handshake and to trackers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(pub [u8; 20]);

macro_rules! id_common {
    ($ty:ident) => {
        impl $ty {
            /// The raw 20 bytes.
            pub const fn as_bytes(&self) -> &[u8; 20] {
                &self.0
            }

            /// Lower-case hex, 40 characters.
            pub fn to_hex(&self) -> String {
                data_encoding::HEXLOWER.encode(&self.0)
            }
        }

        impl From<[u8; 20]> for $ty {
            fn from(bytes: [u8; 20]) -> Self {
                Self(bytes)
            }
        }

        impl AsRef<[u8]> for $ty {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($ty), "(<redacted>)"))
            }
        }
    };
}

id_common!(InfoHash);
id_common!(PeerId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_bytes() {
        let hash = InfoHash([0xab; 20]);
        let printed = format!("{hash:?}");
        assert!(!printed.contains("ab"), "{printed}");
        assert_eq!(hash.to_hex(), "ab".repeat(20));
    }
}
