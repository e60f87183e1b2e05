//! Frame-time traces as CSV: a header line naming the columns, then one row
//! per frame. `t_ms` (when the frame ended, never decreasing) and `frame_ms`
//! are required; `gpu_ms` and `memory_pressure` are read when present (an
//! empty cell means unknown); any other column is ignored. Blank lines and
//! lines starting with `#` are skipped. A bad row is refused with its line number.
//!
//! [`TraceRecorder`] writes such a trace while the viewer runs
//! (`--record-trace FILE`) without blocking or allocating on the render thread.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Sender, TrySendError};

use super::core::FrameSample;

/// The columns [`write_trace`] and [`TraceRecorder`] write, in order.
pub const COLUMNS: [&str; 4] = ["t_ms", "frame_ms", "gpu_ms", "memory_pressure"];

/// The most rows a trace may have (about 2.3 hours at 240 frames a second).
pub const MAX_TRACE_ROWS: usize = 2_000_000;

/// Rows a [`TraceRecorder`] buffers between the render thread and its writer.
pub const DEFAULT_RECORDER_CAPACITY: usize = 4096;

/// A trace that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The trace file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line of the file is malformed.
    #[error("{path}:{line}: {message}")]
    Row {
        /// The trace file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong, naming the column.
        message: String,
    },
}

/// Where each known column sits in a row.
struct Layout {
    t_ms: usize,
    frame_ms: usize,
    gpu_ms: Option<usize>,
    memory_pressure: Option<usize>,
    width: usize,
}

impl Layout {
    fn from_header(header: &str) -> Result<Self, String> {
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() {
                return Err(format!("header column {} has no name", i + 1));
            }
            if names[..i].contains(n) {
                return Err(format!("header names column {n:?} twice"));
            }
        }
        let find = |name: &str| names.iter().position(|n| *n == name);
        let need = |name: &str| {
            find(name).ok_or_else(|| {
                format!("header {header:?} has no {name:?} column (need at least t_ms,frame_ms)")
            })
        };
        Ok(Self {
            t_ms: need("t_ms")?,
            frame_ms: need("frame_ms")?,
            gpu_ms: find("gpu_ms"),
            memory_pressure: find("memory_pressure"),
            width: names.len(),
        })
    }
}

fn number(cells: &[&str], at: usize, name: &str) -> Result<f64, String> {
    let cell = cells[at];
    let v: f64 = cell
        .parse()
        .map_err(|_| format!("column {name}: {cell:?} is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("column {name}: {cell:?} is not a finite number"))
    }
}

fn optional(cells: &[&str], at: Option<usize>, name: &str) -> Result<Option<f64>, String> {
    match at {
        Some(i) if !cells[i].is_empty() => {
            let v = number(cells, i, name)?;
            if v < 0.0 {
                return Err(format!("column {name}: {v} is negative"));
            }
            Ok(Some(v))
        }
        _ => Ok(None),
    }
}

fn parse_row(cells: &[&str], layout: &Layout, prev_t: Option<f64>) -> Result<FrameSample, String> {
    if cells.len() != layout.width {
        return Err(format!(
            "expected {} columns as in the header, found {}",
            layout.width,
            cells.len()
        ));
    }
    let t_ms = number(cells, layout.t_ms, "t_ms")?;
    if t_ms < 0.0 {
        return Err(format!("column t_ms: {t_ms} is negative"));
    }
    if let Some(prev) = prev_t
        && t_ms < prev
    {
        return Err(format!(
            "column t_ms: {t_ms} is earlier than the previous row's {prev}"
        ));
    }
    let frame_ms = number(cells, layout.frame_ms, "frame_ms")?;
    if !(frame_ms > 0.0 && frame_ms <= 60_000.0) {
        return Err(format!(
            "column frame_ms: {frame_ms} is outside (0, 60000] ms"
        ));
    }
    Ok(FrameSample {
        t_ms,
        frame_ms,
        gpu_ms: optional(cells, layout.gpu_ms, "gpu_ms")?,
        memory_pressure: optional(cells, layout.memory_pressure, "memory_pressure")?,
    })
}

/// Parses a trace's text; `path` names the file in errors.
pub fn parse_trace(path: &Path, text: &str) -> Result<Vec<FrameSample>, TraceError> {
    let err = |line: usize, message: String| TraceError::Row {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut layout = None;
    let mut samples = Vec::new();
    let mut last_line = 0;
    let mut cells = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        last_line = line_no;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(l) = &layout else {
            layout = Some(Layout::from_header(line).map_err(|m| err(line_no, m))?);
            continue;
        };
        if samples.len() >= MAX_TRACE_ROWS {
            return Err(err(
                line_no,
                format!("more than {MAX_TRACE_ROWS} rows; split the trace"),
            ));
        }
        cells.clear();
        cells.extend(line.split(',').map(str::trim));
        let prev = samples.last().map(|s: &FrameSample| s.t_ms);
        let s = parse_row(&cells, l, prev).map_err(|m| err(line_no, m))?;
        samples.push(s);
    }
    match (&layout, samples.is_empty()) {
        (None, _) => Err(err(
            last_line.max(1),
            "no header line (expected t_ms,frame_ms,...)".into(),
        )),
        (Some(_), true) => Err(err(last_line.max(1), "the trace has no rows".into())),
        (Some(_), false) => Ok(samples),
    }
}

/// Reads a trace file.
pub fn read_trace(path: &Path) -> Result<Vec<FrameSample>, TraceError> {
    let text = std::fs::read_to_string(path).map_err(|source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_trace(path, &text)
}

fn write_header(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", COLUMNS.join(","))
}

fn write_row(out: &mut dyn Write, s: &FrameSample) -> std::io::Result<()> {
    write!(out, "{:.3},{:.3},", s.t_ms, s.frame_ms)?;
    if let Some(g) = s.gpu_ms {
        write!(out, "{g:.3}")?;
    }
    out.write_all(b",")?;
    if let Some(m) = s.memory_pressure {
        write!(out, "{m:.3}")?;
    }
    out.write_all(b"\n")
}

/// Writes samples as a trace (header and rows; times with 3 decimals).
pub fn write_trace(out: &mut dyn Write, samples: &[FrameSample]) -> std::io::Result<()> {
    write_header(out)?;
    for s in samples {
        write_row(out, s)?;
    }
    Ok(())
}

/// What a [`TraceRecorder`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceStats {
    /// Rows written to the file.
    pub written: u64,
    /// Rows dropped because the buffer was full (or the writer had failed).
    pub dropped: u64,
}

/// Records the viewer's frame-time trace to a CSV file.
///
/// [`record`](Self::record) is called on the render thread once per frame: it
/// puts the sample into a bounded channel (a fixed ring allocated once) and
/// returns at once. A writer thread formats and writes the rows. When the
/// writer falls behind and the buffer is full, the row is dropped and counted
/// ([`dropped`](Self::dropped)) rather than making the frame wait; a trace
/// with drops has gaps in `t_ms` where rows are missing.
#[derive(Debug)]
pub struct TraceRecorder {
    tx: Option<Sender<FrameSample>>,
    dropped: Arc<AtomicU64>,
    writer: Option<JoinHandle<Result<u64, TraceError>>>,
    path: PathBuf,
}

impl TraceRecorder {
    /// Creates (truncates) `path`, writes the header and starts the writer
    /// thread, with a buffer of `capacity` rows (at least 1).
    pub fn create(path: &Path, capacity: usize) -> Result<Self, TraceError> {
        let io = |source| TraceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut out = BufWriter::new(File::create(path).map_err(io)?);
        write_header(&mut out).map_err(io)?;
        let (tx, rx) = crossbeam_channel::bounded::<FrameSample>(capacity.max(1));
        let thread_path = path.to_path_buf();
        let writer = std::thread::Builder::new()
            .name("kestrel-trace".into())
            .spawn(move || {
                let io = |source| TraceError::Io {
                    path: thread_path.clone(),
                    source,
                };
                let mut written = 0u64;
                for s in rx.iter() {
                    write_row(&mut out, &s).map_err(io)?;
                    written += 1;
                }
                out.flush().map_err(io)?;
                Ok(written)
            })
            .map_err(io)?;
        Ok(Self {
            tx: Some(tx),
            dropped: Arc::new(AtomicU64::new(0)),
            writer: Some(writer),
            path: path.to_path_buf(),
        })
    }

    /// Queues one row without waiting or allocating; answers whether it was
    /// queued (a full buffer, or a writer that failed, drops it and counts it).
    #[inline]
    pub fn record(&self, sample: FrameSample) -> bool {
        let queued = match &self.tx {
            Some(tx) => match tx.try_send(sample) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            },
            None => false,
        };
        if !queued {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        queued
    }

    /// Rows dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes out what is buffered, closes the file and says how many rows
    /// were written and dropped; a write error of the writer thread comes back here.
    pub fn finish(mut self) -> Result<TraceStats, TraceError> {
        let written = self.close()?;
        Ok(TraceStats {
            written,
            dropped: self.dropped(),
        })
    }

    fn close(&mut self) -> Result<u64, TraceError> {
        drop(self.tx.take());
        match self.writer.take() {
            Some(handle) => handle.join().unwrap_or_else(|_| {
                Err(TraceError::Io {
                    path: self.path.clone(),
                    source: std::io::Error::other("the trace writer thread panicked"),
                })
            }),
            None => Ok(0),
        }
    }
}

impl Drop for TraceRecorder {
    fn drop(&mut self) {
        if self.writer.is_some()
            && let Err(e) = self.close()
        {
            tracing::warn!(error = %e, "frame-time trace not completely written");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_through_text() {
        let samples = vec![
            FrameSample::new(16.5, 16.5),
            FrameSample {
                t_ms: 33.0,
                frame_ms: 16.5,
                gpu_ms: Some(12.25),
                memory_pressure: Some(0.5),
            },
        ];
        let mut out = Vec::new();
        write_trace(&mut out, &samples).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("t_ms,frame_ms,gpu_ms,memory_pressure\n16.500,16.500,,\n"));
        assert_eq!(parse_trace(Path::new("x.csv"), &text).unwrap(), samples);
    }

    #[test]
    fn columns_are_found_by_name_and_extra_ones_ignored() {
        let text = "# comment\nframe_ms,note,t_ms\n10,hello,10\n\n12,x,22\n";
        let s = parse_trace(Path::new("x.csv"), text).unwrap();
        assert_eq!(
            s,
            vec![FrameSample::new(10.0, 10.0), FrameSample::new(22.0, 12.0)]
        );
    }
}
