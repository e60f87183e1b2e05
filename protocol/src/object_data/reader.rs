//! A bounds-checked little-endian reader and matching writer helpers for
//! object payloads. Every read names the field it is reading so errors can.

use glam::{Vec3, Vec4};

use super::ObjectDataError;
use crate::types::Uuid;

pub(crate) struct WireReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> WireReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(crate) fn take(
        &mut self,
        n: usize,
        field: &'static str,
    ) -> Result<&'a [u8], ObjectDataError> {
        let start = self.pos;
        let slice =
            self.bytes
                .get(start..start.saturating_add(n))
                .ok_or(ObjectDataError::Truncated {
                    field,
                    offset: start,
                    needed: n,
                    len: self.bytes.len(),
                })?;
        self.pos += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], ObjectDataError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, ObjectDataError> {
        Ok(self.array::<1>(field)?[0])
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, ObjectDataError> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, ObjectDataError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    /// A finite `f32`.
    pub(crate) fn f32(&mut self, field: &'static str) -> Result<f32, ObjectDataError> {
        let v = f32::from_le_bytes(self.array(field)?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(ObjectDataError::NotFinite { field })
        }
    }

    pub(crate) fn vec3(&mut self, field: &'static str) -> Result<Vec3, ObjectDataError> {
        Ok(Vec3::new(
            self.f32(field)?,
            self.f32(field)?,
            self.f32(field)?,
        ))
    }

    pub(crate) fn vec4(&mut self, field: &'static str) -> Result<Vec4, ObjectDataError> {
        Ok(Vec4::new(
            self.f32(field)?,
            self.f32(field)?,
            self.f32(field)?,
            self.f32(field)?,
        ))
    }

    pub(crate) fn uuid(&mut self, field: &'static str) -> Result<Uuid, ObjectDataError> {
        Ok(Uuid::from_bytes(self.array(field)?))
    }

    /// A NUL-terminated UTF-8 string (the NUL is consumed, not returned).
    pub(crate) fn cstring(&mut self, field: &'static str) -> Result<String, ObjectDataError> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or(&[]);
        let len = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(ObjectDataError::Unterminated {
                field,
                offset: start,
            })?;
        let text = std::str::from_utf8(&rest[..len]).map_err(|_| ObjectDataError::NotUtf8 {
            field,
            offset: start,
        })?;
        self.pos += len + 1;
        Ok(text.to_owned())
    }
}

pub(crate) fn put_vec3(out: &mut Vec<u8>, v: Vec3) {
    for c in v.to_array() {
        out.extend_from_slice(&c.to_le_bytes());
    }
}

pub(crate) fn put_vec4(out: &mut Vec<u8>, v: Vec4) {
    for c in v.to_array() {
        out.extend_from_slice(&c.to_le_bytes());
    }
}

/// Writes a string with a NUL terminator; refuses interior NULs.
pub(crate) fn put_cstring(
    out: &mut Vec<u8>,
    s: &str,
    field: &'static str,
) -> Result<(), ObjectDataError> {
    if s.as_bytes().contains(&0) {
        return Err(ObjectDataError::Unencodable {
            field,
            reason: "string contains a NUL byte",
        });
    }
    out.extend_from_slice(s.as_bytes());
    out.push(0);
    Ok(())
}
