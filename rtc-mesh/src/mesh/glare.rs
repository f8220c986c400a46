//! Who yields when both ends dial at once (glare).
//!
//! This is perfect negotiation with the roles fixed by peer id instead of
//! by configuration: the end with the lower id is impolite and keeps its
//! offer, the other yields and answers it. Both ends know both ids (the
//! signalling server authenticates them), so they agree without an extra
//! message, and a crossing pair of offers costs one set-up, not a retry.

use crate::native::OnGlare;
use crate::peer_id::PeerId;

/// What `me` does with `peer`'s offer while dialing it.
pub(crate) fn on_glare(me: &PeerId, peer: &PeerId) -> OnGlare {
    if me < peer {
        OnGlare::Insist
    } else {
        OnGlare::Yield
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;

    fn id(n: u8) -> PeerId {
        PeerId::from_verifying_key(&SigningKey::from_bytes(&[n; 32]).verifying_key())
    }

    #[test]
    fn exactly_one_end_of_every_pair_yields() {
        for a in 1..20 {
            for b in (a + 1)..20 {
                let (a, b) = (id(a), id(b));
                let ends = [on_glare(&a, &b), on_glare(&b, &a)];
                assert!(ends.contains(&OnGlare::Yield) && ends.contains(&OnGlare::Insist));
            }
        }
    }
}
