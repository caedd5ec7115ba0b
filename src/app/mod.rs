//! The dashboard's state machine: the model, the messages that change it, the effects it asks
//! for, the key registry, and `update`, the only place the model changes.
//!
//! Nothing here draws or does IO: [`runner`] performs effects on tokio tasks and answers with
//! messages, and `crate::ui` renders the model.

pub mod command_line;
pub mod cursor;
pub mod device_list;
pub mod driver;
pub mod effect;
pub mod gated;
pub mod gates;
pub mod keys;
pub mod layout;
pub mod menu;
pub mod model;
pub mod msg;
pub mod nav;
pub mod runner;
pub mod update;

pub use effect::Effect;
pub use model::Model;
pub use msg::Msg;
pub use update::update;

use crate::http::{ApiError, ErrorKind};

/// How an error should be treated by the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    SignIn,
    Permission,
    NotFound,
    Service,
    Other,
}

/// An error as the UI shows it: an explanation and its class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UiError {
    pub message: String,
    pub class: ErrorClass,
}

impl UiError {
    /// An error of class `Other`.
    pub fn other(message: impl Into<String>) -> Self {
        UiError {
            message: message.into(),
            class: ErrorClass::Other,
        }
    }
}

impl From<ApiError> for UiError {
    fn from(error: ApiError) -> Self {
        let class = match error.kind {
            ErrorKind::SignInRequired { .. } | ErrorKind::Unauthorized => ErrorClass::SignIn,
            ErrorKind::Forbidden { .. } => ErrorClass::Permission,
            ErrorKind::NotFound { .. } => ErrorClass::NotFound,
            ErrorKind::Throttled { .. }
            | ErrorKind::Server { .. }
            | ErrorKind::Network { .. }
            | ErrorKind::Malformed { .. } => ErrorClass::Service,
            ErrorKind::Rejected { .. } | ErrorKind::NotOffered { .. } => ErrorClass::Other,
        };
        UiError {
            message: error.to_string(),
            class,
        }
    }
}

impl From<crate::assist::AssistError> for UiError {
    fn from(error: crate::assist::AssistError) -> Self {
        match error {
            crate::assist::AssistError::Api(e) => e.into(),
            other => UiError::other(other.to_string()),
        }
    }
}

/// A value loaded in the background: the last good value stays while a refresh runs or fails.
#[derive(Clone, Debug, PartialEq)]
pub struct Loadable<T> {
    pub value: Option<T>,
    pub loading: bool,
    pub error: Option<UiError>,
}

impl<T> Default for Loadable<T> {
    fn default() -> Self {
        Loadable {
            value: None,
            loading: false,
            error: None,
        }
    }
}

impl<T> Loadable<T> {
    /// Marks a load as started, keeping the last value.
    pub fn start(&mut self) {
        self.loading = true;
    }

    /// Records the outcome of a load.
    pub fn finish(&mut self, result: Result<T, UiError>) {
        self.loading = false;
        match result {
            Ok(value) => {
                self.value = Some(value);
                self.error = None;
            }
            Err(error) => self.error = Some(error),
        }
    }
}
