//! [`PluginSpec`]: what `--plugin NAME_OR_PATH[:ARGS]` names.
//!
//! * `NAME[:ARGS]` — an in-process plugin from the examples registry, e.g.
//!   `chat-logger`, `faulty:panic-every-update`.
//! * `PATH[:ARGS]` — an isolated plugin: an executable, run as a child
//!   process. A value is a path when the part before the first `:` contains
//!   `/` or `\` (or starts with a drive, `C:\`); the arguments start at that
//!   first `:` (a path with `:` in it cannot be given this way).
//!
//! ARGS is a comma-separated list (`faulty:hang-on-load,leak-mb-per-update=1`);
//! an isolated plugin gets them as its command-line arguments.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use thiserror::Error;

/// Where a plugin comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PluginSource {
    /// An in-process plugin registered under this name.
    Builtin(String),
    /// An isolated plugin: this executable.
    Executable(PathBuf),
}

/// A plugin to load and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginSpec {
    /// What to run.
    pub source: PluginSource,
    /// Its arguments.
    pub args: Vec<String>,
}

/// A `--plugin` value that cannot be understood.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PluginSpecError {
    /// Nothing given.
    #[error("empty plugin spec (expected NAME_OR_PATH[:ARGS])")]
    Empty,
    /// A name with a character outside `[a-z0-9_.-]` (case-insensitive).
    #[error(
        "plugin spec {spec:?}: plugin name has {c:?} at byte {at} (names use letters, digits, '-', '_', '.'; a path needs a '/')"
    )]
    BadName {
        /// The whole spec.
        spec: String,
        /// Byte offset in the spec.
        at: usize,
        /// The character.
        c: char,
    },
    /// A path or name before the `:` is empty.
    #[error("plugin spec {spec:?}: nothing before ':'")]
    MissingName {
        /// The whole spec.
        spec: String,
    },
    /// An empty argument (`a,,b`, a trailing `,` or `:` with nothing after it).
    #[error("plugin spec {spec:?}: argument {index} is empty")]
    EmptyArg {
        /// The whole spec.
        spec: String,
        /// Which argument (1-based).
        index: usize,
    },
}

impl PluginSpec {
    /// An in-process plugin from the registry.
    pub fn builtin(name: impl Into<String>, args: &[&str]) -> Self {
        Self {
            source: PluginSource::Builtin(name.into()),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    /// An isolated plugin: `path`, run with `args`.
    pub fn executable(path: impl Into<PathBuf>, args: &[&str]) -> Self {
        Self {
            source: PluginSource::Executable(path.into()),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    /// Parse `NAME_OR_PATH[:ARGS]` (see the module docs).
    pub fn parse(spec: &str) -> Result<Self, PluginSpecError> {
        let spec_s = spec.trim();
        if spec_s.is_empty() {
            return Err(PluginSpecError::Empty);
        }
        // A Windows drive prefix (`C:\` or `C:/`) is part of the path, not the ARGS separator.
        let b = spec_s.as_bytes();
        let drive = b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\');
        let search_from = if drive { 2 } else { 0 };
        let (head, args) = match spec_s[search_from..].find(':') {
            Some(i) => {
                let at = search_from + i;
                (&spec_s[..at], Some(&spec_s[at + 1..]))
            }
            None => (spec_s, None),
        };
        if head.is_empty() {
            return Err(PluginSpecError::MissingName {
                spec: spec_s.to_owned(),
            });
        }
        let is_path = drive || head.contains(['/', '\\']);
        let source = if is_path {
            PluginSource::Executable(PathBuf::from(head))
        } else {
            let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
            if let Some((at, c)) = head.char_indices().find(|(_, c)| !ok(*c)) {
                return Err(PluginSpecError::BadName {
                    spec: spec_s.to_owned(),
                    at,
                    c,
                });
            }
            PluginSource::Builtin(head.to_ascii_lowercase())
        };
        let args = match args {
            None => Vec::new(),
            Some(list) => {
                let mut out = Vec::new();
                for (i, a) in list.split(',').enumerate() {
                    if a.is_empty() {
                        return Err(PluginSpecError::EmptyArg {
                            spec: spec_s.to_owned(),
                            index: i + 1,
                        });
                    }
                    out.push(a.to_owned());
                }
                out
            }
        };
        Ok(Self { source, args })
    }

    /// The short name used before the plugin declares its own: the registry
    /// name, or the executable's file name.
    pub fn short_name(&self) -> String {
        match &self.source {
            PluginSource::Builtin(n) => n.clone(),
            PluginSource::Executable(p) => p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
        }
    }
}

impl FromStr for PluginSpec {
    type Err = PluginSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PluginSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            PluginSource::Builtin(n) => f.write_str(n)?,
            PluginSource::Executable(p) => write!(f, "{}", p.display())?,
        }
        if !self.args.is_empty() {
            write!(f, ":{}", self.args.join(","))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_args() {
        assert_eq!(
            PluginSpec::parse("faulty:panic-every-update").unwrap(),
            PluginSpec::builtin("faulty", &["panic-every-update"])
        );
        assert_eq!(
            PluginSpec::parse("chat-logger").unwrap(),
            PluginSpec::builtin("chat-logger", &[])
        );
        assert_eq!(
            PluginSpec::parse("faulty:hang-on-load,leak-mb-per-update=1").unwrap(),
            PluginSpec::builtin("faulty", &["hang-on-load", "leak-mb-per-update=1"])
        );
    }

    #[test]
    fn paths() {
        assert_eq!(
            PluginSpec::parse("./target/debug/kestrel-plugin-host:faulty,abort-after=3").unwrap(),
            PluginSpec::executable(
                "./target/debug/kestrel-plugin-host",
                &["faulty", "abort-after=3"]
            )
        );
        assert_eq!(
            PluginSpec::parse("/usr/lib/plug:path=/tmp/x.log").unwrap(),
            PluginSpec::executable("/usr/lib/plug", &["path=/tmp/x.log"])
        );
        assert_eq!(
            PluginSpec::parse("chat-logger:path=/tmp/x.log").unwrap(),
            PluginSpec::builtin("chat-logger", &["path=/tmp/x.log"])
        );
        assert_eq!(
            PluginSpec::parse(r"C:\p\x.exe:a").unwrap(),
            PluginSpec::executable(r"C:\p\x.exe", &["a"])
        );
        let s = PluginSpec::parse("/bin/p:x,y").unwrap();
        assert_eq!(s.to_string(), "/bin/p:x,y");
        assert_eq!(s.short_name(), "p");
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(PluginSpec::parse("  "), Err(PluginSpecError::Empty));
        assert!(matches!(
            PluginSpec::parse("fau lty"),
            Err(PluginSpecError::BadName { at: 3, c: ' ', .. })
        ));
        assert!(matches!(
            PluginSpec::parse(":x"),
            Err(PluginSpecError::MissingName { .. })
        ));
        assert!(matches!(
            PluginSpec::parse("faulty:"),
            Err(PluginSpecError::EmptyArg { index: 1, .. })
        ));
        assert!(matches!(
            PluginSpec::parse("faulty:a,,b"),
            Err(PluginSpecError::EmptyArg { index: 2, .. })
        ));
        let msg = PluginSpec::parse("fau lty").unwrap_err().to_string();
        assert!(msg.contains("byte 3"), "{msg}");
    }
}
