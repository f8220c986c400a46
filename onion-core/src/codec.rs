//! Byte readers and writers shared by every wire format in the crate.
//!
//! Formats in onion-core live in fixed-size buffers (a cell body, a relay
//! message area), so a `Reader` never allocates and a `Writer` never grows:
//! both check the length before they touch a byte.

use crate::error::Truncated;

/// Reads fields from the front of a byte slice.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, offset: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.offset
    }

    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], Truncated> {
        if len > self.remaining() {
            return Err(Truncated {
                needed: len - self.remaining(),
            });
        }
        let taken = &self.bytes[self.offset..self.offset + len];
        self.offset += len;
        Ok(taken)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<&'a [u8; N], Truncated> {
        let taken = self.take(N)?;
        Ok(taken.try_into().expect("take returned exactly N bytes"))
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Truncated> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Truncated> {
        Ok(u16::from_be_bytes(*self.array()?))
    }

    /// The offset of the first non-zero byte left, if any: unused space in
    /// fixed-size buffers must be zero so every buffer has one meaning.
    pub(crate) fn first_nonzero_rest(&self) -> Option<usize> {
        self.bytes[self.offset..]
            .iter()
            .position(|&b| b != 0)
            .map(|i| self.offset + i)
    }
}

/// Writes fields into a fixed-size buffer from its start.
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    offset: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, offset: 0 }
    }

    /// Appends `bytes`; callers size their formats so that this cannot
    /// overflow, and a violation is a bug in this crate, not bad input.
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.buf[self.offset..self.offset + bytes.len()].copy_from_slice(bytes);
        self.offset += bytes.len();
    }

    pub(crate) fn u8(&mut self, value: u8) {
        self.put(&[value]);
    }

    pub(crate) fn u16(&mut self, value: u16) {
        self.put(&value.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, value: u32) {
        self.put(&value.to_be_bytes());
    }

    /// Zeroes the rest of the buffer.
    pub(crate) fn zero_rest(&mut self) {
        self.buf[self.offset..].fill(0);
        self.offset = self.buf.len();
    }
}

/// Declares an open enum: a `u8` newtype with named constants, so unknown
/// values decode, round-trip and can be reported instead of rejected.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub struct $name:ident(u8) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u8);

        impl $name {
            $( $(#[$vmeta])* pub const $variant: $name = $name($value); )+

            /// The name of a known value, `None` for an unknown one.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($variant)), )+
                    _ => None,
                }
            }

            /// Whether this value is one this version of the protocol defines.
            pub fn is_known(self) -> bool {
                self.name().is_some()
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }
    };
}
pub(crate) use open_enum;
