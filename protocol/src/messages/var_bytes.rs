//! The value of a `Variable 1|2` field: bytes borrowed from the received
//! datagram where possible, owned otherwise.

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

/// Bytes of a variable-length field.
///
/// Decoding borrows from the input (no copy); [`VarBytes::into_owned`]
/// gives a `'static` value to pass between threads. LL strings are sent as
/// UTF-8 with a terminating NUL: [`VarBytes::from_text`] and
/// [`VarBytes::text`] add and strip it.
///
/// In serde (the JSON of `kestrel-packet`), NUL-terminated UTF-8 text is a
/// plain string without the NUL (`"Hello"` is the bytes `Hello\0`); any
/// other bytes are an object `{"hex": "0a0b"}`.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct VarBytes<'a>(Cow<'a, [u8]>);

impl<'a> VarBytes<'a> {
    /// Wraps borrowed bytes.
    pub const fn borrowed(bytes: &'a [u8]) -> Self {
        VarBytes(Cow::Borrowed(bytes))
    }

    /// Wraps owned bytes.
    pub fn owned(bytes: Vec<u8>) -> VarBytes<'static> {
        VarBytes(Cow::Owned(bytes))
    }

    /// An empty value (no bytes at all, not even a NUL).
    pub const fn empty() -> Self {
        VarBytes(Cow::Borrowed(&[]))
    }

    /// A text field's wire form: the UTF-8 bytes and a terminating NUL.
    pub fn from_text(text: &str) -> VarBytes<'static> {
        let mut v = Vec::with_capacity(text.len() + 1);
        v.extend_from_slice(text.as_bytes());
        v.push(0);
        VarBytes(Cow::Owned(v))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as text: UTF-8 with one trailing NUL removed if present.
    /// `None` when the bytes are not valid UTF-8.
    pub fn text(&self) -> Option<&str> {
        let b: &[u8] = &self.0;
        std::str::from_utf8(b.strip_suffix(&[0]).unwrap_or(b)).ok()
    }

    /// The value as text, invalid UTF-8 replaced, one trailing NUL removed.
    pub fn text_lossy(&self) -> Cow<'_, str> {
        let b: &[u8] = &self.0;
        String::from_utf8_lossy(b.strip_suffix(&[0]).unwrap_or(b))
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when the bytes borrow from the decoded input.
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// An owned copy that outlives the input.
    pub fn into_owned(self) -> VarBytes<'static> {
        VarBytes(Cow::Owned(self.0.into_owned()))
    }

    /// The bytes as a `Vec`.
    pub fn into_vec(self) -> Vec<u8> {
        self.0.into_owned()
    }

    /// The NUL-terminated UTF-8 text these bytes hold, if they are that.
    fn as_wire_text(&self) -> Option<&str> {
        let body = self.0.strip_suffix(&[0])?;
        if body.contains(&0) {
            return None;
        }
        std::str::from_utf8(body).ok()
    }
}

impl Deref for VarBytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for VarBytes<'_> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl<'a> From<&'a [u8]> for VarBytes<'a> {
    fn from(b: &'a [u8]) -> Self {
        VarBytes::borrowed(b)
    }
}

impl From<Vec<u8>> for VarBytes<'static> {
    fn from(b: Vec<u8>) -> Self {
        VarBytes::owned(b)
    }
}

impl fmt::Debug for VarBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_wire_text() {
            Some(t) => write!(f, "{t:?}"),
            None => write!(f, "hex:{}", hex::encode(&self.0)),
        }
    }
}

impl serde::Serialize for VarBytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_wire_text() {
            Some(t) => s.serialize_str(t),
            None => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("hex", &hex::encode(&self.0))?;
                m.end()
            }
        }
    }
}

struct VarBytesVisitor;

impl<'de> Visitor<'de> for VarBytesVisitor {
    type Value = VarBytes<'static>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (text sent with a trailing NUL) or {\"hex\": \"…\"}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(VarBytes::from_text(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut bytes = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "hex" {
                return Err(de::Error::unknown_field(&key, &["hex"]));
            }
            let h: String = map.next_value()?;
            bytes = Some(hex::decode(&h).map_err(|e| {
                de::Error::custom(format!("\"hex\" is not hexadecimal ({e}): {h:?}"))
            })?);
        }
        bytes
            .map(VarBytes::owned)
            .ok_or_else(|| de::Error::missing_field("hex"))
    }
}

impl<'de> serde::Deserialize<'de> for VarBytes<'_> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(VarBytesVisitor)
    }
}

/// Serde for `Fixed N` fields: a hex string of exactly N bytes.
pub mod fixed_hex {
    use serde::Deserialize;
    use serde::de::Error;

    /// Writes the bytes as lowercase hex.
    pub fn serialize<const N: usize, S: serde::Serializer>(
        v: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    /// Reads exactly N bytes of hex.
    pub fn deserialize<'de, const N: usize, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let s = String::deserialize(d)?;
        let mut out = [0u8; N];
        hex::decode_to_slice(&s, &mut out).map_err(|e| {
            D::Error::custom(format!("expected {} hex digits ({e}), found {s:?}", 2 * N))
        })?;
        Ok(out)
    }
}
