//! Tokens for a Graph permission the sign-in does not ask for: redeemed on first use from the
//! stored refresh token, so a permission the tenant never consented to fails only the request
//! that needs it.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use super::TokenProvider;
use super::microsoft::MicrosoftAuth;
use crate::http::ApiError;

/// Redeem again this long before the token expires.
const MARGIN: time::Duration = time::Duration::seconds(120);

/// Hands out tokens for one extra Graph permission.
pub struct PermissionTokens {
    auth: Arc<MicrosoftAuth>,
    permission: &'static str,
    current: tokio::sync::Mutex<Option<(SecretString, OffsetDateTime)>>,
}

impl PermissionTokens {
    /// Tokens for `permission` from the sign-in `auth` keeps.
    pub fn new(auth: Arc<MicrosoftAuth>, permission: &'static str) -> Self {
        PermissionTokens {
            auth,
            permission,
            current: tokio::sync::Mutex::new(None),
        }
    }
}

impl TokenProvider for PermissionTokens {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, ApiError>> {
        Box::pin(async move {
            // Held across the redemption: concurrent callers share one.
            let mut current = self.current.lock().await;
            if let Some((token, expires)) = current.as_ref()
                && *expires - MARGIN > OffsetDateTime::now_utc()
            {
                return Ok(token.clone());
            }
            let (token, expires) = self.auth.token_for(self.permission).await?;
            *current = Some((token.clone(), expires));
            Ok(token)
        })
    }

    fn rejected<'a>(&'a self, token: &'a SecretString) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut current = self.current.lock().await;
            if current
                .as_ref()
                .is_some_and(|(held, _)| held.expose_secret() == token.expose_secret())
            {
                *current = None;
            }
        })
    }
}
