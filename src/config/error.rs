//! Errors reading and writing configuration files.

use std::path::PathBuf;

/// A configuration file that could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the settings' shape.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong, in words.
        message: String,
    },
    /// A value parsed but is outside what the viewer can use.
    #[error("{path}: {field}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The offending setting, as a TOML path (`custom.draw_distance_m`).
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

impl ConfigError {
    /// Builds a parse error with the line and column of the TOML error's span.
    pub(crate) fn from_toml(path: PathBuf, text: &str, err: &toml::de::Error) -> Self {
        let (line, column) = err
            .span()
            .map(|s| line_col(text, s.start))
            .unwrap_or((1, 1));
        ConfigError::Parse {
            path,
            line,
            column,
            message: err.message().trim().to_string(),
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("abc", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
