//! The in-band close message: canonical round-trips, and every other form
//! refused.

use proptest::prelude::*;
use rtc_mesh::LinkError;
use rtc_mesh::link::{CloseCode, CloseReason, MAX_CLOSE_DETAIL_LEN};

proptest! {
    #[test]
    fn close_reasons_round_trip_with_the_detail_cut_to_the_limit(
        code in any::<u16>(),
        detail in "\\PC{0,200}",
    ) {
        let reason = CloseReason::new(CloseCode(code), detail.clone());
        let wire = reason.to_wire();
        let back = CloseReason::from_wire(&wire).expect("own output");
        prop_assert_eq!(back.code, reason.code);
        prop_assert!(back.detail.len() <= MAX_CLOSE_DETAIL_LEN);
        prop_assert!(detail.starts_with(&back.detail));
        if detail.len() <= MAX_CLOSE_DETAIL_LEN {
            prop_assert_eq!(back, reason);
        }
    }

    #[test]
    fn any_text_either_parses_to_its_own_canonical_form_or_is_refused(text in "\\PC{0,40}") {
        match CloseReason::from_wire(&text) {
            Ok(reason) => prop_assert_eq!(reason.to_wire(), text),
            Err(error) => prop_assert_eq!(error, LinkError::MalformedClose { len: text.len() }),
        }
    }
}

#[test]
fn a_detail_is_cut_on_a_character_boundary() {
    let detail = "é".repeat(MAX_CLOSE_DETAIL_LEN);
    let wire = CloseReason::new(CloseCode::NORMAL, detail).to_wire();
    let back = CloseReason::from_wire(&wire).expect("own output");
    assert_eq!(back.detail, "é".repeat(MAX_CLOSE_DETAIL_LEN / 2));
}
