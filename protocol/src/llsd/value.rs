//! The LLSD value tree.

use std::collections::BTreeMap;

use super::date::Date;
use crate::types::Uuid;

/// The map type of [`Llsd::Map`]: keys sorted, so every serialization of a
/// value is deterministic.
pub type LlsdMap = BTreeMap<String, Llsd>;

/// One LLSD value: undefined, a scalar, an array or a map.
///
/// `PartialEq` is structural and follows `f64` for reals (`NaN != NaN`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Llsd {
    /// No value (`<undef/>`, `!`).
    #[default]
    Undefined,
    /// `true` or `false`.
    Boolean(bool),
    /// A 32-bit signed integer.
    Integer(i32),
    /// A 64-bit IEEE 754 float.
    Real(f64),
    /// A Unicode string.
    String(String),
    /// A 128-bit UUID.
    Uuid(Uuid),
    /// An instant in UTC.
    Date(Date),
    /// A string that is a URI.
    Uri(String),
    /// Raw bytes.
    Binary(Vec<u8>),
    /// An ordered sequence of values.
    Array(Vec<Llsd>),
    /// String keys to values.
    Map(LlsdMap),
}

/// The kind of an [`Llsd`] value, for messages and dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LlsdType {
    /// [`Llsd::Undefined`]
    Undefined,
    /// [`Llsd::Boolean`]
    Boolean,
    /// [`Llsd::Integer`]
    Integer,
    /// [`Llsd::Real`]
    Real,
    /// [`Llsd::String`]
    String,
    /// [`Llsd::Uuid`]
    Uuid,
    /// [`Llsd::Date`]
    Date,
    /// [`Llsd::Uri`]
    Uri,
    /// [`Llsd::Binary`]
    Binary,
    /// [`Llsd::Array`]
    Array,
    /// [`Llsd::Map`]
    Map,
}

impl LlsdType {
    /// The name LLSD XML uses for the type (`undef`, `boolean`, …).
    pub fn name(self) -> &'static str {
        match self {
            LlsdType::Undefined => "undef",
            LlsdType::Boolean => "boolean",
            LlsdType::Integer => "integer",
            LlsdType::Real => "real",
            LlsdType::String => "string",
            LlsdType::Uuid => "uuid",
            LlsdType::Date => "date",
            LlsdType::Uri => "uri",
            LlsdType::Binary => "binary",
            LlsdType::Array => "array",
            LlsdType::Map => "map",
        }
    }
}

impl std::fmt::Display for LlsdType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Llsd {
    /// The kind of this value.
    pub fn llsd_type(&self) -> LlsdType {
        match self {
            Llsd::Undefined => LlsdType::Undefined,
            Llsd::Boolean(_) => LlsdType::Boolean,
            Llsd::Integer(_) => LlsdType::Integer,
            Llsd::Real(_) => LlsdType::Real,
            Llsd::String(_) => LlsdType::String,
            Llsd::Uuid(_) => LlsdType::Uuid,
            Llsd::Date(_) => LlsdType::Date,
            Llsd::Uri(_) => LlsdType::Uri,
            Llsd::Binary(_) => LlsdType::Binary,
            Llsd::Array(_) => LlsdType::Array,
            Llsd::Map(_) => LlsdType::Map,
        }
    }

    /// An empty map, to be filled with [`Llsd::insert`].
    pub fn new_map() -> Llsd {
        Llsd::Map(LlsdMap::new())
    }

    /// True for [`Llsd::Undefined`].
    pub fn is_undefined(&self) -> bool {
        matches!(self, Llsd::Undefined)
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Llsd::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_integer(&self) -> Option<i32> {
        match self {
            Llsd::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as `f64`, if this is a real or an integer.
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Llsd::Real(r) => Some(*r),
            Llsd::Integer(i) => Some(f64::from(*i)),
            _ => None,
        }
    }

    /// The text, if this is a string or a URI.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Llsd::String(s) | Llsd::Uri(s) => Some(s),
            _ => None,
        }
    }

    /// The UUID, if this is one or a string that parses as one.
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Llsd::Uuid(u) => Some(*u),
            Llsd::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// The date, if this is one.
    pub fn as_date(&self) -> Option<Date> {
        match self {
            Llsd::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// The bytes, if this is binary.
    pub fn as_binary(&self) -> Option<&[u8]> {
        match self {
            Llsd::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Llsd]> {
        match self {
            Llsd::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The entries, if this is a map.
    pub fn as_map(&self) -> Option<&LlsdMap> {
        match self {
            Llsd::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under `key` if this is a map holding it.
    pub fn get(&self, key: &str) -> Option<&Llsd> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// The element at `index` if this is an array that long.
    pub fn at(&self, index: usize) -> Option<&Llsd> {
        self.as_array().and_then(|a| a.get(index))
    }

    /// Inserts `key → value` and returns the map, turning an undefined value
    /// into an empty map first. A non-map, non-undefined value is replaced
    /// by a map (LLSD's own rule for assigning a key).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Llsd>) -> &mut Self {
        if !matches!(self, Llsd::Map(_)) {
            *self = Llsd::new_map();
        }
        if let Llsd::Map(m) = self {
            m.insert(key.into(), value.into());
        }
        self
    }

    /// Builder form of [`Llsd::insert`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Llsd>) -> Self {
        self.insert(key, value);
        self
    }

    /// Nesting depth: 0 for a scalar, 1 + the deepest child for containers.
    pub fn depth(&self) -> usize {
        match self {
            Llsd::Array(a) => 1 + a.iter().map(Llsd::depth).max().unwrap_or(0),
            Llsd::Map(m) => 1 + m.values().map(Llsd::depth).max().unwrap_or(0),
            _ => 0,
        }
    }
}

impl From<bool> for Llsd {
    fn from(v: bool) -> Self {
        Llsd::Boolean(v)
    }
}

impl From<i32> for Llsd {
    fn from(v: i32) -> Self {
        Llsd::Integer(v)
    }
}

impl From<f64> for Llsd {
    fn from(v: f64) -> Self {
        Llsd::Real(v)
    }
}

impl From<f32> for Llsd {
    fn from(v: f32) -> Self {
        Llsd::Real(f64::from(v))
    }
}

impl From<&str> for Llsd {
    fn from(v: &str) -> Self {
        Llsd::String(v.to_string())
    }
}

impl From<String> for Llsd {
    fn from(v: String) -> Self {
        Llsd::String(v)
    }
}

impl From<Uuid> for Llsd {
    fn from(v: Uuid) -> Self {
        Llsd::Uuid(v)
    }
}

impl From<Date> for Llsd {
    fn from(v: Date) -> Self {
        Llsd::Date(v)
    }
}

impl From<Vec<u8>> for Llsd {
    fn from(v: Vec<u8>) -> Self {
        Llsd::Binary(v)
    }
}

impl From<Vec<Llsd>> for Llsd {
    fn from(v: Vec<Llsd>) -> Self {
        Llsd::Array(v)
    }
}

impl From<LlsdMap> for Llsd {
    fn from(v: LlsdMap) -> Self {
        Llsd::Map(v)
    }
}

impl<T: Into<Llsd>> From<Option<T>> for Llsd {
    fn from(v: Option<T>) -> Self {
        v.map_or(Llsd::Undefined, Into::into)
    }
}

impl FromIterator<Llsd> for Llsd {
    fn from_iter<I: IntoIterator<Item = Llsd>>(iter: I) -> Self {
        Llsd::Array(iter.into_iter().collect())
    }
}

impl<K: Into<String>> FromIterator<(K, Llsd)> for Llsd {
    fn from_iter<I: IntoIterator<Item = (K, Llsd)>>(iter: I) -> Self {
        Llsd::Map(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}
