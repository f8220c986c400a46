//! Uniform choice from a slice with the caller's RNG.

use rand_core::CryptoRng;

/// One item chosen uniformly, `None` from an empty slice. Draws are
/// rejected below `2^64 mod len` so that no item is favoured.
pub(crate) fn choose<'a, T>(rng: &mut impl CryptoRng, items: &'a [T]) -> Option<&'a T> {
    let len = u64::try_from(items.len()).ok().filter(|&len| len > 0)?;
    let biased_below = len.wrapping_neg() % len;
    loop {
        let draw = rng.next_u64();
        if draw >= biased_below {
            return usize::try_from(draw % len).ok().and_then(|i| items.get(i));
        }
    }
}
