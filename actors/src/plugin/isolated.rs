//! Isolated plugins: a child process per incarnation, spoken to over its
//! stdin/stdout with the framed protocol of [`protocol`](super::protocol).
//! Three small threads per child keep the supervisor thread from ever
//! blocking on a pipe: a writer (bounded queue of encoded frames), a reader
//! (frames → the supervisor's outcome queue) and a stderr logger.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use super::events::{Callback, PluginId};
use super::outcome::{Outcome, OutcomeKind};
use super::protocol::{ChildMessage, FrameError, HostMessage, encode_frame, read_frame};

/// Requests in flight to one child at most (events beyond are dropped and counted).
pub(crate) const MAX_IN_FLIGHT: usize = 64;

/// Longest stderr line logged (longer ones are cut).
const MAX_STDERR_LINE: u64 = 2048;

/// A request sent and not yet answered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub seq: u64,
    pub callback: Callback,
    pub sent: Instant,
}

/// Why a request was not sent.
pub(crate) enum SendFail {
    /// Too many requests in flight, or the writer's queue is full.
    Busy,
    /// The pipe is closed.
    Gone,
}

/// One running child process.
pub(crate) struct ChildProcess {
    child: Child,
    pub pid: u32,
    writer: Option<Sender<Vec<u8>>>,
    threads: Vec<JoinHandle<()>>,
    pub outstanding: VecDeque<Pending>,
    next_seq: u64,
    /// When the previous answer arrived: the oldest request started no earlier.
    last_answer: Instant,
    /// Hello received.
    pub ready: bool,
    pub last_rss_check: Instant,
    pub killed: bool,
    pub status: Option<ExitStatus>,
}

impl ChildProcess {
    /// Start `path args…`, its I/O threads, and send the handshake.
    pub(crate) fn spawn(
        id: PluginId,
        incarnation: u32,
        name: &str,
        path: &Path,
        args: &[String],
        outcomes: Sender<Outcome>,
    ) -> std::io::Result<Self> {
        let mut child = Command::new(path)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let pid = child.id();
        let (stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(i), Some(o), Some(e)) => (i, o, e),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(std::io::Error::other("child pipes missing"));
                }
            };
        let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(MAX_IN_FLIGHT + 2);
        let mut threads = Vec::with_capacity(3);
        let mut start = |what: &str, f: Box<dyn FnOnce() + Send>| -> std::io::Result<()> {
            threads.push(
                thread::Builder::new()
                    .name(format!("plugin-{name}-{what}"))
                    .spawn(f)?,
            );
            Ok(())
        };
        let spawned = start("w", Box::new(move || writer(stdin, rx)))
            .and_then(|()| {
                start(
                    "r",
                    Box::new(move || reader(stdout, id, incarnation, outcomes)),
                )
            })
            .and_then(|()| {
                let name = name.to_owned();
                start("e", Box::new(move || stderr_logger(stderr, name, pid)))
            });
        let now = Instant::now();
        let mut proc = Self {
            child,
            pid,
            writer: Some(tx),
            threads,
            outstanding: VecDeque::new(),
            next_seq: 1,
            last_answer: now,
            ready: false,
            last_rss_check: now,
            killed: false,
            status: None,
        };
        if let Err(e) = spawned {
            proc.kill();
            return Err(e);
        }
        let hello = HostMessage::Hello {
            protocol: super::protocol::PROTOCOL_VERSION,
        };
        if proc.push(&hello).is_err() {
            proc.kill();
            return Err(std::io::Error::other("cannot send the handshake"));
        }
        proc.outstanding.push_back(Pending {
            seq: 0,
            callback: Callback::Handshake,
            sent: now,
        });
        Ok(proc)
    }

    fn push(&self, msg: &HostMessage) -> Result<(), SendFail> {
        let Some(tx) = &self.writer else {
            return Err(SendFail::Gone);
        };
        let frame = encode_frame(msg).map_err(|_| SendFail::Gone)?;
        tx.try_send(frame).map_err(|e| match e {
            TrySendError::Full(_) => SendFail::Busy,
            TrySendError::Disconnected(_) => SendFail::Gone,
        })
    }

    /// Send a request built from its sequence number.
    pub(crate) fn request(
        &mut self,
        callback: Callback,
        build: impl FnOnce(u64) -> HostMessage,
    ) -> Result<(), SendFail> {
        if self.outstanding.len() >= MAX_IN_FLIGHT {
            return Err(SendFail::Busy);
        }
        let seq = self.next_seq;
        self.push(&build(seq))?;
        self.next_seq += 1;
        let now = Instant::now();
        if self.outstanding.is_empty() {
            self.last_answer = now;
        }
        self.outstanding.push_back(Pending {
            seq,
            callback,
            sent: now,
        });
        Ok(())
    }

    /// Whether a request for `callback` is in flight.
    pub(crate) fn in_flight(&self, callback: Callback) -> bool {
        self.outstanding.iter().any(|p| p.callback == callback)
    }

    /// The request the child is working on now, and since when.
    pub(crate) fn current(&self) -> Option<(Pending, Instant)> {
        self.outstanding
            .front()
            .map(|p| (*p, p.sent.max(self.last_answer)))
    }

    /// The answer to the oldest request arrived: take it off the queue.
    pub(crate) fn answered(&mut self) -> Option<Pending> {
        let p = self.outstanding.pop_front();
        self.last_answer = Instant::now();
        p
    }

    /// Close the child's stdin (it exits when it notices).
    pub(crate) fn close_input(&mut self) {
        self.writer = None;
    }

    /// Kill the child (SIGKILL) and close its stdin. Reaping happens in [`try_reap`](Self::try_reap).
    pub(crate) fn kill(&mut self) {
        // Kill before closing stdin: a child that sees EOF first may exit by
        // itself in between (seen on a loaded machine), and the reaped
        // status would say "exit status 0" instead of SIGKILL.
        if self.status.is_none() && !self.killed {
            let _ = self.child.kill();
            self.killed = true;
        }
        self.writer = None;
    }

    /// Reap the child if it has exited.
    pub(crate) fn try_reap(&mut self) -> Option<ExitStatus> {
        if self.status.is_none()
            && let Ok(Some(s)) = self.child.try_wait()
        {
            self.status = Some(s);
        }
        self.status
    }

    /// Reap the child, waiting for it (only after [`kill`](Self::kill)).
    pub(crate) fn wait(&mut self) {
        if self.status.is_none()
            && let Ok(s) = self.child.wait()
        {
            self.status = Some(s);
        }
    }

    /// All I/O threads have ended.
    pub(crate) fn threads_finished(&self) -> bool {
        self.threads.iter().all(JoinHandle::is_finished)
    }

    /// Join the ended I/O threads; detach any still running (a grandchild
    /// holding the pipe open), returning how many were detached.
    pub(crate) fn join_threads(&mut self) -> u64 {
        let mut detached = 0;
        for t in self.threads.drain(..) {
            if t.is_finished() {
                let _ = t.join();
            } else {
                detached += 1;
            }
        }
        detached
    }

    /// The child's resident memory in KiB (Linux; `None` elsewhere or if unreadable).
    pub(crate) fn rss_kib(&self) -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

fn writer(mut stdin: ChildStdin, frames: Receiver<Vec<u8>>) {
    // Ends when the supervisor drops the sender (stdin closes with it) or the child is gone.
    for frame in frames {
        if stdin
            .write_all(&frame)
            .and_then(|()| stdin.flush())
            .is_err()
        {
            break;
        }
    }
}

fn reader(stdout: ChildStdout, id: PluginId, incarnation: u32, outcomes: Sender<Outcome>) {
    let mut input = BufReader::new(stdout);
    let mut buf = Vec::new();
    loop {
        let what = match read_frame::<_, ChildMessage>(&mut input, &mut buf) {
            Ok(msg) => OutcomeKind::Frame(msg),
            Err(e) => OutcomeKind::PipeEnded(e),
        };
        let garbage = matches!(&what, OutcomeKind::PipeEnded(e) if is_garbage(e));
        let end = matches!(what, OutcomeKind::PipeEnded(_));
        let sent = outcomes.send(Outcome {
            id,
            incarnation,
            what,
        });
        if garbage {
            // Hold the pipe open, discarding, until the supervisor's kill
            // closes it: dropped now, the child's next write would fail and
            // it could exit by itself before the kill (seen under load).
            let _ = std::io::copy(&mut input, &mut std::io::sink());
        }
        if end || sent.is_err() {
            return;
        }
    }
}

fn stderr_logger(stderr: ChildStderr, name: String, pid: u32) {
    let mut input = BufReader::new(stderr);
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut input)
            .take(MAX_STDERR_LINE)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                tracing::info!(target: "kestrel::plugin", plugin = %name, pid, "{}", text.trim_end());
            }
        }
    }
}

/// "exit status 0", "killed by signal 6 (SIGABRT)".
pub(crate) fn describe_status(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                6 => " (SIGABRT)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                15 => " (SIGTERM)",
                _ => "",
            };
            return format!("killed by signal {sig}{name}");
        }
    }
    match status.code() {
        Some(c) => format!("exit status {c}"),
        None => status.to_string(),
    }
}

/// A [`FrameError`] worth a crash (everything except a clean close, which is an exit).
pub(crate) fn is_garbage(e: &FrameError) -> bool {
    !matches!(e, FrameError::Closed | FrameError::Io(_))
}
