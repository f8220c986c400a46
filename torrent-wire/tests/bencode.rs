//! Strict bencode: canonical round trips, budgets, and the hostile corpus.

use std::collections::BTreeMap;

use proptest::prelude::*;
use torrent_wire::BencodeError;
use torrent_wire::bencode::{self, Encoder, Kind, Limits, Value};

/// An owned bencode tree, the model the property tests compare against.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tree {
    Int(i64),
    Bytes(Vec<u8>),
    List(Vec<Tree>),
    Dict(BTreeMap<Vec<u8>, Tree>),
}

impl Tree {
    fn encode<B: bytes::BufMut>(&self, encoder: Encoder<'_, B>) {
        match self {
            Tree::Int(value) => encoder.int(*value),
            Tree::Bytes(value) => encoder.bytes(value),
            Tree::List(items) => {
                encoder.list(|list| items.iter().for_each(|item| item.encode(list.push())))
            }
            Tree::Dict(entries) => encoder.dict(|dict| {
                entries
                    .iter()
                    .for_each(|(key, value)| value.encode(dict.entry(key)));
            }),
        }
    }

    fn from_value(value: Value<'_, '_>) -> Tree {
        match value.kind() {
            Kind::Int(value) => Tree::Int(value),
            Kind::Bytes(bytes) => Tree::Bytes(bytes.to_vec()),
            Kind::List(list) => Tree::List(list.iter().map(Tree::from_value).collect()),
            Kind::Dict(dict) => Tree::Dict(
                dict.entries()
                    .map(|(key, value)| (key.to_vec(), Tree::from_value(value)))
                    .collect(),
            ),
        }
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Tree::Int),
        prop::collection::vec(any::<u8>(), 0..24).prop_map(Tree::Bytes),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Tree::List),
            prop::collection::btree_map(prop::collection::vec(any::<u8>(), 0..8), inner, 0..6)
                .prop_map(Tree::Dict),
        ]
    })
}

fn encode(tree: &Tree) -> Vec<u8> {
    bencode::to_vec(|encoder| tree.encode(encoder))
}

proptest! {
    #[test]
    fn every_value_round_trips_through_encode_and_decode(tree in tree()) {
        let bytes = encode(&tree);
        let document = bencode::decode(&bytes, &Limits::default()).expect("encoder output is canonical");
        prop_assert_eq!(Tree::from_value(document.root()), tree);
        prop_assert_eq!(document.root().raw(), &bytes[..]);
    }

    #[test]
    fn every_strict_prefix_of_a_document_is_rejected(tree in tree()) {
        let bytes = encode(&tree);
        for end in 0..bytes.len() {
            prop_assert!(bencode::decode(&bytes[..end], &Limits::default()).is_err(), "prefix {end} accepted");
        }
    }

    #[test]
    fn accepted_input_is_exactly_its_own_canonical_encoding(bytes in prop::collection::vec(
        prop::sample::select(b"0123456789ield:-+ax".to_vec()), 0..24)) {
        if let Ok(document) = bencode::decode(&bytes, &Limits::default()) {
            prop_assert_eq!(encode(&Tree::from_value(document.root())), bytes);
        }
    }
}

#[test]
fn raw_spans_cover_exactly_the_nested_value() {
    let input = b"d4:infod6:lengthi5eee";
    let document = bencode::decode(input, &Limits::default()).unwrap();
    let info = document.root().as_dict().unwrap().get(b"info").unwrap();
    assert_eq!(info.raw(), b"d6:lengthi5ee");
}

#[test]
fn extreme_integers_are_accepted() {
    for (input, value) in [
        (&b"i-9223372036854775808e"[..], i64::MIN),
        (b"i9223372036854775807e", i64::MAX),
        (b"i0e", 0),
    ] {
        assert_eq!(
            bencode::decode(input, &Limits::default())
                .unwrap()
                .root()
                .as_int(),
            Some(value)
        );
    }
}

#[test]
fn input_longer_than_the_budget_is_refused_before_scanning() {
    let limits = Limits {
        max_len: 8,
        ..Limits::default()
    };
    assert_eq!(
        bencode::decode(b"9:123456789", &limits).unwrap_err(),
        BencodeError::TooLong { len: 11, max: 8 }
    );
}

#[test]
fn element_budget_counts_keys_and_values() {
    let limits = Limits {
        max_elements: 3,
        ..Limits::default()
    };
    assert!(bencode::decode(b"d1:ai1ee", &limits).is_ok());
    assert_eq!(
        bencode::decode(b"d1:ai1e1:bi2ee", &limits).unwrap_err(),
        BencodeError::TooManyElements { max: 3 }
    );
}

#[test]
fn nesting_up_to_the_depth_limit_is_accepted_and_one_more_is_not() {
    let limits = Limits {
        max_depth: 4,
        ..Limits::default()
    };
    assert!(bencode::decode(b"lllleeee", &limits).is_ok());
    assert_eq!(
        bencode::decode(b"llllleeeee", &limits).unwrap_err(),
        BencodeError::TooDeep { offset: 4, max: 4 }
    );
}

/// Every file in `testdata/bencode/` and the exact error it must produce.
#[test]
fn every_hostile_input_gets_its_specific_error() {
    let expected: &[(&str, BencodeError)] = &[
        (
            "int_plus_sign",
            BencodeError::NonCanonicalInteger { offset: 0 },
        ),
        (
            "int_leading_zero",
            BencodeError::NonCanonicalInteger { offset: 0 },
        ),
        (
            "int_negative_zero",
            BencodeError::NonCanonicalInteger { offset: 0 },
        ),
        (
            "int_no_digits",
            BencodeError::NonCanonicalInteger { offset: 0 },
        ),
        ("int_overflow", BencodeError::IntegerOverflow { offset: 0 }),
        (
            "length_leading_zero",
            BencodeError::NonCanonicalLength { offset: 0 },
        ),
        (
            "length_2pow32_plus_1",
            BencodeError::StringPastEnd {
                offset: 0,
                declared: (1 << 32) + 1,
            },
        ),
        ("length_2pow63", BencodeError::LengthOverflow { offset: 0 }),
        ("keys_unsorted", BencodeError::UnsortedKey { offset: 7 }),
        ("keys_duplicate", BencodeError::DuplicateKey { offset: 7 }),
        (
            "nesting_10000",
            BencodeError::TooDeep {
                offset: 16,
                max: 16,
            },
        ),
        ("truncated_dict", BencodeError::UnexpectedEnd { offset: 4 }),
        (
            "truncated_string",
            BencodeError::StringPastEnd {
                offset: 0,
                declared: 5,
            },
        ),
        ("truncated_int", BencodeError::UnexpectedEnd { offset: 3 }),
        ("trailing_data", BencodeError::TrailingData { offset: 3 }),
        ("key_not_string", BencodeError::NonStringKey { offset: 1 }),
        (
            "key_without_value",
            BencodeError::MissingValue { offset: 4 },
        ),
        (
            "key_length_plus_sign",
            BencodeError::NonStringKey { offset: 1 },
        ),
        (
            "invalid_byte",
            BencodeError::InvalidByte {
                offset: 0,
                byte: b'x',
            },
        ),
    ];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/bencode");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            entry
                .unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    let mut named: Vec<String> = expected.iter().map(|(name, _)| name.to_string()).collect();
    named.sort();
    assert_eq!(files, named, "every corpus file needs an expected error");
    for (name, error) in expected {
        let input = std::fs::read(format!("{dir}/{name}.bencode")).unwrap();
        assert_eq!(
            &bencode::decode(&input, &Limits::default()).unwrap_err(),
            error,
            "{name}"
        );
    }
}
