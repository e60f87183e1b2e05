//! Wire value types shared by generated messages and payload codecs.

use std::fmt;
use std::str::FromStr;

/// A 128-bit LLUUID as sent on the wire (16 bytes, network order).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uuid(pub [u8; 16]);

/// A string that is not a hyphenated (8-4-4-4-12) or plain 32-digit UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a UUID: {0:?} (expected 8-4-4-4-12 hex digits)")]
pub struct UuidParseError(pub String);

impl Uuid {
    /// The all-zero UUID (`LLUUID::null`).
    pub const NIL: Uuid = Uuid([0; 16]);

    /// Builds a UUID from its 16 wire bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Uuid(bytes)
    }

    /// The 16 wire bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// True for the all-zero UUID.
    pub fn is_nil(&self) -> bool {
        self.0 == [0; 16]
    }

    /// A UUID from a 128-bit number (big-endian byte order), handy for
    /// deterministic ids in the simulator and tests.
    pub const fn from_u128(v: u128) -> Self {
        Uuid(v.to_be_bytes())
    }

    /// The UUID as a 128-bit number (the inverse of [`Uuid::from_u128`]).
    pub const fn as_u128(&self) -> u128 {
        u128::from_be_bytes(self.0)
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

impl FromStr for Uuid {
    type Err = UuidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || UuidParseError(s.to_string());
        let t = s.trim();
        let hex: Vec<u8> = if t.len() == 36 {
            for (i, c) in t.bytes().enumerate() {
                if matches!(i, 8 | 13 | 18 | 23) != (c == b'-') {
                    return Err(err());
                }
            }
            t.bytes().filter(|&c| c != b'-').collect()
        } else if t.len() == 32 {
            t.bytes().collect()
        } else {
            return Err(err());
        };
        let mut out = [0u8; 16];
        for (i, pair) in hex.chunks(2).enumerate() {
            let s = std::str::from_utf8(pair).map_err(|_| err())?;
            out[i] = u8::from_str_radix(s, 16).map_err(|_| err())?;
        }
        Ok(Uuid(out))
    }
}

impl serde::Serialize for Uuid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Uuid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_text_round_trip() {
        let u: Uuid = "a2e76fcd-9360-4f6d-a924-000000000003".parse().unwrap();
        assert_eq!(u.to_string(), "a2e76fcd-9360-4f6d-a924-000000000003");
        assert_eq!(u.0[0], 0xa2);
        assert!(
            "a2e76fcd-9360-4f6d-a924-00000000000"
                .parse::<Uuid>()
                .is_err()
        );
        assert!(
            "g2e76fcd-9360-4f6d-a924-000000000003"
                .parse::<Uuid>()
                .is_err()
        );
    }
}
