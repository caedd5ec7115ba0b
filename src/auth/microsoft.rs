//! Microsoft sign-in with the OAuth 2.0 device code flow, token refresh and storage.

use std::time::Duration;

use futures_util::future::BoxFuture;
use oauth2::basic::{
    BasicErrorResponseType, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    Client, ClientId, DeviceAuthorizationUrl, DeviceCodeErrorResponseType, EndpointNotSet,
    EndpointSet, ExtraTokenFields, RefreshToken, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use super::TokenProvider;
use super::oauth_error::{MsErrorResponse, sign_in_required, token_error};
use super::oauth_http;
use super::store::SecretStore;
use crate::domain::Account;
use crate::domain::text::{sanitize, sanitize_url};
use crate::http::{ApiError, ErrorKind, Http, Idempotency, Service};

/// The ID token Microsoft returns beside the access token.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct IdTokenField {
    pub id_token: Option<String>,
}

impl std::fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenField")
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl ExtraTokenFields for IdTokenField {}

type MsTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;
type MsClient = Client<
    MsErrorResponse,
    MsTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Delegated Graph permissions this app asks for (see the README).
pub const GRAPH_SCOPES: &[&str] = &[
    "DeviceManagementManagedDevices.ReadWrite.All",
    "DeviceManagementServiceConfig.ReadWrite.All",
    "DeviceManagementRBAC.Read.All",
];

/// Where and as whom to sign in.
#[derive(Clone, Debug)]
pub struct MicrosoftSettings {
    /// The identity platform root, e.g. `https://login.microsoftonline.com`.
    pub login_url: Url,
    /// Tenant id, domain, or `organizations`.
    pub tenant: String,
    /// The app registration's client id (a public client).
    pub client_id: String,
    /// The Graph root the scopes are for, e.g. `https://graph.microsoft.com`.
    pub graph_url: Url,
    /// The tenant profile, whose sign-in is kept apart from every other profile's.
    pub profile: Option<String>,
}

impl MicrosoftSettings {
    fn endpoint(&self, leaf: &str) -> Result<Url, ApiError> {
        let base = self.login_url.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/{}/oauth2/v2.0/{leaf}", self.tenant))
            .map_err(|e| ApiError::malformed(Service::SignIn, format!("bad sign-in URL: {e}")))
    }

    fn scopes(&self) -> Vec<Scope> {
        let resource = self.graph_url.as_str().trim_end_matches('/');
        GRAPH_SCOPES
            .iter()
            .map(|s| Scope::new(format!("{resource}/{s}")))
            .chain(["offline_access", "openid", "profile"].map(|s| Scope::new(s.to_string())))
            .collect()
    }

    /// The keyring entry this sign-in is stored under.
    fn store_key(&self) -> String {
        let key = format!(
            "graph:{}:{}:{}",
            self.login_url.host_str().unwrap_or("login"),
            self.tenant,
            self.client_id
        );
        match &self.profile {
            Some(profile) => format!("{key}:profile={profile}"),
            None => key,
        }
    }
}

/// What the admin must do to finish signing in on another device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DevicePrompt {
    pub verification_uri: String,
    pub user_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// How long the code is valid from when it was issued, in seconds.
    pub expires_in: u64,
    pub message: String,
}

/// A device code sign-in waiting for the admin.
pub struct DeviceLogin {
    details: StandardDeviceAuthorizationResponse,
    /// What to show.
    pub prompt: DevicePrompt,
}

/// The sign-in as stored in the keyring.
#[derive(Clone, Serialize, Deserialize)]
struct StoredSignIn {
    access_token: String,
    /// Unix seconds.
    expires_at: i64,
    refresh_token: Option<String>,
    account: Account,
}

impl std::fmt::Debug for StoredSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSignIn")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("account", &self.account)
            .finish()
    }
}

/// Microsoft sign-in: starts device code flows and hands out fresh Graph tokens.
pub struct MicrosoftAuth {
    settings: MicrosoftSettings,
    http: Http,
    store: SecretStore,
    current: tokio::sync::Mutex<Option<StoredSignIn>>,
    /// Held while a refresh is under way: callers that find the token stale at the same time
    /// wait for that one refresh and use its token.
    refreshing: tokio::sync::Mutex<()>,
    /// Why the directory wants a new sign-in, once it has said so: every call gets this
    /// answer at once, with no refresh tried again.
    sign_in_needed: std::sync::Mutex<Option<String>>,
}

/// Refresh this long before the access token expires.
const REFRESH_MARGIN: time::Duration = time::Duration::seconds(120);

impl MicrosoftAuth {
    /// Sign-in for `settings`, storing tokens in `store`.
    pub fn new(settings: MicrosoftSettings, http: Http, store: SecretStore) -> Self {
        MicrosoftAuth {
            settings,
            http,
            store,
            current: tokio::sync::Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            sign_in_needed: std::sync::Mutex::new(None),
        }
    }

    /// The keyring entry of a claims challenge the next sign-in must answer.
    fn claims_key(&self) -> String {
        format!("{}:claims", self.settings.store_key())
    }

    fn client(&self) -> Result<MsClient, ApiError> {
        let device = DeviceAuthorizationUrl::from_url(self.settings.endpoint("devicecode")?);
        let token = TokenUrl::from_url(self.settings.endpoint("token")?);
        Ok(Client::new(ClientId::new(self.settings.client_id.clone()))
            .set_device_authorization_url(device)
            .set_token_uri(token))
    }

    /// Asks for a device code: what the admin must open and type.
    pub async fn start_device_login(&self) -> Result<DeviceLogin, ApiError> {
        let client = self.client()?;
        let http = oauth_http::client(&self.http, Service::SignIn, Idempotency::Safe);
        // A Conditional Access challenge from a refused refresh goes with the new sign-in.
        let claims = self.store.get(&self.claims_key()).ok().flatten();
        let mut request = client
            .exchange_device_code()
            .add_scopes(self.settings.scopes());
        if let Some(claims) = &claims {
            request = request.add_extra_param("claims", claims.clone());
        }
        let details: StandardDeviceAuthorizationResponse = request
            .request_async(&http)
            .await
            .map_err(|e| token_error(e, |t: &BasicErrorResponseType| t.as_ref().to_string()))?;
        let verification_uri =
            sanitize_url(details.verification_uri().as_str()).ok_or_else(|| {
                ApiError::malformed(Service::SignIn, "the verification URL is not a web URL")
            })?;
        let user_code = sanitize(details.user_code().secret());
        let prompt = DevicePrompt {
            message: format!("To sign in, open {verification_uri} and enter the code {user_code}"),
            verification_uri,
            user_code,
            expires_at: OffsetDateTime::now_utc() + details.expires_in(),
            expires_in: details.expires_in().as_secs(),
        };
        Ok(DeviceLogin { details, prompt })
    }

    /// Waits until the admin finishes (or declines, or the code expires), then stores the
    /// tokens and returns who signed in.
    pub async fn finish_device_login(&self, login: DeviceLogin) -> Result<Account, ApiError> {
        let client = self.client()?;
        let http = oauth_http::client(&self.http, Service::SignIn, Idempotency::Safe);
        let timeout = login.details.expires_in();
        let response = client
            .exchange_device_access_token(&login.details)
            .set_max_backoff_interval(Duration::from_secs(30))
            .request_async(&http, |d| self.http.clock().sleep(d), Some(timeout))
            .await
            .map_err(|e| token_error(e, device_error_label))?;
        let signed_in = self.save(&response, None).await?;
        let _ = self.store.delete(&self.claims_key());
        *lock(&self.sign_in_needed) = None;
        Ok(signed_in)
    }

    /// The account stored from an earlier sign-in, if any.
    pub async fn account(&self) -> Result<Option<Account>, ApiError> {
        Ok(self.load().await?.map(|s| s.account))
    }

    /// Forgets the sign-in, in memory and in the keyring.
    pub async fn sign_out(&self) -> Result<(), ApiError> {
        let _ = self.store.delete(&self.claims_key());
        *lock(&self.sign_in_needed) = None;
        self.forget_tokens().await
    }

    /// Forgets the tokens, in memory and in the keyring.
    async fn forget_tokens(&self) -> Result<(), ApiError> {
        *self.current.lock().await = None;
        self.store.delete(&self.settings.store_key()).map_err(|e| {
            ApiError::new(
                Service::SignIn,
                ErrorKind::Network {
                    detail: e.to_string(),
                },
            )
        })
    }

    async fn load(&self) -> Result<Option<StoredSignIn>, ApiError> {
        let mut current = self.current.lock().await;
        if current.is_none() {
            let stored = self
                .store
                .get(&self.settings.store_key())
                .map_err(store_error)?;
            *current = stored.and_then(|json| serde_json::from_str(&json).ok());
        }
        Ok(current.clone())
    }

    async fn save(
        &self,
        response: &MsTokenResponse,
        previous: Option<&StoredSignIn>,
    ) -> Result<Account, ApiError> {
        let account = response
            .extra_fields()
            .id_token
            .as_deref()
            .and_then(account_from_id_token)
            .or_else(|| previous.map(|p| p.account.clone()))
            .unwrap_or_default();
        let lifetime = response.expires_in().unwrap_or(Duration::from_secs(3600));
        let stored = StoredSignIn {
            access_token: response.access_token().secret().clone(),
            expires_at: (OffsetDateTime::now_utc() + lifetime).unix_timestamp(),
            refresh_token: response
                .refresh_token()
                .map(|r| r.secret().clone())
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            account: account.clone(),
        };
        let json = serde_json::to_string(&stored)
            .map_err(|e| ApiError::malformed(Service::SignIn, e.to_string()))?;
        if let Err(e) = self.store.set(&self.settings.store_key(), &json) {
            tracing::warn!(error = %e, "could not store the sign-in; it lasts for this run only");
        }
        *self.current.lock().await = Some(stored);
        Ok(account)
    }

    async fn refresh(&self, stored: &StoredSignIn) -> Result<SecretString, ApiError> {
        let Some(refresh) = &stored.refresh_token else {
            return Err(sign_in_required("the sign-in expired"));
        };
        let client = self.client()?;
        let http = oauth_http::client(&self.http, Service::SignIn, Idempotency::Safe);
        let result = client
            .exchange_refresh_token(&RefreshToken::new(refresh.clone()))
            .add_scopes(self.settings.scopes())
            .request_async(&http)
            .await;
        match result {
            Ok(response) => {
                self.save(&response, Some(stored)).await?;
                Ok(SecretString::from(response.access_token().secret().clone()))
            }
            Err(RequestTokenError::ServerResponse(e)) if e.needs_new_sign_in() => {
                let reason = e.explain();
                tracing::info!(%reason, "the refresh was refused; a new sign-in is needed");
                if let Some(claims) = &e.claims
                    && let Err(error) = self.store.set(&self.claims_key(), claims)
                {
                    tracing::warn!(%error, "could not keep the sign-in's claims challenge");
                }
                *lock(&self.sign_in_needed) = Some(reason.clone());
                let _ = self.forget_tokens().await;
                Err(sign_in_required(&reason))
            }
            Err(e) => Err(token_error(e, |t: &BasicErrorResponseType| {
                t.as_ref().to_string()
            })),
        }
    }
}

impl MicrosoftAuth {
    /// An access token for one more Graph permission (`permission`, e.g.
    /// `DeviceManagementManagedDevices.PrivilegedOperations.All`), redeemed with the stored
    /// refresh token and kept by the caller: the sign-in asks only for [`GRAPH_SCOPES`], so a
    /// permission without admin consent fails this one request and nothing else. Returns the
    /// token and when it expires.
    pub async fn token_for(
        &self,
        permission: &str,
    ) -> Result<(SecretString, OffsetDateTime), ApiError> {
        let stored = self.stored_or_sign_in().await?;
        let Some(refresh) = &stored.refresh_token else {
            return Err(sign_in_required("the sign-in expired"));
        };
        let client = self.client()?;
        let http = oauth_http::client(&self.http, Service::SignIn, Idempotency::Safe);
        let resource = self.settings.graph_url.as_str().trim_end_matches('/');
        let result = client
            .exchange_refresh_token(&RefreshToken::new(refresh.clone()))
            .add_scope(Scope::new(format!("{resource}/{permission}")))
            .add_scope(Scope::new("offline_access".to_string()))
            .request_async(&http)
            .await;
        match result {
            Ok(response) => {
                let lifetime = response.expires_in().unwrap_or(Duration::from_secs(3600));
                Ok((
                    SecretString::from(response.access_token().secret().clone()),
                    OffsetDateTime::now_utc() + lifetime,
                ))
            }
            Err(RequestTokenError::ServerResponse(e)) if e.lacks_consent() => Err(ApiError::new(
                Service::SignIn,
                ErrorKind::Forbidden {
                    missing: None,
                    code: e.aadsts_code().unwrap_or_else(|| "consent_required".into()),
                    message: e.explain_briefly(),
                    hint: Some(super::CONSENT_HINT),
                },
            )),
            Err(e) => Err(token_error(e, |t: &BasicErrorResponseType| {
                t.as_ref().to_string()
            })),
        }
    }

    /// The stored access token when it is not about to expire.
    fn fresh(stored: &StoredSignIn) -> Option<SecretString> {
        let expires = OffsetDateTime::from_unix_timestamp(stored.expires_at)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        (expires - REFRESH_MARGIN > OffsetDateTime::now_utc())
            .then(|| SecretString::from(stored.access_token.clone()))
    }

    async fn stored_or_sign_in(&self) -> Result<StoredSignIn, ApiError> {
        if let Some(reason) = lock(&self.sign_in_needed).clone() {
            return Err(sign_in_required(&reason));
        }
        self.load()
            .await?
            .ok_or_else(|| sign_in_required("not signed in to Microsoft"))
    }
}

impl TokenProvider for MicrosoftAuth {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, ApiError>> {
        Box::pin(async move {
            let stored = self.stored_or_sign_in().await?;
            if let Some(token) = Self::fresh(&stored) {
                return Ok(token);
            }
            // One refresh at a time: whoever waited here finds the token it brought.
            let _refreshing = self.refreshing.lock().await;
            let stored = self.stored_or_sign_in().await?;
            if let Some(token) = Self::fresh(&stored) {
                return Ok(token);
            }
            self.refresh(&stored).await
        })
    }

    fn rejected<'a>(&'a self, token: &'a SecretString) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            // Only the token that was rejected is given up, not one refreshed meanwhile.
            if let Some(stored) = self.current.lock().await.as_mut()
                && stored.access_token == token.expose_secret()
            {
                stored.expires_at = 0;
            }
        })
    }
}

/// Locks a mutex whose data stays valid even if a holder panicked.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn store_error(e: super::store::StoreError) -> ApiError {
    ApiError::new(
        Service::SignIn,
        ErrorKind::Network {
            detail: e.to_string(),
        },
    )
}

fn device_error_label(t: &DeviceCodeErrorResponseType) -> String {
    t.as_ref().to_string()
}

/// Reads who signed in from an ID token's claims. The token came straight from the token
/// endpoint over TLS, so it is read, not verified.
fn account_from_id_token(id_token: &str) -> Option<Account> {
    use base64::Engine;
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: IdTokenClaims = serde_json::from_slice(&bytes).ok()?;
    Some(claims.into_account())
}

/// Claims of a Microsoft ID token that say who signed in.
#[derive(Debug, serde::Deserialize)]
struct IdTokenClaims {
    preferred_username: Option<String>,
    upn: Option<String>,
    name: Option<String>,
    tid: Option<String>,
    /// Entra ID role template ids.
    wids: Option<Vec<String>>,
}

impl IdTokenClaims {
    /// The account these claims describe, every string sanitised.
    fn into_account(self) -> Account {
        let text = |value: Option<String>| {
            value
                .as_deref()
                .map(crate::domain::text::sanitize)
                .unwrap_or_default()
        };
        Account {
            username: text(self.preferred_username.or(self.upn)),
            name: text(self.name),
            tenant_id: text(self.tid),
            roles: self.wids.map(|ids| {
                ids.iter()
                    .map(|id| crate::domain::text::sanitize(id))
                    .collect()
            }),
        }
    }
}

impl std::fmt::Debug for MicrosoftAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrosoftAuth")
            .field("tenant", &self.settings.tenant)
            .field("client_id", &self.settings.client_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_account_from_an_id_token() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"preferred_username":"admin@contoso.com","name":"Admin \u001b[2J","tid":"t1","extra":1}"#);
        let account = account_from_id_token(&format!("h.{payload}.s")).unwrap();
        assert_eq!(account.username, "admin@contoso.com");
        assert_eq!(account.name, "Admin ");
        assert_eq!(account.tenant_id, "t1");
        assert!(account_from_id_token("not a jwt").is_none());
    }
}
