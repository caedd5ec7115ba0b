//! The identity platform's token errors, read into errors an admin can act on.

use oauth2::basic::BasicErrorResponseType;
use oauth2::{ErrorResponse, RequestTokenError};
use serde::{Deserialize, Serialize};

use crate::domain::text::sanitize;
use crate::http::{ApiError, ErrorKind, Service};

/// The identity platform's token error: the standard fields, plus the AADSTS codes and the
/// `claims` challenge that Conditional Access sends with `interaction_required`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct MsErrorResponse {
    error: BasicErrorResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    error_codes: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) claims: Option<String>,
}

impl std::fmt::Display for MsErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error.as_ref())?;
        if let Some(description) = &self.error_description {
            write!(f, ": {}", sanitize(description))?;
        }
        Ok(())
    }
}

impl ErrorResponse for MsErrorResponse {}

impl OAuthErrorType for MsErrorResponse {
    type Type = BasicErrorResponseType;
    fn error_type(&self) -> &BasicErrorResponseType {
        &self.error
    }
    fn description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }
}

impl MsErrorResponse {
    /// Whether only a new interactive sign-in can help: the refresh token was refused
    /// (expired, revoked) or the directory wants more (MFA, Conditional Access, sign-in
    /// frequency, consent).
    pub(super) fn needs_new_sign_in(&self) -> bool {
        match &self.error {
            BasicErrorResponseType::InvalidGrant => true,
            BasicErrorResponseType::Extension(code) => matches!(
                code.as_str(),
                "interaction_required" | "login_required" | "consent_required"
            ),
            _ => false,
        }
    }

    /// Whether the directory refused for want of consent to a permission (AADSTS65001,
    /// `consent_required`), not because the sign-in itself is over.
    pub(super) fn lacks_consent(&self) -> bool {
        let consent_code = self.error_codes.contains(&65001)
            || self
                .error_description
                .as_deref()
                .is_some_and(|d| d.contains("AADSTS65001"));
        consent_code
            || matches!(&self.error, BasicErrorResponseType::Extension(code) if code == "consent_required")
    }

    /// The AADSTS code, when the answer carries one.
    pub(super) fn aadsts_code(&self) -> Option<String> {
        self.error_codes.first().map(|c| format!("AADSTS{c}"))
    }

    /// The description alone, sanitised and bounded.
    pub(super) fn explain_briefly(&self) -> String {
        let text = self
            .error_description
            .as_deref()
            .map(|d| crate::domain::text::sanitize_bounded(d.trim(), 300))
            .unwrap_or_default();
        match text.split_once(": ") {
            Some((code, rest)) if code.starts_with("AADSTS") => rest.to_string(),
            _ => text,
        }
    }

    /// What the directory said, with its AADSTS code: `AADSTS50076 (interaction_required):
    /// Due to a configuration change …`.
    pub(super) fn explain(&self) -> String {
        let description = self
            .error_description
            .as_deref()
            .map(|d| crate::domain::text::sanitize_bounded(d.trim(), 300))
            .unwrap_or_default();
        // The description usually starts with the code itself: `AADSTS50076: …`.
        let (code, text) = match description.split_once(": ") {
            Some((code, rest)) if code.starts_with("AADSTS") => {
                (code.to_string(), rest.to_string())
            }
            _ => (
                self.error_codes
                    .first()
                    .map(|c| format!("AADSTS{c}"))
                    .unwrap_or_default(),
                description,
            ),
        };
        let error = self.error.as_ref();
        match (code.is_empty(), text.is_empty()) {
            (true, true) => format!("Microsoft asks for a new sign-in ({error})"),
            (true, false) => format!("Microsoft asks for a new sign-in ({error}): {text}"),
            (false, true) => format!("Microsoft asks for a new sign-in ({code}, {error})"),
            (false, false) => {
                format!("Microsoft asks for a new sign-in ({code}, {error}): {text}")
            }
        }
    }
}

pub(super) fn sign_in_required(reason: &str) -> ApiError {
    ApiError::new(
        Service::SignIn,
        ErrorKind::SignInRequired {
            reason: reason.to_string(),
        },
    )
}

/// Maps an `oauth2` failure to an error an admin can act on.
pub(super) fn token_error<T, L>(error: RequestTokenError<ApiError, T>, label: L) -> ApiError
where
    T: ErrorResponse + OAuthErrorType,
    L: Fn(&<T as OAuthErrorType>::Type) -> String,
{
    match error {
        RequestTokenError::ServerResponse(response) => {
            let code = label(response.error_type());
            let description = response
                .description()
                .map(|d| crate::domain::text::sanitize_bounded(d, 300));
            let reason = match code.as_str() {
                "authorization_declined" | "access_denied" => Some("the sign-in was declined"),
                "expired_token" => Some("the sign-in code expired before it was used"),
                "invalid_grant" => Some("the sign-in expired or was revoked"),
                "bad_verification_code" => Some("the sign-in code was not recognised"),
                _ => None,
            };
            match reason {
                Some(reason) => sign_in_required(reason),
                None => ApiError::new(
                    Service::SignIn,
                    ErrorKind::Rejected {
                        status: 400,
                        code: sanitize(&code),
                        message: description.unwrap_or_default(),
                    },
                ),
            }
        }
        RequestTokenError::Request(error) => error,
        RequestTokenError::Parse(error, _) => ApiError::malformed(
            Service::SignIn,
            format!("unreadable token response ({})", error.inner()),
        ),
        RequestTokenError::Other(message) if message.to_lowercase().contains("expired") => {
            sign_in_required("the sign-in code expired before it was used")
        }
        RequestTokenError::Other(message) => {
            ApiError::malformed(Service::SignIn, sanitize(&message))
        }
    }
}

/// Access to an error response's type and description, across `oauth2`'s response types.
pub trait OAuthErrorType {
    type Type;
    fn error_type(&self) -> &Self::Type;
    fn description(&self) -> Option<&str>;
}

impl<T: oauth2::ErrorResponseType> OAuthErrorType for oauth2::StandardErrorResponse<T> {
    type Type = T;
    fn error_type(&self) -> &T {
        self.error()
    }
    fn description(&self) -> Option<&str> {
        self.error_description().map(String::as_str)
    }
}
