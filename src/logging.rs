//! Logging to a file in the state directory, never to the terminal. Tokens are never logged:
//! no code logs them, and HTTP libraries that could are held at `warn`.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The directory for logs (and, later, the audit trail).
pub fn state_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "intune-assist")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Starts file logging at the level in `INTUNE_ASSIST_LOG` (default `info`). Returns the guard
/// that flushes the log when dropped, or `None` when no log file can be opened.
pub fn init() -> Option<WorkerGuard> {
    let dir = state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "intune-assist.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let level = std::env::var("INTUNE_ASSIST_LOG").unwrap_or_else(|_| "info".into());
    let filter = EnvFilter::try_new(format!(
        "{level},hyper=warn,hyper_util=warn,reqwest=warn,h2=warn,rustls=warn"
    ))
    .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
