//! Read-only views over a decoded tree.
//!
//! The tree itself is `bip_bencode`'s; these views keep its types out of the
//! public API and add typed field access with [`FieldError`]s.

use bip_bencode::{BDictAccess, BListAccess, BRefAccess, BencodeRef, BencodeRefKind};

use crate::error::{FieldError, FieldProblem};

/// A decoded bencode document that borrows its input.
#[derive(Debug)]
pub struct Document<'a> {
    root: BencodeRef<'a>,
}

impl<'a> Document<'a> {
    pub(super) fn new(root: BencodeRef<'a>) -> Self {
        Self { root }
    }

    /// The top-level value.
    pub fn root(&self) -> Value<'_, 'a> {
        Value(&self.root)
    }
}

/// A value inside a [`Document`]; `'a` is the input's lifetime.
#[derive(Clone, Copy)]
pub struct Value<'n, 'a>(&'n BencodeRef<'a>);

/// The four bencode types, with their contents.
#[derive(Clone, Copy)]
pub enum Kind<'n, 'a> {
    /// An integer.
    Int(i64),
    /// A byte string.
    Bytes(&'a [u8]),
    /// A list.
    List(List<'n, 'a>),
    /// A dictionary.
    Dict(Dict<'n, 'a>),
}

/// A list inside a [`Document`].
#[derive(Clone, Copy)]
pub struct List<'n, 'a>(&'n dyn BListAccess<BencodeRef<'a>>);

/// A dictionary inside a [`Document`].
#[derive(Clone, Copy)]
pub struct Dict<'n, 'a> {
    entries: &'n dyn BDictAccess<&'a [u8], BencodeRef<'a>>,
    raw: &'a [u8],
}

impl<'n, 'a> Value<'n, 'a> {
    /// The value's type and contents.
    pub fn kind(self) -> Kind<'n, 'a> {
        match self.0.kind() {
            BencodeRefKind::Int(value) => Kind::Int(value),
            // `bytes()` borrows from the node; the span holds the same bytes
            // with their input lifetime.
            BencodeRefKind::Bytes(bytes) => {
                Kind::Bytes(string_content(self.0.buffer(), bytes.len()))
            }
            BencodeRefKind::List(list) => Kind::List(List(list)),
            BencodeRefKind::Dict(entries) => Kind::Dict(Dict {
                entries,
                raw: self.0.buffer(),
            }),
        }
    }

    /// The exact input bytes this value was decoded from.
    pub fn raw(self) -> &'a [u8] {
        self.0.buffer()
    }

    /// The integer, if this is one.
    pub fn as_int(self) -> Option<i64> {
        self.0.int()
    }

    /// The byte string, if this is one.
    pub fn as_bytes(self) -> Option<&'a [u8]> {
        match self.kind() {
            Kind::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The list, if this is one.
    pub fn as_list(self) -> Option<List<'n, 'a>> {
        self.0.list().map(List)
    }

    /// The dictionary, if this is one.
    pub fn as_dict(self) -> Option<Dict<'n, 'a>> {
        match self.kind() {
            Kind::Dict(dict) => Some(dict),
            _ => None,
        }
    }
}

/// The content of a string node from its span `<len>:<content>`.
fn string_content(span: &[u8], len: usize) -> &[u8] {
    &span[span.len() - len..]
}

impl<'n, 'a> List<'n, 'a> {
    /// Number of elements.
    pub fn len(self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(self) -> bool {
        self.0.len() == 0
    }

    /// The elements in order.
    pub fn iter(self) -> impl Iterator<Item = Value<'n, 'a>> {
        let list = self.0;
        (0..list.len()).filter_map(move |index| list.get(index).map(Value))
    }
}

impl<'n, 'a> Dict<'n, 'a> {
    /// The value under `key`.
    pub fn get(self, key: &[u8]) -> Option<Value<'n, 'a>> {
        self.entries.lookup(key).map(Value)
    }

    /// The exact input bytes of the dictionary.
    pub fn raw(self) -> &'a [u8] {
        self.raw
    }

    /// All entries in key order.
    pub fn entries(self) -> impl ExactSizeIterator<Item = (&'a [u8], Value<'n, 'a>)> {
        let mut entries: Vec<_> = self
            .entries
            .to_list()
            .into_iter()
            .map(|(key, value)| (*key, Value(value)))
            .collect();
        entries.sort_unstable_by_key(|(key, _)| *key);
        entries.into_iter()
    }

    /// An optional integer field.
    pub fn int(self, key: &'static str) -> Result<Field<i64>, FieldError> {
        self.typed(key, "an integer", Value::as_int)
    }

    /// An optional byte-string field.
    pub fn bytes(self, key: &'static str) -> Result<Field<&'a [u8]>, FieldError> {
        self.typed(key, "a byte string", Value::as_bytes)
    }

    /// An optional UTF-8 string field.
    pub fn str(self, key: &'static str) -> Result<Field<&'a str>, FieldError> {
        self.bytes(key)?.try_map(|bytes| {
            core::str::from_utf8(bytes).map_err(|_| FieldError::new(key, FieldProblem::NotUtf8))
        })
    }

    /// An optional list field.
    pub fn list(self, key: &'static str) -> Result<Field<List<'n, 'a>>, FieldError> {
        self.typed(key, "a list", Value::as_list)
    }

    /// An optional dictionary field.
    pub fn dict(self, key: &'static str) -> Result<Field<Dict<'n, 'a>>, FieldError> {
        self.typed(key, "a dictionary", Value::as_dict)
    }

    /// An optional non-negative integer field that must fit `T`.
    pub fn uint<T: TryFrom<i64>>(self, key: &'static str) -> Result<Field<T>, FieldError> {
        self.int(key)?.try_map(|value| {
            T::try_from(value).map_err(|_| FieldError::new(key, FieldProblem::OutOfRange))
        })
    }

    fn typed<T>(
        self,
        key: &'static str,
        expected: &'static str,
        convert: impl FnOnce(Value<'n, 'a>) -> Option<T>,
    ) -> Result<Field<T>, FieldError> {
        let value = match self.get(key.as_bytes()) {
            None => None,
            Some(value) => Some(
                convert(value).ok_or(FieldError::new(key, FieldProblem::WrongType { expected }))?,
            ),
        };
        Ok(Field { key, value })
    }
}

/// A dictionary field that was present with the right type, or absent.
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct Field<T> {
    key: &'static str,
    value: Option<T>,
}

impl<T> Field<T> {
    /// The value; absence is a [`FieldProblem::Missing`] error.
    pub fn required(self) -> Result<T, FieldError> {
        self.value
            .ok_or(FieldError::new(self.key, FieldProblem::Missing))
    }

    /// The value, if present.
    pub fn optional(self) -> Option<T> {
        self.value
    }

    fn try_map<U>(
        self,
        f: impl FnOnce(T) -> Result<U, FieldError>,
    ) -> Result<Field<U>, FieldError> {
        Ok(Field {
            key: self.key,
            value: self.value.map(f).transpose()?,
        })
    }
}
