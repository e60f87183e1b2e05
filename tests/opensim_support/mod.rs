//! A real OpenSimulator region for a test binary, on 127.0.0.1.
//!
//! [`OpenSim::start`] runs `scripts/opensim/start.sh` (which builds
//! OpenSimulator from its source archive once and caches the build under
//! `target/opensim/`), giving the region a free port, fresh databases and
//! the avatar "Test User" / "kestrel". Dropping the [`OpenSim`] stops it
//! (also when the test panics); the script's watchdog stops it when the
//! test process ends any other way.
//!
//! Without the source archive the suite does not run: one line says so
//! and how to enable it, and the test returns. With
//! `KESTREL_OPENSIM_REQUIRED=1` a missing archive, or a build or start
//! that fails, fails the test with the reason instead.

#![allow(dead_code)]

pub mod content;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The avatar every region has (the estate owner).
pub const FIRST: &str = "Test";
/// Its last name.
pub const LAST: &str = "User";
/// Its password.
pub const PASSWORD: &str = "kestrel";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The source archive: `KESTREL_OPENSIM_ARCHIVE`, else the shared copy
/// beside the repository when there is one.
#[rustfmt::skip]
pub fn archive() -> Option<PathBuf> {
    let path = std::env::var_os("KESTREL_OPENSIM_ARCHIVE").map(PathBuf::from).unwrap_or_else(|| repo_root().join("../shared/opensim/opensim-0.9.2.2.tar.xz"));
    path.is_file().then_some(path)
}

/// `KESTREL_OPENSIM_REQUIRED=1`: not running is a failure.
pub fn required() -> bool {
    std::env::var("KESTREL_OPENSIM_REQUIRED").is_ok_and(|v| v == "1")
}

/// Fails (when required) or says in one line why the suite did not run.
fn not_run(reason: &str) -> Option<OpenSim> {
    if required() {
        panic!("opensim suite could not run (KESTREL_OPENSIM_REQUIRED=1): {reason}");
    }
    // Straight to stderr: the test harness captures print!/eprint!, and
    // this line must be seen even when the test passes.
    let _ = writeln!(std::io::stderr(), "opensim suite did not run: {reason}");
    None
}

/// A port free on 127.0.0.1 for both TCP (login, capabilities) and UDP
/// (the circuit), which OpenSim serves on the same number.
fn free_port() -> u16 {
    for _ in 0..50 {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no port free for both TCP and UDP on 127.0.0.1");
}

/// A running region; stopped when dropped.
pub struct OpenSim {
    /// The run's name (its directory is `target/opensim/runs/<name>`).
    pub name: String,
    /// HTTP and UDP port on 127.0.0.1.
    pub port: u16,
    /// The run's directory: console fifo, console output, its bin/.
    pub dir: PathBuf,
    /// How long the build (when not cached) and start-up took.
    pub start_time: Duration,
}

fn script(name: &str) -> PathBuf {
    repo_root().join("scripts/opensim").join(name)
}

impl OpenSim {
    /// Builds (once) and starts a region named `name`, or returns `None`
    /// after one line saying why the suite does not run.
    pub fn start(name: &str) -> Option<OpenSim> {
        let Some(archive) = archive() else {
            return match std::env::var_os("KESTREL_OPENSIM_ARCHIVE") {
                Some(path) => not_run(&format!(
                    "KESTREL_OPENSIM_ARCHIVE={} is not a file",
                    PathBuf::from(path).display()
                )),
                None => not_run(
                    "set KESTREL_OPENSIM_ARCHIVE=/path/to/opensim-0.9.2.2.tar.xz to enable it",
                ),
            };
        };
        let port = free_port();
        let _ = writeln!(
            std::io::stderr(),
            "[opensim] starting region {name} on 127.0.0.1:{port} from {} (building OpenSimulator first unless cached: minutes)",
            archive.display()
        );
        let started = Instant::now();
        let out = Command::new(script("start.sh"))
            .args(["--name", name, "--port", &port.to_string()])
            .args(["--owner", &std::process::id().to_string()])
            .env("KESTREL_OPENSIM_ARCHIVE", &archive)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .output();
        let out = match out {
            Ok(out) => out,
            Err(e) => return not_run(&format!("could not run scripts/opensim/start.sh: {e}")),
        };
        if !out.status.success() {
            // start.sh stops what it started when it fails; make sure.
            let _ = Command::new(script("stop.sh"))
                .args(["--name", name])
                .status();
            return not_run(&format!(
                "scripts/opensim/start.sh failed ({}); its log lines above say why",
                out.status
            ));
        }
        let dir = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .map(|l| PathBuf::from(l.trim()))
            .expect("start.sh prints the region's directory");
        Some(OpenSim {
            name: name.to_string(),
            port,
            dir,
            start_time: started.elapsed(),
        })
    }

    /// The login URI (XML-RPC) on loopback.
    pub fn login_uri(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// The console's output so far.
    pub fn console_output(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(self.dir.join("opensim.out")).unwrap_or_default())
            .into_owned()
    }

    /// Sends one console command.
    pub fn console(&self, command: &str) {
        let mut fifo = std::fs::OpenOptions::new()
            .write(true)
            .open(self.dir.join("console.fifo"))
            .expect("open the region's console fifo");
        writeln!(fifo, "{command}").expect("write to the region's console");
    }

    /// Sends a console command and returns the first line of output after
    /// it that `matches`, waiting up to `deadline`.
    pub fn ask(
        &self,
        command: &str,
        deadline: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let before = self.console_output().len();
        self.console(command);
        let end = Instant::now() + deadline;
        while Instant::now() < end {
            let out = self.console_output();
            if let Some(line) = out.get(before..).unwrap_or("").lines().find(|l| matches(l)) {
                return Some(line.to_string());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        None
    }

    /// Objects (link sets) the region lists (`show object name --regex .*`).
    pub fn object_count(&self) -> usize {
        let line = self
            .ask(
                "show object name --regex .*",
                Duration::from_secs(120),
                |l| l.contains("object(s) found"),
            )
            .expect("the region answers 'show object name'");
        line.split_whitespace()
            .take_while(|w| *w != "object(s)")
            .last()
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no count in {line:?}"))
    }

    /// Loads an xml2 file with `load xml2` (scripts/opensim/load.sh) and
    /// waits until the region lists `objects` objects.
    pub fn load_xml2(&self, file: &Path, objects: usize) {
        let status = Command::new(script("load.sh"))
            .args(["--name", &self.name, "--expect", &objects.to_string()])
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("run scripts/opensim/load.sh");
        assert!(status.success(), "loading {} failed", file.display());
    }
}

impl Drop for OpenSim {
    fn drop(&mut self) {
        let _ = writeln!(std::io::stderr(), "[opensim] stopping region {}", self.name);
        let _ = Command::new(script("stop.sh"))
            .args(["--name", &self.name])
            .stdin(Stdio::null())
            .status();
    }
}
