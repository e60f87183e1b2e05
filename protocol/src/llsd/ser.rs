//! serde → [`Llsd`]: a `Serializer` that builds a value tree, `Serialize`
//! for [`Llsd`] and [`Date`], and the [`Uri`] / [`as_uuid`] / [`as_binary`]
//! helpers that let plain Rust types produce LLSD's typed scalars.
//!
//! LLSD has scalar kinds serde lacks (UUID, date, URI). They travel through
//! serde as newtype structs with reserved names (the trick `serde_json` uses
//! for raw values): other serializers see the inner string, ours turns it
//! back into the typed scalar.

use serde::ser::{self, Serialize};

use super::{Date, Llsd, LlsdMap};
use crate::types::Uuid;

pub(crate) const UUID_TOKEN: &str = "$kestrel::llsd::Uuid";
pub(crate) const DATE_TOKEN: &str = "$kestrel::llsd::Date";
pub(crate) const URI_TOKEN: &str = "$kestrel::llsd::Uri";
pub(crate) const VALUE_TOKEN: &str = "$kestrel::llsd::Llsd";

/// A Rust value does not fit LLSD, or an LLSD value does not fit the Rust
/// type; `path` says where (`events[0].body.agent_id`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("at {path}: ") })]
pub struct ValueError {
    /// Path from the root to the offending value; empty for the root.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

impl ValueError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ValueError {
            path: String::new(),
            message: message.into(),
        }
    }

    /// The same error one map key further out.
    pub(crate) fn in_key(mut self, key: &str) -> Self {
        let sep = if self.path.is_empty() || self.path.starts_with('[') {
            ""
        } else {
            "."
        };
        self.path = format!("{key}{sep}{}", self.path);
        self
    }

    /// The same error one array index further out.
    pub(crate) fn in_index(mut self, index: usize) -> Self {
        let sep = if self.path.is_empty() || self.path.starts_with('[') {
            ""
        } else {
            "."
        };
        self.path = format!("[{index}]{sep}{}", self.path);
        self
    }
}

impl ser::Error for ValueError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ValueError::new(msg.to_string())
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ValueError::new(msg.to_string())
    }
}

/// A URI string: serializes to [`Llsd::Uri`] through [`super::to_value`]
/// (and to a plain string elsewhere); deserializes from a URI or a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uri(pub String);

impl Serialize for Uri {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(URI_TOKEN, &self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Uri {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Uri)
    }
}

impl Serialize for Date {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(DATE_TOKEN, &self.to_string())
    }
}

/// `#[serde(with = "llsd::as_uuid")]` on a [`Uuid`] field makes
/// [`super::to_value`] produce [`Llsd::Uuid`] instead of a string.
pub mod as_uuid {
    use super::*;

    /// Serializes the UUID as LLSD's UUID scalar.
    pub fn serialize<S: ser::Serializer>(u: &Uuid, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(UUID_TOKEN, &u.to_string())
    }

    /// Reads a UUID from a UUID scalar or its text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
        <Uuid as serde::Deserialize>::deserialize(d)
    }

    /// The same for `Option<Uuid>` (`None` is undefined).
    pub mod option {
        use super::*;

        /// Serializes `Some` as LLSD's UUID scalar, `None` as undefined.
        pub fn serialize<S: ser::Serializer>(u: &Option<Uuid>, s: S) -> Result<S::Ok, S::Error> {
            struct Wrap<'a>(&'a Uuid);
            impl Serialize for Wrap<'_> {
                fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    super::serialize(self.0, s)
                }
            }
            match u {
                Some(u) => s.serialize_some(&Wrap(u)),
                None => s.serialize_none(),
            }
        }

        /// Reads an optional UUID.
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Uuid>, D::Error> {
            <Option<Uuid> as serde::Deserialize>::deserialize(d)
        }
    }
}

/// `#[serde(with = "llsd::as_binary")]` on a `Vec<u8>` field makes it LLSD
/// binary (serde would otherwise write an array of integers).
pub mod as_binary {
    use serde::de::{SeqAccess, Visitor};

    use super::*;

    /// Serializes the bytes as LLSD binary.
    pub fn serialize<S: ser::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(b)
    }

    /// Reads bytes from LLSD binary or an array of small integers.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("binary data")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(out)
            }
        }
        d.deserialize_byte_buf(V)
    }
}

impl Serialize for Llsd {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        match self {
            Llsd::Undefined => s.serialize_unit(),
            Llsd::Boolean(b) => s.serialize_bool(*b),
            Llsd::Integer(i) => s.serialize_i32(*i),
            Llsd::Real(r) => s.serialize_f64(*r),
            Llsd::String(t) => s.serialize_str(t),
            Llsd::Uuid(u) => as_uuid::serialize(u, s),
            Llsd::Date(d) => d.serialize(s),
            Llsd::Uri(t) => s.serialize_newtype_struct(URI_TOKEN, t),
            Llsd::Binary(b) => s.serialize_bytes(b),
            Llsd::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Llsd::Map(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

/// Largest integer magnitude an `f64` holds exactly (2^53).
const EXACT_F64_INT: u128 = 1 << 53;

/// Builds an [`Llsd`] from any `Serialize` value.
pub(crate) struct ValueSerializer;

fn wide_integer(negative: bool, magnitude: u128) -> Result<Llsd, ValueError> {
    let signed = if negative {
        i128::try_from(magnitude).map(|m| -m).ok()
    } else {
        i128::try_from(magnitude).ok()
    };
    if let Some(i) = signed.and_then(|v| i32::try_from(v).ok()) {
        return Ok(Llsd::Integer(i));
    }
    if magnitude <= EXACT_F64_INT {
        let r = magnitude as f64;
        return Ok(Llsd::Real(if negative { -r } else { r }));
    }
    Err(ValueError::new(format!(
        "integer {}{magnitude} has no exact LLSD form (outside i32 and beyond 2^53)",
        if negative { "-" } else { "" }
    )))
}

/// The text of a value that must serialize to a string (typed-scalar
/// newtypes).
fn inner_text<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<String, ValueError> {
    match value.serialize(ValueSerializer)? {
        Llsd::String(s) => Ok(s),
        other => Err(ValueError::new(format!(
            "{what} must be given as text, got {}",
            other.llsd_type()
        ))),
    }
}

impl ser::Serializer for ValueSerializer {
    type Ok = Llsd;
    type Error = ValueError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantSeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantMapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Llsd, ValueError> {
        Ok(Llsd::Boolean(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Llsd, ValueError> {
        Ok(Llsd::Integer(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Llsd, ValueError> {
        Ok(Llsd::Integer(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Llsd, ValueError> {
        Ok(Llsd::Integer(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Llsd, ValueError> {
        wide_integer(v < 0, u128::from(v.unsigned_abs()))
    }
    fn serialize_i128(self, v: i128) -> Result<Llsd, ValueError> {
        wide_integer(v < 0, v.unsigned_abs())
    }
    fn serialize_u8(self, v: u8) -> Result<Llsd, ValueError> {
        Ok(Llsd::Integer(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Llsd, ValueError> {
        Ok(Llsd::Integer(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Llsd, ValueError> {
        wide_integer(false, u128::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Llsd, ValueError> {
        wide_integer(false, u128::from(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Llsd, ValueError> {
        wide_integer(false, v)
    }
    fn serialize_f32(self, v: f32) -> Result<Llsd, ValueError> {
        Ok(Llsd::Real(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Llsd, ValueError> {
        Ok(Llsd::Real(v))
    }
    fn serialize_char(self, v: char) -> Result<Llsd, ValueError> {
        Ok(Llsd::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Llsd, ValueError> {
        Ok(Llsd::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Llsd, ValueError> {
        Ok(Llsd::Binary(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Undefined)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Llsd, ValueError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Undefined)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Llsd, ValueError> {
        Ok(Llsd::Undefined)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Llsd, ValueError> {
        Ok(Llsd::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Llsd, ValueError> {
        match name {
            UUID_TOKEN => {
                let text = inner_text(value, "a UUID")?;
                text.parse::<Uuid>()
                    .map(Llsd::Uuid)
                    .map_err(|e| ValueError::new(e.to_string()))
            }
            DATE_TOKEN => {
                let text = inner_text(value, "a date")?;
                Date::parse_iso8601(&text)
                    .map(Llsd::Date)
                    .map_err(|e| ValueError::new(e.to_string()))
            }
            URI_TOKEN => Ok(Llsd::Uri(inner_text(value, "a URI")?)),
            _ => value.serialize(self),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Llsd, ValueError> {
        let inner = value
            .serialize(ValueSerializer)
            .map_err(|e| e.in_key(variant))?;
        Ok(Llsd::Map(LlsdMap::from([(variant.to_string(), inner)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, ValueError> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0).min(1024)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, ValueError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, ValueError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSeqBuilder, ValueError> {
        Ok(VariantSeqBuilder {
            variant,
            seq: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, ValueError> {
        Ok(MapBuilder {
            map: LlsdMap::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder, ValueError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantMapBuilder, ValueError> {
        Ok(VariantMapBuilder {
            variant,
            map: self.serialize_map(Some(len))?,
        })
    }
}

/// Collects array elements.
pub(crate) struct SeqBuilder {
    items: Vec<Llsd>,
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        let index = self.items.len();
        let v = value
            .serialize(ValueSerializer)
            .map_err(|e| e.in_index(index))?;
        self.items.push(v);
        Ok(())
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Llsd;
    type Error = ValueError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.push(value)
    }
    fn end(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Array(self.items))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Llsd;
    type Error = ValueError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.push(value)
    }
    fn end(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Array(self.items))
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Llsd;
    type Error = ValueError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.push(value)
    }
    fn end(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Array(self.items))
    }
}

/// Collects a tuple variant's fields into `{variant: [...]}`.
pub(crate) struct VariantSeqBuilder {
    variant: &'static str,
    seq: SeqBuilder,
}

impl ser::SerializeTupleVariant for VariantSeqBuilder {
    type Ok = Llsd;
    type Error = ValueError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        let variant = self.variant;
        self.seq.push(value).map_err(|e| e.in_key(variant))
    }
    fn end(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Map(LlsdMap::from([(
            self.variant.to_string(),
            Llsd::Array(self.seq.items),
        )])))
    }
}

/// Collects map entries and struct fields.
pub(crate) struct MapBuilder {
    map: LlsdMap,
    key: Option<String>,
}

impl MapBuilder {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), ValueError> {
        let v = value
            .serialize(ValueSerializer)
            .map_err(|e| e.in_key(key))?;
        self.map.insert(key.to_string(), v);
        Ok(())
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Llsd;
    type Error = ValueError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueError> {
        self.key = Some(match key.serialize(ValueSerializer)? {
            Llsd::String(s) | Llsd::Uri(s) => s,
            Llsd::Integer(i) => i.to_string(),
            Llsd::Uuid(u) => u.to_string(),
            Llsd::Boolean(b) => b.to_string(),
            other => {
                return Err(ValueError::new(format!(
                    "LLSD map keys are strings; a {} key has no string form",
                    other.llsd_type()
                )));
            }
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ValueError::new("map value serialized before its key"))?;
        self.field(&key, value)
    }
    fn end(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Map(self.map))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Llsd;
    type Error = ValueError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.field(key, value)
    }
    fn end(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Map(self.map))
    }
}

/// Collects a struct variant's fields into `{variant: {...}}`.
pub(crate) struct VariantMapBuilder {
    variant: &'static str,
    map: MapBuilder,
}

impl ser::SerializeStructVariant for VariantMapBuilder {
    type Ok = Llsd;
    type Error = ValueError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        let variant = self.variant;
        self.map.field(key, value).map_err(|e| e.in_key(variant))
    }
    fn end(self) -> Result<Llsd, ValueError> {
        Ok(Llsd::Map(LlsdMap::from([(
            self.variant.to_string(),
            Llsd::Map(self.map.map),
        )])))
    }
}
