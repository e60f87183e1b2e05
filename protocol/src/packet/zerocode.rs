//! Zerocoding: a run of zero bytes is sent as `0x00, count` (count 1..=255).

use std::fmt;

/// The most bytes a zerocoded packet may expand to (after its 6-byte
/// header). The reference implementation's receive buffer is 8 KiB; a
/// datagram expanding past that is refused rather than decoded.
pub const MAX_EXPANDED_LEN: usize = 8192;

/// Why a zerocoded body could not be expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ZeroDecodeError {
    /// The input ends with a `0x00` that has no count byte after it.
    #[error("zero run at byte {offset} has no count byte")]
    MissingCount {
        /// Offset of the `0x00` in the zerocoded input.
        offset: usize,
    },
    /// The expansion would exceed the limit.
    #[error("zerocoded data expands past the {limit}-byte limit (at input byte {offset})")]
    TooLarge {
        /// The limit in force.
        limit: usize,
        /// Input offset where the limit was passed.
        offset: usize,
    },
}

/// Appends the zerocoded form of `src` to `out`: each run of zeros becomes
/// `0x00, n` with n ≤ 255; other bytes are copied.
pub fn zero_encode(src: &[u8], out: &mut Vec<u8>) {
    out.reserve(src.len() + 2);
    let mut rest = src;
    while let Some(i) = rest.iter().position(|&b| b == 0) {
        out.extend_from_slice(&rest[..i]);
        let run = rest[i..].iter().take_while(|&&b| b == 0).count();
        let mut left = run;
        while left > 0 {
            let n = left.min(255);
            out.extend_from_slice(&[0, n as u8]);
            left -= n;
        }
        rest = &rest[i + run..];
    }
    out.extend_from_slice(rest);
}

/// Expands zerocoded `src`, appending to `out`, refusing to let what it
/// appends exceed `limit` bytes (on error `out` is left as it was). A count
/// of 0 expands to nothing (lenient, as other readers are).
pub fn zero_decode(src: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), ZeroDecodeError> {
    // Segment by segment (literal bytes, then one zero run): measured faster
    // than a byte loop into a pre-zeroed buffer on ObjectUpdate-like data.
    let start = out.len();
    out.reserve(src.len().min(limit));
    let mut rest = src;
    while let Some(i) = rest.iter().position(|&b| b == 0) {
        let offset = src.len() - rest.len() + i;
        let Some(&count) = rest.get(i + 1) else {
            out.truncate(start);
            return Err(ZeroDecodeError::MissingCount { offset });
        };
        if out.len() - start + i + usize::from(count) > limit {
            out.truncate(start);
            return Err(ZeroDecodeError::TooLarge { limit, offset });
        }
        out.extend_from_slice(&rest[..i]);
        out.resize(out.len() + usize::from(count), 0);
        rest = &rest[i + 2..];
    }
    if out.len() - start + rest.len() > limit {
        let offset = src.len() - rest.len();
        out.truncate(start);
        return Err(ZeroDecodeError::TooLarge { limit, offset });
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// Expands zerocoded bytes one at a time, for peeking at a few bytes (the
/// extra header and message number) without decoding a whole body.
pub(crate) struct ZeroDecodeIter<'a> {
    src: &'a [u8],
    zeros: usize,
}

impl<'a> ZeroDecodeIter<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        ZeroDecodeIter { src, zeros: 0 }
    }
}

impl Iterator for ZeroDecodeIter<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        loop {
            if self.zeros > 0 {
                self.zeros -= 1;
                return Some(0);
            }
            match self.src {
                [0, n, rest @ ..] => {
                    self.zeros = usize::from(*n);
                    self.src = rest;
                }
                [0] | [] => return None,
                [b, rest @ ..] => {
                    self.src = rest;
                    return Some(*b);
                }
            }
        }
    }
}

impl fmt::Debug for ZeroDecodeIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZeroDecodeIter")
            .field("remaining", &self.src.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_longer_than_255_split() {
        let src = vec![0u8; 300];
        let mut enc = Vec::new();
        zero_encode(&src, &mut enc);
        assert_eq!(enc, [0, 255, 0, 45]);
        let mut dec = Vec::new();
        zero_decode(&enc, &mut dec, MAX_EXPANDED_LEN).unwrap();
        assert_eq!(dec, src);
    }

    #[test]
    fn limit_and_missing_count() {
        let mut out = Vec::new();
        assert_eq!(
            zero_decode(&[1, 0, 255, 0, 255], &mut out, 300),
            Err(ZeroDecodeError::TooLarge {
                limit: 300,
                offset: 3
            })
        );
        out.clear();
        assert_eq!(
            zero_decode(&[1, 2, 0], &mut out, 300),
            Err(ZeroDecodeError::MissingCount { offset: 2 })
        );
        assert_eq!(
            ZeroDecodeIter::new(&[7, 0, 3, 9, 0]).collect::<Vec<_>>(),
            [7, 0, 0, 0, 9]
        );
    }
}
