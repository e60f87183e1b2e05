//! Owning wrappers around the OpenJPEG handles and the memory streams and
//! message sinks handed to it. All `unsafe` of the crate that is not pixel
//! copying lives here.
//!
//! Drop order matters: a stream holds a raw pointer to the Rust cursor given
//! to it (`SliceReader`, `VecWriter`), so callers declare the cursor first,
//! and Rust drops it after the stream.

use std::ffi::{CStr, c_char, c_void};
use std::marker::PhantomData;
use std::ptr;

use openjpeg_sys as sys;

/// OpenJPEG's "no more bytes" answer from a read callback, `(OPJ_SIZE_T)-1`.
const READ_END: usize = usize::MAX;

/// The most messages and bytes of message text kept per call: a hostile
/// codestream can make OpenJPEG warn once per code-block.
const MAX_MESSAGES: usize = 16;
const MAX_MESSAGE_BYTES: usize = 2048;

/// Collects OpenJPEG's error and warning messages instead of letting them
/// reach stderr.
#[derive(Default, Debug)]
pub(crate) struct Messages {
    errors: Vec<String>,
    warnings: Vec<String>,
    bytes: usize,
    dropped: usize,
}

impl Messages {
    fn push(&mut self, error: bool, msg: *const c_char) {
        if msg.is_null() {
            return;
        }
        if self.errors.len() + self.warnings.len() >= MAX_MESSAGES
            || self.bytes >= MAX_MESSAGE_BYTES
        {
            self.dropped += 1;
            return;
        }
        // SAFETY: OpenJPEG passes a NUL-terminated string valid for the
        // duration of the callback.
        let text = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
        let text = text.trim_end().to_string();
        self.bytes += text.len();
        if error {
            self.errors.push(text);
        } else {
            self.warnings.push(text);
        }
    }

    /// The errors (or, if none, the warnings), joined for an error message.
    pub fn summary(&self) -> String {
        let list = if self.errors.is_empty() {
            &self.warnings
        } else {
            &self.errors
        };
        let mut s = if list.is_empty() {
            "no message from OpenJPEG".to_string()
        } else {
            list.join("; ")
        };
        if self.dropped > 0 {
            s.push_str(&format!(" (+{} more)", self.dropped));
        }
        s
    }
}

unsafe extern "C" fn on_error(msg: *const c_char, data: *mut c_void) {
    // SAFETY: `data` is the `Messages` box registered in `Codec::new`, which
    // outlives the codec.
    if let Some(m) = unsafe { (data as *mut Messages).as_mut() } {
        m.push(true, msg);
    }
}

unsafe extern "C" fn on_warning(msg: *const c_char, data: *mut c_void) {
    // SAFETY: as in `on_error`.
    if let Some(m) = unsafe { (data as *mut Messages).as_mut() } {
        m.push(false, msg);
    }
}

/// Info messages are progress chatter ("tile 1/1 decoded"); dropped.
unsafe extern "C" fn on_info(_msg: *const c_char, _data: *mut c_void) {}

/// An OpenJPEG codec (decompressor or compressor) and the sink of its
/// messages. The sink is heap-allocated and reached only through the raw
/// pointer OpenJPEG also holds, so reading it between calls never aliases a
/// Rust reference the callbacks write through.
pub(crate) struct Codec {
    raw: *mut sys::opj_codec_t,
    messages: *mut Messages,
}

impl Codec {
    /// A J2K (raw codestream) decoder or encoder with its messages captured.
    pub fn new(encoder: bool) -> Option<Codec> {
        let format = sys::CODEC_FORMAT::OPJ_CODEC_J2K;
        // SAFETY: plain constructor calls; a null result is handled.
        let raw = unsafe {
            if encoder {
                sys::opj_create_compress(format)
            } else {
                sys::opj_create_decompress(format)
            }
        };
        if raw.is_null() {
            return None;
        }
        let messages = Box::into_raw(Box::<Messages>::default());
        let codec = Codec { raw, messages };
        let data = messages as *mut c_void;
        // SAFETY: the codec is valid; the callbacks only touch `data`, which
        // is freed after the codec in `Drop`.
        unsafe {
            sys::opj_set_error_handler(raw, Some(on_error), data);
            sys::opj_set_warning_handler(raw, Some(on_warning), data);
            sys::opj_set_info_handler(raw, Some(on_info), data);
        }
        Some(codec)
    }

    /// The raw handle, for the `sys` calls.
    pub fn raw(&self) -> *mut sys::opj_codec_t {
        self.raw
    }

    /// What OpenJPEG has reported so far, for an error message.
    pub fn messages(&self) -> String {
        // SAFETY: the box lives until Drop; no OpenJPEG call (hence no
        // callback) runs while this shared borrow exists.
        unsafe { &*self.messages }.summary()
    }
}

impl Drop for Codec {
    fn drop(&mut self) {
        // SAFETY: created by opj_create_*, destroyed once; the message box
        // is freed only after the codec that could write to it is gone.
        unsafe {
            sys::opj_destroy_codec(self.raw);
            drop(Box::from_raw(self.messages));
        }
    }
}

/// An OpenJPEG image, owned.
pub(crate) struct Image(pub *mut sys::opj_image_t);

impl Drop for Image {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: created by OpenJPEG (read_header or image_create),
            // destroyed once.
            unsafe { sys::opj_image_destroy(self.0) }
        }
    }
}

/// An OpenJPEG stream, owned. It borrows the cursor it reads or writes
/// (`'a`), so the borrow checker keeps the cursor alive and untouched for as
/// long as OpenJPEG may call back into it.
pub(crate) struct Stream<'a>(*mut sys::opj_stream_t, PhantomData<&'a mut ()>);

impl Stream<'_> {
    /// The raw handle, for the `sys` calls.
    pub fn raw(&self) -> *mut sys::opj_stream_t {
        self.0
    }
}

impl Drop for Stream<'_> {
    fn drop(&mut self) {
        // SAFETY: created by opj_stream_create, destroyed once. No free
        // function is registered, so the Rust-owned user data is untouched.
        unsafe { sys::opj_stream_destroy(self.0) }
    }
}

/// The input side of a memory stream: a cursor over the caller's slice.
pub(crate) struct SliceReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> SliceReader<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        SliceReader { data, pos: 0 }
    }

    /// An input stream reading this cursor.
    pub fn stream(&mut self) -> Option<Stream<'_>> {
        // OpenJPEG copies through an internal buffer; there is no point in
        // it being larger than the input.
        let buffer = self.data.len().clamp(1024, 1 << 20);
        // SAFETY: plain constructor; null handled.
        let raw = unsafe { sys::opj_stream_create(buffer, 1) };
        if raw.is_null() {
            return None;
        }
        let stream = Stream(raw, PhantomData);
        let user = self as *mut SliceReader<'a> as *mut c_void;
        // SAFETY: the stream is valid; the callbacks only use `user`, which
        // outlives the stream; no free function, Rust owns the reader.
        unsafe {
            sys::opj_stream_set_user_data(raw, user, None);
            sys::opj_stream_set_user_data_length(raw, self.data.len() as u64);
            sys::opj_stream_set_read_function(raw, Some(read_slice));
            sys::opj_stream_set_skip_function(raw, Some(skip_slice));
            sys::opj_stream_set_seek_function(raw, Some(seek_slice));
        }
        Some(stream)
    }
}

unsafe extern "C" fn read_slice(buf: *mut c_void, n: usize, user: *mut c_void) -> usize {
    // SAFETY: `user` is the SliceReader registered in `SliceReader::stream`.
    let Some(r) = (unsafe { (user as *mut SliceReader<'_>).as_mut() }) else {
        return READ_END;
    };
    let remaining = r.data.len().saturating_sub(r.pos);
    if remaining == 0 || buf.is_null() {
        return READ_END;
    }
    let k = n.min(remaining);
    // SAFETY: OpenJPEG gives a buffer of at least `n` bytes; `k <= n` and
    // `pos + k <= len`.
    unsafe { ptr::copy_nonoverlapping(r.data.as_ptr().add(r.pos), buf as *mut u8, k) };
    r.pos += k;
    k
}

unsafe extern "C" fn skip_slice(n: i64, user: *mut c_void) -> i64 {
    // SAFETY: as in `read_slice`.
    let Some(r) = (unsafe { (user as *mut SliceReader<'_>).as_mut() }) else {
        return -1;
    };
    let len = r.data.len() as i64;
    let pos = r.pos as i64;
    let target = pos.saturating_add(n).clamp(0, len);
    r.pos = target as usize;
    let moved = target - pos;
    // Hitting either end without moving is "end of stream" to OpenJPEG.
    if moved == 0 && n != 0 { -1 } else { moved }
}

unsafe extern "C" fn seek_slice(to: i64, user: *mut c_void) -> i32 {
    // SAFETY: as in `read_slice`.
    let Some(r) = (unsafe { (user as *mut SliceReader<'_>).as_mut() }) else {
        return 0;
    };
    if to < 0 || to as u64 > r.data.len() as u64 {
        return 0;
    }
    r.pos = to as usize;
    1
}

/// The output side of a memory stream: a growable buffer with a cursor,
/// because the encoder may seek back to patch lengths.
pub(crate) struct VecWriter {
    /// The bytes written so far.
    pub data: Vec<u8>,
    pos: usize,
    /// Writes past this size fail, so a runaway encoder cannot exhaust memory.
    cap: usize,
}

impl VecWriter {
    /// An empty writer refusing to grow past `cap` bytes.
    pub fn new(cap: usize) -> Self {
        VecWriter {
            data: Vec::new(),
            pos: 0,
            cap,
        }
    }

    /// An output stream writing to this buffer.
    pub fn stream(&mut self) -> Option<Stream<'_>> {
        // SAFETY: plain constructor; null handled.
        let raw = unsafe { sys::opj_stream_create(1 << 16, 0) };
        if raw.is_null() {
            return None;
        }
        let stream = Stream(raw, PhantomData);
        let user = self as *mut VecWriter as *mut c_void;
        // SAFETY: as in `SliceReader::stream`.
        unsafe {
            sys::opj_stream_set_user_data(raw, user, None);
            sys::opj_stream_set_write_function(raw, Some(write_vec));
            sys::opj_stream_set_skip_function(raw, Some(skip_vec));
            sys::opj_stream_set_seek_function(raw, Some(seek_vec));
        }
        Some(stream)
    }
}

unsafe extern "C" fn write_vec(buf: *mut c_void, n: usize, user: *mut c_void) -> usize {
    // SAFETY: `user` is the VecWriter registered in `VecWriter::stream`.
    let Some(w) = (unsafe { (user as *mut VecWriter).as_mut() }) else {
        return READ_END;
    };
    let Some(end) = w.pos.checked_add(n) else {
        return READ_END;
    };
    if end > w.cap || buf.is_null() {
        return READ_END;
    }
    if end > w.data.len() {
        w.data.resize(end, 0);
    }
    // SAFETY: OpenJPEG hands `n` readable bytes; the destination range was
    // just made to exist.
    let src = unsafe { std::slice::from_raw_parts(buf as *const u8, n) };
    w.data[w.pos..end].copy_from_slice(src);
    w.pos = end;
    n
}

unsafe extern "C" fn skip_vec(n: i64, user: *mut c_void) -> i64 {
    // SAFETY: as in `write_vec`.
    let Some(w) = (unsafe { (user as *mut VecWriter).as_mut() }) else {
        return -1;
    };
    let target = (w.pos as i64).saturating_add(n);
    if target < 0 || target as u64 > w.cap as u64 {
        return -1;
    }
    let target = target as usize;
    if target > w.data.len() {
        w.data.resize(target, 0);
    }
    w.pos = target;
    n
}

unsafe extern "C" fn seek_vec(to: i64, user: *mut c_void) -> i32 {
    // SAFETY: as in `write_vec`.
    let Some(w) = (unsafe { (user as *mut VecWriter).as_mut() }) else {
        return 0;
    };
    if to < 0 || to as u64 > w.data.len() as u64 {
        return 0;
    }
    w.pos = to as usize;
    1
}
