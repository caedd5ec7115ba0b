//! Signing in to Microsoft (device code flow) and TeamViewer (script token or OAuth2), keeping
//! tokens fresh, and storing them in the OS keyring. Nothing here knows about the UI.

pub mod microsoft;
mod oauth_error;
mod oauth_http;
pub mod permission_tokens;
pub mod store;
pub mod teamviewer;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use secrecy::SecretString;

use crate::http::ApiError;

/// Hands out a valid access token, refreshing it when needed.
pub trait TokenProvider: Send + Sync {
    /// A token that is valid now.
    fn token(&self) -> BoxFuture<'_, Result<SecretString, ApiError>>;
    /// Told that the service rejected `token` (401): the next `token` must not hand it out
    /// again. A token refreshed meanwhile by another request stays.
    fn rejected<'a>(&'a self, token: &'a SecretString) -> BoxFuture<'a, ()>;
}

/// The Graph permission `syncDevice` needs, asked for only when a device is synced.
pub const SYNC_PERMISSION: &str = "DeviceManagementManagedDevices.PrivilegedOperations.All";

/// What to do when the tenant never consented to [`SYNC_PERMISSION`].
pub const CONSENT_HINT: &str = "Sync needs the delegated Graph permission \
    DeviceManagementManagedDevices.PrivilegedOperations.All, with admin consent, on the app \
    registration (see the README); everything else works without it";

/// A shared token provider.
pub type Tokens = Arc<dyn TokenProvider>;

/// A bearer token used as given (automation, `INTUNE_ASSIST_*_TOKEN`); never stored.
pub struct StaticToken(SecretString);

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl StaticToken {
    /// Wraps a token.
    pub fn shared(token: SecretString) -> Tokens {
        Arc::new(StaticToken(token))
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, ApiError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }

    fn rejected<'a>(&'a self, _token: &'a SecretString) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// A provider that never has a token: every call says why.
pub struct NoToken {
    service: crate::http::Service,
    reason: String,
}

impl NoToken {
    /// A provider that answers `SignInRequired` with `reason`.
    pub fn shared(service: crate::http::Service, reason: impl Into<String>) -> Tokens {
        Arc::new(NoToken {
            service,
            reason: reason.into(),
        })
    }
}

impl TokenProvider for NoToken {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, ApiError>> {
        Box::pin(async move {
            Err(ApiError::new(
                self.service,
                crate::http::ErrorKind::SignInRequired {
                    reason: self.reason.clone(),
                },
            ))
        })
    }

    fn rejected<'a>(&'a self, _token: &'a SecretString) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_holders_never_print_their_secret() {
        let secret = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-payload";
        let token = StaticToken(SecretString::from(secret));
        let app = teamviewer::TeamViewerOAuthApp {
            client_id: "12345-app".into(),
            client_secret: SecretString::from(secret),
        };
        let id = microsoft::IdTokenField {
            id_token: Some(secret.into()),
        };
        for text in [
            format!("{token:?}"),
            format!("{app:?}"),
            format!("{id:?}"),
            format!("{:?}", SecretString::from(secret)),
        ] {
            assert!(!text.contains("secret-payload"), "{text}");
            assert!(
                text.contains("redacted") || text.contains("REDACTED"),
                "{text}"
            );
        }
    }
}
