//! How a subcommand fails: the message and the documented exit code.

use crate::assist::AssistError;
use crate::http::{ApiError, ErrorKind};

/// Process exit codes (documented in the README).
pub mod exit {
    pub const OK: i32 = 0;
    /// Anything not listed below (configuration, local IO).
    pub const FAILURE: i32 = 1;
    /// The command line was wrong.
    pub const USAGE: i32 = 2;
    /// Not signed in, or the sign-in expired or was declined.
    pub const SIGN_IN: i32 = 3;
    /// The account lacks a permission.
    pub const PERMISSION: i32 = 4;
    /// The device or session does not exist.
    pub const NOT_FOUND: i32 = 5;
    /// A service failed, throttled, was unreachable, or answered something unreadable.
    pub const SERVICE: i32 = 6;
    /// Remote assistance cannot be offered (unsupported device, connector not onboarded,
    /// Intune reported an error, or the session never appeared).
    pub const CANNOT_ASSIST: i32 = 7;
    /// A scripted run stopped: a wait timed out (the screen it saw is printed) or the app
    /// quit before the tape ended.
    pub const SCRIPT: i32 = 8;
}

/// A failed command: the message to show and the exit code.
#[derive(Debug)]
pub struct CommandError {
    pub code: i32,
    pub message: String,
}

impl CommandError {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        CommandError {
            code: exit::USAGE,
            message: message.into(),
        }
    }
}

impl From<ApiError> for CommandError {
    fn from(error: ApiError) -> Self {
        let code = match error.kind {
            ErrorKind::SignInRequired { .. } | ErrorKind::Unauthorized => exit::SIGN_IN,
            ErrorKind::Forbidden { .. } => exit::PERMISSION,
            ErrorKind::NotFound { .. } => exit::NOT_FOUND,
            ErrorKind::Rejected { .. } => exit::FAILURE,
            ErrorKind::NotOffered { .. } => exit::CANNOT_ASSIST,
            ErrorKind::Throttled { .. }
            | ErrorKind::Server { .. }
            | ErrorKind::Network { .. }
            | ErrorKind::Malformed { .. } => exit::SERVICE,
        };
        CommandError {
            code,
            message: error.to_string(),
        }
    }
}

impl From<AssistError> for CommandError {
    fn from(error: AssistError) -> Self {
        match error {
            AssistError::Api(e) => e.into(),
            AssistError::Unconfirmed(_) | AssistError::DirectUnconfirmed(_) => CommandError {
                code: exit::SERVICE,
                message: error.to_string(),
            },
            other => CommandError {
                code: exit::CANNOT_ASSIST,
                message: other.to_string(),
            },
        }
    }
}
