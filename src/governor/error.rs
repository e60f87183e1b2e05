//! What can go wrong in the governor's tools.

use std::path::PathBuf;

use crate::config::ConfigError;

use super::trace::TraceError;

/// An error of the replay tool, the trace recorder or the plotter.
#[derive(Debug, thiserror::Error)]
pub enum GovernorError {
    /// The thresholds file is unreadable or malformed (file:line:col).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The trace is unreadable or has a bad row (file:line).
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// The replay's output could not be written.
    #[error("cannot write the replay output: {0}")]
    Output(#[source] std::io::Error),
    /// The plot could not be drawn or written.
    #[error("{path}: {message}")]
    Plot {
        /// The plot file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}
