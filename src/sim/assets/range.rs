//! The `Range` header as OpenSimulator 0.9.2.2 reads it
//! (`Util.TryParseHttpRange`) and the part of an asset it selects
//! (`GetAssetsHandler.Handle`).
//!
//! OpenSim takes exactly `bytes=START-END` or `bytes=START-` (an empty START
//! is 0, END must be above 0); anything else — no header, another unit,
//! several ranges, a suffix range `bytes=-N` read as `0-N`, `bytes=0-0` —
//! is not a range, and the whole asset is served with 200. END past the
//! end is clamped to the last byte; START is then clamped to END. A START
//! at or past the end is where the region may differ: see [`PastEnd`].

/// A `Range` header OpenSim accepts: `start` and an optional last byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte asked for.
    pub start: u64,
    /// Last byte asked for (inclusive); `None` for "to the end".
    pub end: Option<u64>,
}

/// Parses a `Range` header as `Util.TryParseHttpRange` does; `None` when
/// OpenSim would not take it as a range (and would serve the whole asset).
pub fn parse(header: &str) -> Option<ByteRange> {
    if header.trim().is_empty() {
        return None;
    }
    let spec = header.strip_prefix("bytes=")?;
    let mut parts = spec.split('-');
    let (raw_start, raw_end) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let raw_start = raw_start.trim();
    let start = if raw_start.is_empty() {
        0
    } else {
        raw_start.parse::<i32>().ok()?
    };
    if start < 0 {
        return None;
    }
    let raw_end = raw_end.trim();
    if raw_end.is_empty() {
        return Some(ByteRange {
            start: start as u64,
            end: None,
        });
    }
    let end = raw_end.parse::<i32>().ok()?;
    (end > 0).then_some(ByteRange {
        start: start as u64,
        end: Some(end as u64),
    })
}

/// What a range request whose start is at or past the end of the asset gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PastEnd {
    /// `416 Range Not Satisfiable` with `Content-Range: bytes */N`, as the
    /// Second Life asset servers answer (the reference viewer takes it as
    /// "you have all the data"). The default.
    #[default]
    NotSatisfiable,
    /// `200` with the whole asset, as OpenSimulator 0.9.2.2's
    /// `GetAssetsHandler` answers ("viewers do send broken start").
    WholeAsset,
}

/// Which part of an asset of `len` bytes (`len > 0`) a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// 200, the whole asset.
    Whole,
    /// 206, bytes `start..=end` (`Content-Range: bytes start-end/len`).
    Partial {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
    /// 416.
    NotSatisfiable,
}

/// Selects the part of an asset of `len` bytes that a request with this
/// `Range` header (if any) gets, clamping as OpenSim does.
pub fn select(header: Option<&str>, len: u64, past_end: PastEnd) -> Selection {
    let Some(range) = header.and_then(parse) else {
        return Selection::Whole;
    };
    if len == 0 || range.start >= len {
        return match past_end {
            PastEnd::NotSatisfiable => Selection::NotSatisfiable,
            PastEnd::WholeAsset => Selection::Whole,
        };
    }
    let end = range.end.map_or(len - 1, |e| e.min(len - 1));
    let start = range.start.min(end);
    Selection::Partial { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_opensim_parses() {
        let r = |s, e| Some(ByteRange { start: s, end: e });
        assert_eq!(parse("bytes=0-599"), r(0, Some(599)));
        assert_eq!(parse("bytes=600-"), r(600, None));
        assert_eq!(parse("bytes=-500"), r(0, Some(500)), "no suffix ranges");
        assert_eq!(parse("bytes= 10 - 20 "), r(10, Some(20)));
        for bad in [
            "",
            "  ",
            "bytes=0-0",
            "bytes=a-b",
            "bytes=0-10,20-30",
            "items=0-10",
            "Bytes=0-10",
            "bytes=5",
            "bytes=99999999999-",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse("bytes=-"), r(0, None), "the whole asset, as a range");
    }

    #[test]
    fn selects_and_clamps_as_opensim_does() {
        let n = 1000;
        let s = |h: &str| select(Some(h), n, PastEnd::NotSatisfiable);
        assert_eq!(s("bytes=0-599"), Selection::Partial { start: 0, end: 599 });
        assert_eq!(
            s("bytes=600-"),
            Selection::Partial {
                start: 600,
                end: 999
            }
        );
        assert_eq!(
            s("bytes=600-5000"),
            Selection::Partial {
                start: 600,
                end: 999
            }
        );
        assert_eq!(
            s("bytes=999-999"),
            Selection::Partial {
                start: 999,
                end: 999
            }
        );
        // START after END: OpenSim clamps START down to END.
        assert_eq!(
            s("bytes=500-100"),
            Selection::Partial {
                start: 100,
                end: 100
            }
        );
        assert_eq!(s("bytes=1000-2000"), Selection::NotSatisfiable);
        assert_eq!(
            select(Some("bytes=1000-2000"), n, PastEnd::WholeAsset),
            Selection::Whole
        );
        assert_eq!(s("bytes=oops"), Selection::Whole);
        assert_eq!(select(None, n, PastEnd::NotSatisfiable), Selection::Whole);
    }
}
