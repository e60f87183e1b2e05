//! The field reader and writer that generated message code calls.
//!
//! Fields are little-endian except `IPPORT` (big-endian) and `IPADDR`
//! (network order). Every read is bounds-checked; an error names the
//! message, block and field through the reader's current context.

use super::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, VarBytes};
use glam::{DVec3, Quat, Vec3, Vec4};
use std::net::Ipv4Addr;

/// Returned by a failed read; the details are recorded in the [`Reader`]
/// (see [`Reader::take_error`]). Keeping the error out of every `Result`
/// keeps the hot decode path's return values a register wide.
pub(crate) struct Fail(());

/// A cursor over a message body with the names of what it is reading.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    total: usize,
    pub(crate) message: &'static str,
    pub(crate) block: &'static str,
    error: Option<DecodeError>,
}

impl<'a> Reader<'a> {
    /// A reader positioned `start` bytes into `body`.
    pub(crate) fn new(body: &'a [u8], start: usize, message: &'static str) -> Self {
        Reader {
            rest: body.get(start..).unwrap_or(&[]),
            total: body.len(),
            message,
            block: "",
            error: None,
        }
    }

    /// The error recorded by the read that returned [`Fail`].
    pub(crate) fn take_error(&mut self) -> DecodeError {
        self.error.take().unwrap_or_else(|| DecodeError {
            message: Some(self.message),
            block: Some(self.block),
            field: None,
            offset: self.total - self.rest.len(),
            kind: DecodeErrorKind::Truncated {
                needed: 0,
                available: self.rest.len(),
            },
        })
    }

    fn offset(&self) -> usize {
        self.total - self.rest.len()
    }

    #[cold]
    #[inline(never)]
    fn fail(&mut self, field: Option<&'static str>, kind: DecodeErrorKind) -> Fail {
        self.error = Some(DecodeError {
            message: Some(self.message),
            block: Some(self.block),
            field,
            offset: self.offset(),
            kind,
        });
        Fail(())
    }

    #[cold]
    #[inline(never)]
    fn truncated(&mut self, field: &'static str, needed: usize) -> Fail {
        self.fail(
            Some(field),
            DecodeErrorKind::Truncated {
                needed,
                available: self.rest.len(),
            },
        )
    }

    #[inline]
    pub(crate) fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], Fail> {
        match self.rest.split_first_chunk::<N>() {
            Some((head, tail)) => {
                self.rest = tail;
                Ok(*head)
            }
            None => Err(self.truncated(field, N)),
        }
    }

    // Called only when the template has fields of this type.
    #[allow(dead_code)]
    #[inline]
    pub(crate) fn null(&mut self, _field: &'static str) -> Result<(), Fail> {
        Ok(())
    }

    #[inline]
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, Fail> {
        Ok(self.array::<1>(field)?[0])
    }

    #[inline]
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, Fail> {
        self.array(field).map(u16::from_le_bytes)
    }

    #[inline]
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, Fail> {
        self.array(field).map(u32::from_le_bytes)
    }

    #[inline]
    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, Fail> {
        self.array(field).map(u64::from_le_bytes)
    }

    #[inline]
    pub(crate) fn i8(&mut self, field: &'static str) -> Result<i8, Fail> {
        self.array(field).map(i8::from_le_bytes)
    }

    #[inline]
    pub(crate) fn i16(&mut self, field: &'static str) -> Result<i16, Fail> {
        self.array(field).map(i16::from_le_bytes)
    }

    #[inline]
    pub(crate) fn i32(&mut self, field: &'static str) -> Result<i32, Fail> {
        self.array(field).map(i32::from_le_bytes)
    }

    // Called only when the template has fields of this type.
    #[allow(dead_code)]
    #[inline]
    pub(crate) fn i64(&mut self, field: &'static str) -> Result<i64, Fail> {
        self.array(field).map(i64::from_le_bytes)
    }

    #[inline]
    pub(crate) fn f32(&mut self, field: &'static str) -> Result<f32, Fail> {
        self.array(field).map(f32::from_le_bytes)
    }

    #[inline]
    pub(crate) fn f64(&mut self, field: &'static str) -> Result<f64, Fail> {
        self.array(field).map(f64::from_le_bytes)
    }

    /// `BOOL`: any non-zero byte is true, as the reference reader does.
    #[inline]
    pub(crate) fn bool(&mut self, field: &'static str) -> Result<bool, Fail> {
        Ok(self.u8(field)? != 0)
    }

    #[inline]
    pub(crate) fn vec3(&mut self, field: &'static str) -> Result<Vec3, Fail> {
        let b: [u8; 12] = self.array(field)?;
        Ok(Vec3::new(f32_at(&b, 0), f32_at(&b, 4), f32_at(&b, 8)))
    }

    #[inline]
    pub(crate) fn dvec3(&mut self, field: &'static str) -> Result<DVec3, Fail> {
        let b: [u8; 24] = self.array(field)?;
        Ok(DVec3::new(f64_at(&b, 0), f64_at(&b, 8), f64_at(&b, 16)))
    }

    #[inline]
    pub(crate) fn vec4(&mut self, field: &'static str) -> Result<Vec4, Fail> {
        let b: [u8; 16] = self.array(field)?;
        Ok(Vec4::new(
            f32_at(&b, 0),
            f32_at(&b, 4),
            f32_at(&b, 8),
            f32_at(&b, 12),
        ))
    }

    /// `LLQuaternion`: x, y, z on the wire; w is rebuilt non-negative
    /// (0 when x² + y² + z² exceeds 1).
    #[inline]
    pub(crate) fn quat(&mut self, field: &'static str) -> Result<Quat, Fail> {
        let v = self.vec3(field)?;
        let w = (1.0 - v.length_squared()).max(0.0).sqrt();
        Ok(Quat::from_xyzw(v.x, v.y, v.z, w))
    }

    #[inline]
    pub(crate) fn uuid(&mut self, field: &'static str) -> Result<crate::types::Uuid, Fail> {
        self.array(field).map(crate::types::Uuid)
    }

    #[inline]
    pub(crate) fn ip_addr(&mut self, field: &'static str) -> Result<Ipv4Addr, Fail> {
        self.array::<4>(field).map(Ipv4Addr::from)
    }

    /// `IPPORT`: big-endian, unlike every other integer field.
    #[inline]
    pub(crate) fn ip_port(&mut self, field: &'static str) -> Result<u16, Fail> {
        self.array(field).map(u16::from_be_bytes)
    }

    #[inline]
    fn take(&mut self, field: &'static str, len: usize) -> Result<&'a [u8], Fail> {
        if len > self.rest.len() {
            return Err(self.truncated(field, len));
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }

    /// `Variable 1`: a one-byte length, then the bytes (borrowed).
    #[inline]
    pub(crate) fn var1(&mut self, field: &'static str) -> Result<VarBytes<'a>, Fail> {
        let len = usize::from(self.u8(field)?);
        self.take(field, len).map(VarBytes::borrowed)
    }

    /// `Variable 2`: a two-byte little-endian length, then the bytes.
    #[inline]
    pub(crate) fn var2(&mut self, field: &'static str) -> Result<VarBytes<'a>, Fail> {
        let len = usize::from(self.u16(field)?);
        self.take(field, len).map(VarBytes::borrowed)
    }

    /// A Variable block's count, checked against what is left: `count`
    /// blocks of at least `min_size` bytes must fit. A count missing at the
    /// very end of the body means zero blocks, as the reference reader
    /// accepts.
    #[inline]
    pub(crate) fn block_count(&mut self, min_size: usize) -> Result<usize, Fail> {
        let Some((&count, tail)) = self.rest.split_first() else {
            return Ok(0);
        };
        self.rest = tail;
        let count = usize::from(count);
        if count * min_size > self.rest.len() {
            return Err(self.fail(
                None,
                DecodeErrorKind::TooManyBlocks {
                    count,
                    min_size,
                    available: self.rest.len(),
                },
            ));
        }
        Ok(count)
    }
}

#[inline]
fn f32_at(b: &[u8], at: usize) -> f32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    f32::from_le_bytes(a)
}

#[inline]
fn f64_at(b: &[u8], at: usize) -> f64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    f64::from_le_bytes(a)
}

/// Appends fields to an output buffer, either strictly (lengths over the
/// wire limits are errors) or leniently (they are truncated to the limit).
pub(crate) struct Writer<'o> {
    pub(crate) out: &'o mut Vec<u8>,
    strict: bool,
    pub(crate) message: &'static str,
    pub(crate) block: &'static str,
}

impl<'o> Writer<'o> {
    pub(crate) fn new(out: &'o mut Vec<u8>, strict: bool, message: &'static str) -> Self {
        Writer {
            out,
            strict,
            message,
            block: "",
        }
    }

    #[inline]
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    // Called only when the template has fields of this type.
    #[allow(dead_code)]
    #[inline]
    pub(crate) fn null(&mut self, _v: &()) {}

    #[inline]
    pub(crate) fn u8(&mut self, v: &u8) {
        self.out.push(*v);
    }

    #[inline]
    pub(crate) fn u16(&mut self, v: &u16) {
        self.bytes(&v.to_le_bytes());
    }

    #[inline]
    pub(crate) fn u32(&mut self, v: &u32) {
        self.bytes(&v.to_le_bytes());
    }

    #[inline]
    pub(crate) fn u64(&mut self, v: &u64) {
        self.bytes(&v.to_le_bytes());
    }

    #[inline]
    pub(crate) fn i8(&mut self, v: &i8) {
        self.bytes(&v.to_le_bytes());
    }

    #[inline]
    pub(crate) fn i16(&mut self, v: &i16) {
        self.bytes(&v.to_le_bytes());
    }

    #[inline]
    pub(crate) fn i32(&mut self, v: &i32) {
        self.bytes(&v.to_le_bytes());
    }

    // Called only when the template has fields of this type.
    #[allow(dead_code)]
    #[inline]
    pub(crate) fn i64(&mut self, v: &i64) {
        self.bytes(&v.to_le_bytes());
    }

    #[inline]
    pub(crate) fn f32(&mut self, v: &f32) {
        self.bytes(&v.to_le_bytes());
    }

    #[inline]
    pub(crate) fn f64(&mut self, v: &f64) {
        self.bytes(&v.to_le_bytes());
    }

    #[inline]
    pub(crate) fn bool(&mut self, v: &bool) {
        self.out.push(u8::from(*v));
    }

    #[inline]
    pub(crate) fn vec3(&mut self, v: &Vec3) {
        for c in v.to_array() {
            self.f32(&c);
        }
    }

    #[inline]
    pub(crate) fn dvec3(&mut self, v: &DVec3) {
        for c in v.to_array() {
            self.f64(&c);
        }
    }

    #[inline]
    pub(crate) fn vec4(&mut self, v: &Vec4) {
        for c in v.to_array() {
            self.f32(&c);
        }
    }

    /// `LLQuaternion`: x, y, z of the equivalent rotation with w ≥ 0
    /// (q and -q are the same rotation; the receiver rebuilds w ≥ 0).
    #[inline]
    pub(crate) fn quat(&mut self, q: &Quat) {
        let q = if q.w < 0.0 { -*q } else { *q };
        self.vec3(&Vec3::new(q.x, q.y, q.z));
    }

    #[inline]
    pub(crate) fn uuid(&mut self, v: &crate::types::Uuid) {
        self.bytes(&v.0);
    }

    #[inline]
    pub(crate) fn ip_addr(&mut self, v: &Ipv4Addr) {
        self.bytes(&v.octets());
    }

    #[inline]
    pub(crate) fn ip_port(&mut self, v: &u16) {
        self.bytes(&v.to_be_bytes());
    }

    #[inline]
    pub(crate) fn array<const N: usize>(&mut self, v: &[u8; N]) {
        self.bytes(v);
    }

    fn too_long(&self, field: Option<&'static str>, kind: EncodeErrorKind) -> EncodeError {
        EncodeError {
            message: self.message,
            block: self.block,
            field,
            kind,
        }
    }

    fn var(&mut self, field: &'static str, v: &[u8], max: usize) -> Result<usize, EncodeError> {
        if v.len() > max && self.strict {
            return Err(self.too_long(
                Some(field),
                EncodeErrorKind::FieldTooLong { len: v.len(), max },
            ));
        }
        Ok(v.len().min(max))
    }

    /// `Variable 1`.
    #[inline]
    pub(crate) fn var1(
        &mut self,
        field: &'static str,
        v: &VarBytes<'_>,
    ) -> Result<(), EncodeError> {
        let len = self.var(field, v, 255)?;
        self.out.push(len as u8);
        self.bytes(&v[..len]);
        Ok(())
    }

    /// `Variable 2`.
    #[inline]
    pub(crate) fn var2(
        &mut self,
        field: &'static str,
        v: &VarBytes<'_>,
    ) -> Result<(), EncodeError> {
        let len = self.var(field, v, 65535)?;
        self.bytes(&(len as u16).to_le_bytes());
        self.bytes(&v[..len]);
        Ok(())
    }

    /// A Variable block's count; returns how many blocks to write.
    #[inline]
    pub(crate) fn block_count(&mut self, count: usize) -> Result<usize, EncodeError> {
        if count > 255 && self.strict {
            return Err(self.too_long(None, EncodeErrorKind::TooManyBlocks { count }));
        }
        let n = count.min(255);
        self.out.push(n as u8);
        Ok(n)
    }
}
