//! Typed errors from the services, each with a message an admin can act on.

use std::fmt;
use std::time::Duration;

use crate::domain::Permission;

/// Which service an error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Service {
    Graph,
    TeamViewer,
    SignIn,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Graph => "Microsoft Graph",
            Service::TeamViewer => "TeamViewer",
            Service::SignIn => "Microsoft sign-in",
        })
    }
}

/// What went wrong, by class.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorKind {
    /// The token is missing, expired or revoked (401).
    Unauthorized,
    /// Access refused (403). `missing` names the Intune permission only when the admin's
    /// effective permissions show it missing; otherwise `code` and `message` are the
    /// service's own.
    Forbidden {
        missing: Option<Permission>,
        code: String,
        message: String,
        /// The likeliest cause for this kind of request, named before the general ones.
        hint: Option<&'static str>,
    },
    /// The thing asked for does not exist (404).
    NotFound { what: String },
    /// Still throttled after every retry (429).
    Throttled { retry_after: Option<Duration> },
    /// The service failed (5xx) after every retry. `intune_message` is Intune's own
    /// explanation when the body carried one: the request was handled and failed, not lost.
    Server {
        status: u16,
        code: String,
        intune_message: Option<String>,
    },
    /// The service could not be reached, timed out, or dropped the connection.
    Network { detail: String },
    /// The response could not be understood.
    Malformed { detail: String },
    /// No usable sign-in: never signed in, or the refresh token was revoked or expired.
    SignInRequired { reason: String },
    /// Microsoft or TeamViewer does not offer this where the tenant is (a national cloud).
    NotOffered { reason: String },
    /// The service refused the request (other 4xx).
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
}

/// An error from Graph, TeamViewer or sign-in.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ApiError {
    pub service: Service,
    pub kind: ErrorKind,
    /// The service's request id (Graph `request-id`), to quote to support.
    pub request_id: Option<String>,
    /// Intune's activity id, from the error Intune put inside Graph's message.
    pub activity_id: Option<Box<str>>,
}

impl ApiError {
    /// Builds an error with no request id.
    pub fn new(service: Service, kind: ErrorKind) -> Self {
        ApiError {
            service,
            kind,
            request_id: None,
            activity_id: None,
        }
    }

    /// Adds a request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Adds Intune's activity id.
    pub fn with_activity_id(mut self, activity_id: Option<String>) -> Self {
        self.activity_id = activity_id.map(String::into_boxed_str);
        self
    }

    /// A network-class error.
    pub fn network(service: Service, detail: impl Into<String>) -> Self {
        ApiError::new(
            service,
            ErrorKind::Network {
                detail: detail.into(),
            },
        )
    }

    /// A malformed-response error.
    pub fn malformed(service: Service, detail: impl Into<String>) -> Self {
        ApiError::new(
            service,
            ErrorKind::Malformed {
                detail: detail.into(),
            },
        )
    }

    /// True for errors that a later retry may fix (network, throttling, 5xx).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Network { .. } | ErrorKind::Throttled { .. } | ErrorKind::Server { .. }
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let service = self.service;
        match &self.kind {
            ErrorKind::Unauthorized => match service {
                Service::TeamViewer => write!(
                    f,
                    "TeamViewer rejected the token: sign in to TeamViewer again (intune-assist login --teamviewer)"
                ),
                _ => write!(
                    f,
                    "{service}: not signed in, or the sign-in expired: run intune-assist login"
                ),
            }?,
            ErrorKind::SignInRequired { reason } => match service {
                Service::TeamViewer => write!(
                    f,
                    "{reason}: sign in to TeamViewer (intune-assist login --teamviewer-token or --teamviewer-oauth)"
                ),
                _ => write!(f, "{reason}: sign in again (intune-assist login)"),
            }?,
            ErrorKind::Forbidden {
                missing: Some(permission),
                ..
            } => write!(f, "{}", permission.explain_missing())?,
            ErrorKind::Forbidden {
                missing: None,
                code,
                message,
                hint,
            } => {
                write!(f, "{service} refused access ({code}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                write!(f, ")")?;
                match service {
                    Service::Graph => {
                        write!(f, ". Likely causes: ")?;
                        if let Some(hint) = hint {
                            write!(f, "{hint}; ")?;
                        }
                        write!(
                            f,
                            "the app registration lacks admin consent for a Graph permission this needs (see the README), your account has no Intune licence, or a Conditional Access policy blocks the request"
                        )?
                    }
                    _ => match hint {
                        Some(hint) => write!(f, ": {hint}")?,
                        None => write!(f, ": the account or token lacks a permission this needs")?,
                    },
                }
            }
            ErrorKind::NotFound { what } => write!(f, "{service}: {what} was not found")?,
            ErrorKind::Throttled { retry_after } => {
                write!(
                    f,
                    "{service} is throttling requests and still was after several retries"
                )?;
                if let Some(wait) = retry_after {
                    write!(f, "; try again in {:.0} s", wait.as_secs_f64().ceil())?;
                }
            }
            ErrorKind::Server {
                status,
                code,
                intune_message: Some(message),
            } => write!(
                f,
                "Intune failed the request (HTTP {status}{}): {message}",
                if code.is_empty() {
                    String::new()
                } else {
                    format!(", {code}")
                }
            )?,
            ErrorKind::Server {
                status,
                code,
                intune_message: None,
            } => write!(
                f,
                "{service} failed (HTTP {status}{}) after several retries; try again shortly",
                if code.is_empty() {
                    String::new()
                } else {
                    format!(", {code}")
                }
            )?,
            ErrorKind::Network { detail } => write!(f, "{service} could not be reached: {detail}")?,
            ErrorKind::NotOffered { reason } => write!(f, "{reason}")?,
            ErrorKind::Malformed { detail } => write!(
                f,
                "{service} sent a response that could not be read: {detail}"
            )?,
            ErrorKind::Rejected {
                status,
                code,
                message,
            } => {
                write!(f, "{service} refused the request (HTTP {status}")?;
                if !code.is_empty() {
                    write!(f, ", {code}")?;
                }
                write!(f, ")")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
            }
        }
        match (&self.request_id, &self.activity_id) {
            (Some(request), Some(activity)) => {
                write!(f, " [request id {request}, activity id {activity}]")?
            }
            (Some(request), None) => write!(f, " [request id {request}]")?,
            (None, Some(activity)) => write!(f, " [activity id {activity}]")?,
            (None, None) => {}
        }
        Ok(())
    }
}
