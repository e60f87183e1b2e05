//! [`Llsd`] → serde: `Deserializer` for an owned value tree, and
//! `Deserialize` for [`Llsd`] and [`Date`].
//!
//! Conversions follow LLSD's own tolerance where no information is lost:
//! an integer field accepts an integral real or a numeric string, a string
//! field accepts URIs, UUIDs, dates and numbers (as their text), a real
//! field accepts integers. Anything else is a type error naming the path.

use serde::Deserialize;
use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};

use super::ser::{DATE_TOKEN, VALUE_TOKEN, ValueError};
use super::{Date, Llsd, LlsdMap, format_real};

/// Largest integer magnitude an `f64` holds exactly (2^53).
const EXACT_F64_INT: f64 = 9_007_199_254_740_992.0;

fn unexpected(value: &Llsd) -> de::Unexpected<'_> {
    match value {
        Llsd::Undefined => de::Unexpected::Unit,
        Llsd::Boolean(b) => de::Unexpected::Bool(*b),
        Llsd::Integer(i) => de::Unexpected::Signed(i64::from(*i)),
        Llsd::Real(r) => de::Unexpected::Float(*r),
        Llsd::String(s) => de::Unexpected::Str(s),
        Llsd::Uuid(_) => de::Unexpected::Other("a UUID"),
        Llsd::Date(_) => de::Unexpected::Other("a date"),
        Llsd::Uri(_) => de::Unexpected::Other("a URI"),
        Llsd::Binary(b) => de::Unexpected::Bytes(b),
        Llsd::Array(_) => de::Unexpected::Seq,
        Llsd::Map(_) => de::Unexpected::Map,
    }
}

impl Llsd {
    fn invalid_type<E: de::Error>(&self, exp: &dyn de::Expected) -> E {
        E::invalid_type(unexpected(self), exp)
    }

    fn visit_integer<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Integer(i) => visitor.visit_i32(i),
            Llsd::Real(r) if r.fract() == 0.0 && r.abs() <= EXACT_F64_INT => {
                if r < 0.0 {
                    visitor.visit_i64(r as i64)
                } else {
                    visitor.visit_u64(r as u64)
                }
            }
            Llsd::String(ref s) => {
                let t = s.trim();
                if let Ok(i) = t.parse::<i64>() {
                    visitor.visit_i64(i)
                } else if let Ok(u) = t.parse::<u64>() {
                    visitor.visit_u64(u)
                } else {
                    Err(self.invalid_type(&visitor))
                }
            }
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn visit_float<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Real(r) => visitor.visit_f64(r),
            Llsd::Integer(i) => visitor.visit_f64(f64::from(i)),
            Llsd::String(ref s) => match s.trim().parse::<f64>() {
                Ok(r) => visitor.visit_f64(r),
                Err(_) => Err(self.invalid_type(&visitor)),
            },
            other => Err(other.invalid_type(&visitor)),
        }
    }
}

macro_rules! integer_methods {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            self.visit_integer(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Llsd {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Undefined => visitor.visit_unit(),
            Llsd::Boolean(b) => visitor.visit_bool(b),
            Llsd::Integer(i) => visitor.visit_i32(i),
            Llsd::Real(r) => visitor.visit_f64(r),
            Llsd::String(s) | Llsd::Uri(s) => visitor.visit_string(s),
            Llsd::Uuid(u) => visitor.visit_string(u.to_string()),
            Llsd::Date(d) => visitor.visit_string(d.to_string()),
            Llsd::Binary(b) => visitor.visit_byte_buf(b),
            Llsd::Array(items) => visit_array(items, visitor),
            Llsd::Map(map) => visit_map(map, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Boolean(b) => visitor.visit_bool(b),
            Llsd::Integer(i) => visitor.visit_bool(i != 0),
            Llsd::String(ref s) => match s.trim() {
                "true" | "TRUE" | "1" => visitor.visit_bool(true),
                "false" | "FALSE" | "0" | "" => visitor.visit_bool(false),
                _ => Err(self.invalid_type(&visitor)),
            },
            other => Err(other.invalid_type(&visitor)),
        }
    }

    integer_methods!(
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    );

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.visit_float(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.visit_float(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::String(s) | Llsd::Uri(s) => visitor.visit_string(s),
            Llsd::Uuid(u) => visitor.visit_string(u.to_string()),
            Llsd::Date(d) => visitor.visit_string(d.to_string()),
            Llsd::Integer(i) => visitor.visit_string(i.to_string()),
            Llsd::Real(r) => visitor.visit_string(format_real(r)),
            Llsd::Boolean(b) => visitor.visit_string(b.to_string()),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Binary(b) => visitor.visit_byte_buf(b),
            Llsd::String(s) => visitor.visit_byte_buf(s.into_bytes()),
            Llsd::Array(items) => visit_array(items, visitor),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Undefined => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Undefined => visitor.visit_unit(),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match (name, self) {
            // `Llsd`'s own Deserialize: hand typed scalars over intact.
            (VALUE_TOKEN, Llsd::Uuid(u)) => visitor.visit_enum(TypedScalar("uuid", u.to_string())),
            (VALUE_TOKEN, Llsd::Date(d)) => visitor.visit_enum(TypedScalar("date", d.to_string())),
            (VALUE_TOKEN, Llsd::Uri(s)) => visitor.visit_enum(TypedScalar("uri", s)),
            (VALUE_TOKEN, other) => other.deserialize_any(visitor),
            (DATE_TOKEN, Llsd::Date(d)) => visitor.visit_f64(d.unix_seconds()),
            (DATE_TOKEN, other) => other.deserialize_any(visitor),
            (_, value) => visitor.visit_newtype_struct(value),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Array(items) => visit_array(items, visitor),
            Llsd::Binary(bytes) => visit_array(
                bytes.into_iter().map(|b| Llsd::Integer(b.into())).collect(),
                visitor,
            ),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Llsd::Map(map) => visit_map(map, visitor),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self {
            Llsd::String(s) => visitor.visit_enum(s.into_deserializer()),
            Llsd::Map(map) if map.len() == 1 => {
                let Some((variant, value)) = map.into_iter().next() else {
                    return Err(de::Error::custom("empty enum map"));
                };
                visitor.visit_enum(VariantValue { variant, value })
            }
            other => Err(de::Error::custom(format!(
                "expected an enum as a string or a one-entry map, got {}",
                other.llsd_type()
            ))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_unit()
    }
}

fn visit_array<'de, V: Visitor<'de>>(items: Vec<Llsd>, visitor: V) -> Result<V::Value, ValueError> {
    let len = items.len();
    let mut seq = Elements {
        iter: items.into_iter(),
        index: 0,
    };
    let out = visitor.visit_seq(&mut seq)?;
    if seq.iter.len() != 0 {
        return Err(de::Error::invalid_length(
            len,
            &"fewer elements in the array",
        ));
    }
    Ok(out)
}

fn visit_map<'de, V: Visitor<'de>>(map: LlsdMap, visitor: V) -> Result<V::Value, ValueError> {
    visitor.visit_map(Entries {
        iter: map.into_iter(),
        pending: None,
    })
}

struct Elements {
    iter: std::vec::IntoIter<Llsd>,
    index: usize,
}

impl<'de> SeqAccess<'de> for &mut Elements {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueError> {
        let Some(item) = self.iter.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(item)
            .map(Some)
            .map_err(|e| e.in_index(index))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Entries {
    iter: std::collections::btree_map::IntoIter<String, Llsd>,
    pending: Option<(String, Llsd)>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        let k = seed.deserialize(Llsd::String(key.clone()))?;
        self.pending = Some((key, value));
        Ok(Some(k))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ValueError> {
        let (key, value) = self.pending.take().ok_or_else(|| {
            <ValueError as de::Error>::custom("map value requested before its key")
        })?;
        seed.deserialize(value).map_err(|e| e.in_key(&key))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An externally tagged enum variant: `{variant: value}`.
struct VariantValue {
    variant: String,
    value: Llsd,
}

impl<'de> EnumAccess<'de> for VariantValue {
    type Error = ValueError;
    type Variant = VariantBody;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantBody), ValueError> {
        let tag = seed.deserialize(Llsd::String(self.variant.clone()))?;
        Ok((
            tag,
            VariantBody {
                variant: self.variant,
                value: self.value,
            },
        ))
    }
}

struct VariantBody {
    variant: String,
    value: Llsd,
}

impl<'de> VariantAccess<'de> for VariantBody {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        match self.value {
            Llsd::Undefined => Ok(()),
            other => Err(other.invalid_type(&"a unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        let variant = self.variant;
        seed.deserialize(self.value).map_err(|e| e.in_key(&variant))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let variant = self.variant;
        de::Deserializer::deserialize_seq(self.value, visitor).map_err(|e| e.in_key(&variant))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let variant = self.variant;
        de::Deserializer::deserialize_map(self.value, visitor).map_err(|e| e.in_key(&variant))
    }
}

/// Carries a UUID, date or URI to [`Llsd`]'s visitor as `tag → text`.
struct TypedScalar(&'static str, String);

impl<'de> EnumAccess<'de> for TypedScalar {
    type Error = ValueError;
    type Variant = TypedText;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, TypedText), ValueError> {
        let tag = seed.deserialize(self.0.into_deserializer())?;
        Ok((tag, TypedText(self.1)))
    }
}

struct TypedText(String);

impl<'de> VariantAccess<'de> for TypedText {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        Err(de::Error::custom("typed LLSD scalar carries text"))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        seed.deserialize(self.0.into_deserializer())
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _v: V) -> Result<V::Value, ValueError> {
        Err(de::Error::custom("typed LLSD scalar carries text"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, ValueError> {
        Err(de::Error::custom("typed LLSD scalar carries text"))
    }
}

/// Builds an [`Llsd`] from whatever a deserializer offers.
struct LlsdVisitor;

fn integer_or_real<E>(v: i128) -> Result<Llsd, E> {
    Ok(match i32::try_from(v) {
        Ok(i) => Llsd::Integer(i),
        Err(_) => Llsd::Real(v as f64),
    })
}

impl<'de> Visitor<'de> for LlsdVisitor {
    type Value = Llsd;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any LLSD value")
    }
    fn visit_unit<E>(self) -> Result<Llsd, E> {
        Ok(Llsd::Undefined)
    }
    fn visit_none<E>(self) -> Result<Llsd, E> {
        Ok(Llsd::Undefined)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Llsd, D::Error> {
        Llsd::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Llsd, E> {
        Ok(Llsd::Boolean(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Llsd, E> {
        integer_or_real(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Llsd, E> {
        integer_or_real(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Llsd, E> {
        Ok(Llsd::Real(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Llsd, E> {
        Ok(Llsd::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Llsd, E> {
        Ok(Llsd::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Llsd, E> {
        Ok(Llsd::Binary(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Llsd, E> {
        Ok(Llsd::Binary(v))
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Llsd, D::Error> {
        // Not `Llsd::deserialize(d)`: a foreign deserializer would answer
        // our newtype request with this very call again, forever.
        d.deserialize_any(LlsdVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Llsd, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Llsd>()? {
            items.push(item);
        }
        Ok(Llsd::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Llsd, A::Error> {
        let mut out = LlsdMap::new();
        while let Some((k, v)) = map.next_entry::<String, Llsd>()? {
            out.insert(k, v);
        }
        Ok(Llsd::Map(out))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Llsd, A::Error> {
        let (tag, body): (String, _) = data.variant()?;
        let text: String = body.newtype_variant()?;
        match tag.as_str() {
            "uuid" => text.parse().map(Llsd::Uuid).map_err(de::Error::custom),
            "date" => Date::parse_iso8601(&text)
                .map(Llsd::Date)
                .map_err(de::Error::custom),
            "uri" => Ok(Llsd::Uri(text)),
            other => Err(de::Error::unknown_variant(other, &["uuid", "date", "uri"])),
        }
    }
}

impl<'de> Deserialize<'de> for Llsd {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Llsd, D::Error> {
        d.deserialize_newtype_struct(VALUE_TOKEN, LlsdVisitor)
    }
}

/// Reads a [`Date`] from seconds or ISO-8601 text.
struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Date;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an LLSD date (ISO-8601 text or seconds since the epoch)")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Date, E> {
        Date::from_unix_seconds(v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Date, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Date, E> {
        self.visit_f64(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
        if v.is_empty() {
            return Ok(Date::EPOCH);
        }
        Date::parse_iso8601(v).map_err(E::custom)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Date, D::Error> {
        d.deserialize_any(DateVisitor)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        d.deserialize_newtype_struct(DATE_TOKEN, DateVisitor)
    }
}

impl<'de> IntoDeserializer<'de, ValueError> for Llsd {
    type Deserializer = Llsd;

    fn into_deserializer(self) -> Llsd {
        self
    }
}
