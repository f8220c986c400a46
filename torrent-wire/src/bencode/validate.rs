//! The strict scan every input passes before `bip_bencode` builds a tree.
//!
//! One iterative pass over the raw bytes: canonical integers and lengths,
//! lengths compared with the remaining input as `u64` before any cast, sorted
//! unique keys, the depth limit and the element budget. It allocates only its
//! stack of open containers, which the depth limit bounds.

use super::Limits;
use crate::error::BencodeError;

/// An open list or dictionary.
enum Open {
    List,
    /// `last_key` is the previous key's span; `awaiting_value` is set between
    /// a key and its value.
    Dict {
        last_key: Option<(usize, usize)>,
        awaiting_value: bool,
    },
}

/// Checks that `input` is exactly one canonical bencoded value within `limits`.
pub(crate) fn validate(input: &[u8], limits: &Limits) -> Result<(), BencodeError> {
    if input.len() > limits.max_len {
        return Err(BencodeError::TooLong {
            len: input.len(),
            max: limits.max_len,
        });
    }
    let mut scan = Scan { input, pos: 0 };
    let mut open: Vec<Open> = Vec::new();
    let mut elements = 0usize;
    loop {
        let offset = scan.pos;
        let byte = scan.peek()?;
        if let Some(top) = open.last_mut() {
            match top {
                Open::Dict {
                    awaiting_value: true,
                    ..
                } if byte == b'e' => {
                    return Err(BencodeError::MissingValue { offset });
                }
                _ if byte == b'e' => {
                    scan.pos += 1;
                    open.pop();
                    if finish_value(&mut open) {
                        return scan.end();
                    }
                    continue;
                }
                Open::Dict {
                    last_key,
                    awaiting_value,
                } if !*awaiting_value => {
                    if !byte.is_ascii_digit() {
                        return Err(BencodeError::NonStringKey { offset });
                    }
                    let key = scan.string()?;
                    if let Some((start, end)) = *last_key {
                        match input[start..end].cmp(&input[key.0..key.1]) {
                            core::cmp::Ordering::Less => {}
                            core::cmp::Ordering::Equal => {
                                return Err(BencodeError::DuplicateKey { offset });
                            }
                            core::cmp::Ordering::Greater => {
                                return Err(BencodeError::UnsortedKey { offset });
                            }
                        }
                    }
                    *last_key = Some(key);
                    *awaiting_value = true;
                    count(&mut elements, limits)?;
                    continue;
                }
                _ => {}
            }
        }
        count(&mut elements, limits)?;
        match byte {
            b'i' => scan.integer()?,
            b'0'..=b'9' => {
                scan.string()?;
            }
            b'l' | b'd' => {
                if open.len() >= limits.max_depth {
                    return Err(BencodeError::TooDeep {
                        offset,
                        max: limits.max_depth,
                    });
                }
                scan.pos += 1;
                open.push(if byte == b'l' {
                    Open::List
                } else {
                    Open::Dict {
                        last_key: None,
                        awaiting_value: false,
                    }
                });
                continue;
            }
            _ => return Err(BencodeError::InvalidByte { offset, byte }),
        }
        if finish_value(&mut open) {
            return scan.end();
        }
    }
}

/// Records that a value ended; returns whether it was the top-level one.
fn finish_value(open: &mut [Open]) -> bool {
    match open.last_mut() {
        None => true,
        Some(Open::Dict { awaiting_value, .. }) => {
            *awaiting_value = false;
            false
        }
        Some(Open::List) => false,
    }
}

fn count(elements: &mut usize, limits: &Limits) -> Result<(), BencodeError> {
    *elements += 1;
    if *elements > limits.max_elements {
        return Err(BencodeError::TooManyElements {
            max: limits.max_elements,
        });
    }
    Ok(())
}

/// The outcome of reading a run of decimal digits.
enum Digits {
    Value(u64),
    /// No digits, or a leading zero.
    NonCanonical,
    /// More than 64 bits.
    Overflow,
    /// A byte that is neither a digit nor the terminator.
    Unexpected(BencodeError),
    End(BencodeError),
}

struct Scan<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Result<u8, BencodeError> {
        self.input
            .get(self.pos)
            .copied()
            .ok_or(BencodeError::UnexpectedEnd { offset: self.pos })
    }

    fn end(&self) -> Result<(), BencodeError> {
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(BencodeError::TrailingData { offset: self.pos })
        }
    }

    /// Reads decimal digits up to `terminator` and steps past it.
    fn digits(&mut self, terminator: u8) -> Digits {
        let start = self.pos;
        let mut value: Option<u64> = Some(0);
        loop {
            let Some(&byte) = self.input.get(self.pos) else {
                return Digits::End(BencodeError::UnexpectedEnd { offset: self.pos });
            };
            if byte == terminator {
                break;
            }
            if !byte.is_ascii_digit() {
                return Digits::Unexpected(BencodeError::InvalidByte {
                    offset: self.pos,
                    byte,
                });
            }
            value = value
                .and_then(|v| v.checked_mul(10))
                .and_then(|v| v.checked_add(u64::from(byte - b'0')));
            self.pos += 1;
        }
        let digits = &self.input[start..self.pos];
        self.pos += 1;
        match value {
            _ if digits.is_empty() || (digits[0] == b'0' && digits.len() > 1) => {
                Digits::NonCanonical
            }
            Some(value) => Digits::Value(value),
            None => Digits::Overflow,
        }
    }

    fn integer(&mut self) -> Result<(), BencodeError> {
        let offset = self.pos;
        self.pos += 1;
        let negative = self.input.get(self.pos) == Some(&b'-');
        if negative {
            self.pos += 1;
        }
        let limit = if negative {
            i64::MIN.unsigned_abs()
        } else {
            i64::MAX.unsigned_abs()
        };
        match self.digits(b'e') {
            Digits::Value(0) if negative => Err(BencodeError::NonCanonicalInteger { offset }),
            Digits::Value(magnitude) if magnitude <= limit => Ok(()),
            Digits::Value(_) | Digits::Overflow => Err(BencodeError::IntegerOverflow { offset }),
            // `i+5e`, `i05e`, `ie`, `i-e`: all the ways to spell an integer badly.
            Digits::NonCanonical | Digits::Unexpected(_) => {
                Err(BencodeError::NonCanonicalInteger { offset })
            }
            Digits::End(end) => Err(end),
        }
    }

    /// Reads a length-prefixed string and returns its content's span.
    fn string(&mut self) -> Result<(usize, usize), BencodeError> {
        let offset = self.pos;
        let declared = match self.digits(b':') {
            Digits::Value(len) => len,
            Digits::NonCanonical => return Err(BencodeError::NonCanonicalLength { offset }),
            Digits::Overflow => return Err(BencodeError::LengthOverflow { offset }),
            Digits::Unexpected(error) | Digits::End(error) => return Err(error),
        };
        if declared > i64::MAX.unsigned_abs() {
            return Err(BencodeError::LengthOverflow { offset });
        }
        let remaining = self.input.len() - self.pos;
        if declared > remaining as u64 {
            return Err(BencodeError::StringPastEnd { offset, declared });
        }
        let start = self.pos;
        // `declared <= remaining`, so the cast cannot truncate.
        self.pos += declared as usize;
        Ok((start, self.pos))
    }
}
