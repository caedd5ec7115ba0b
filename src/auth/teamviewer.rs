//! TeamViewer sign-in: a script token typed by the admin, or OAuth2 (authorization code with
//! PKCE, a checked `state`, and a redirect listener on 127.0.0.1 that serves one request).

use std::time::Duration;

use futures_util::future::BoxFuture;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    RedirectUrl, RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

use super::TokenProvider;
use super::oauth_http;
use super::store::SecretStore;
use crate::http::{ApiError, ErrorKind, Http, Idempotency, Service};

/// The TeamViewer OAuth app, when OAuth is used instead of a script token.
#[derive(Clone)]
pub struct TeamViewerOAuthApp {
    pub client_id: String,
    pub client_secret: SecretString,
}

impl std::fmt::Debug for TeamViewerOAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamViewerOAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Where TeamViewer is.
#[derive(Clone)]
pub struct TeamViewerSettings {
    /// The Web API root, e.g. `https://webapi.teamviewer.com`.
    pub api_url: Url,
    /// The sign-in root, e.g. `https://login.teamviewer.com`.
    pub login_url: Url,
    /// The redirect URI registered with the OAuth app: fixed, since TeamViewer sends the
    /// browser back only to the registered one.
    pub redirect_uri: Url,
    pub oauth: Option<TeamViewerOAuthApp>,
    /// The tenant profile, whose TeamViewer sign-in is kept apart from every other
    /// profile's.
    pub profile: Option<String>,
}

impl TeamViewerSettings {
    fn endpoint(&self, path: &str) -> Result<Url, ApiError> {
        let base = self.api_url.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/api/v1/{path}")).map_err(|e| {
            ApiError::malformed(Service::TeamViewer, format!("bad TeamViewer URL: {e}"))
        })
    }

    /// TeamViewer's authorize page.
    fn authorize_url(&self) -> Result<Url, ApiError> {
        let base = self.login_url.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/oauth2/authorize")).map_err(|e| {
            ApiError::malformed(Service::TeamViewer, format!("bad TeamViewer URL: {e}"))
        })
    }

    fn store_key(&self) -> String {
        let key = format!(
            "teamviewer:{}",
            self.api_url.host_str().unwrap_or("teamviewer")
        );
        match &self.profile {
            Some(profile) => format!("{key}:profile={profile}"),
            None => key,
        }
    }
}

/// The TeamViewer credential as stored in the keyring.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum StoredCredential {
    Script {
        token: String,
    },
    Oauth {
        access_token: String,
        refresh_token: Option<String>,
        expires_at: i64,
    },
}

impl std::fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoredCredential::Script { .. } => f.write_str("Script { token: <redacted> }"),
            StoredCredential::Oauth { expires_at, .. } => write!(
                f,
                "Oauth {{ access_token: <redacted>, refresh_token: <redacted>, expires_at: {expires_at} }}"
            ),
        }
    }
}

/// How the admin is signed in to TeamViewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TeamViewerSignIn {
    ScriptToken,
    OAuth,
}

/// TeamViewer credentials: stores them and hands out valid tokens.
pub struct TeamViewerAuth {
    settings: TeamViewerSettings,
    http: Http,
    store: SecretStore,
    current: tokio::sync::Mutex<Option<StoredCredential>>,
    /// Held while a refresh is under way, so concurrent requests share it.
    refreshing: tokio::sync::Mutex<()>,
}

/// How long the OAuth redirect listener waits for the browser.
const REDIRECT_TIMEOUT: Duration = Duration::from_secs(300);

impl TeamViewerAuth {
    /// TeamViewer sign-in for `settings`, storing credentials in `store`.
    pub fn new(settings: TeamViewerSettings, http: Http, store: SecretStore) -> Self {
        TeamViewerAuth {
            settings,
            http,
            store,
            current: tokio::sync::Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    /// Stores a script token (check it with `ping` first).
    pub async fn save_script_token(&self, token: SecretString) -> Result<(), ApiError> {
        self.save(StoredCredential::Script {
            token: token.expose_secret().trim().to_string(),
        })
        .await
    }

    /// How the admin is signed in, if at all.
    pub async fn sign_in_kind(&self) -> Result<Option<TeamViewerSignIn>, ApiError> {
        Ok(self.load().await?.map(|c| match c {
            StoredCredential::Script { .. } => TeamViewerSignIn::ScriptToken,
            StoredCredential::Oauth { .. } => TeamViewerSignIn::OAuth,
        }))
    }

    /// Forgets the credential, in memory and in the keyring.
    pub async fn sign_out(&self) -> Result<(), ApiError> {
        *self.current.lock().await = None;
        self.store
            .delete(&self.settings.store_key())
            .map_err(store_error)
    }

    /// Signs in with OAuth2: `open` is given the authorization URL to show or open; this waits
    /// for the browser's redirect to 127.0.0.1, checks `state`, and trades the code (with the
    /// PKCE verifier) for tokens.
    pub async fn oauth_login(&self, open: impl FnOnce(&str)) -> Result<(), ApiError> {
        let app = self.settings.oauth.clone().ok_or_else(|| {
            ApiError::new(
                Service::TeamViewer,
                ErrorKind::SignInRequired {
                    reason: "no TeamViewer OAuth app is configured (teamviewer_client_id and \
                             INTUNE_ASSIST_TEAMVIEWER_CLIENT_SECRET)"
                        .into(),
                },
            )
        })?;
        let redirect = self.settings.redirect_uri.clone();
        let redirect_path = redirect.path().to_string();
        let port = redirect.port().unwrap_or(80);
        let host = match redirect.host_str() {
            Some("[::1]") => "::1",
            Some("localhost") | None => "127.0.0.1",
            Some(host) => host,
        };
        let listener = TcpListener::bind((host, port)).await.map_err(|e| {
            ApiError::network(
                Service::TeamViewer,
                format!(
                    "cannot listen on {redirect} for the sign-in's redirect ({e}); is another sign-in running?"
                ),
            )
        })?;
        let client = BasicClient::new(ClientId::new(app.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                app.client_secret.expose_secret().to_string(),
            ))
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(AuthUrl::from_url(self.settings.authorize_url()?))
            .set_token_uri(TokenUrl::from_url(self.settings.endpoint("oauth2/token")?))
            .set_redirect_uri(RedirectUrl::from_url(redirect));
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (auth_url, csrf) = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .url();
        open(auth_url.as_str());
        let query =
            tokio::time::timeout(REDIRECT_TIMEOUT, accept_redirect(listener, redirect_path))
                .await
                .map_err(|_| sign_in_error("nobody completed the TeamViewer sign-in in time"))??;
        drop(auth_url);
        let state = query.get("state").map(String::as_str).unwrap_or_default();
        if !constant_time_eq(state.as_bytes(), csrf.secret().as_bytes()) {
            return Err(sign_in_error(
                "the TeamViewer redirect had the wrong state; sign-in refused",
            ));
        }
        if let Some(error) = query.get("error") {
            return Err(sign_in_error(&format!(
                "TeamViewer refused the sign-in ({})",
                crate::domain::text::sanitize(error)
            )));
        }
        let code = query
            .get("code")
            .ok_or_else(|| sign_in_error("the TeamViewer redirect carried no code"))?;
        let http = oauth_http::client(&self.http, Service::TeamViewer, Idempotency::Unsafe);
        let response = client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .map_err(oauth_error)?;
        self.save(StoredCredential::Oauth {
            access_token: response.access_token().secret().clone(),
            refresh_token: response.refresh_token().map(|r| r.secret().clone()),
            expires_at: expiry(response.expires_in()),
        })
        .await
    }

    async fn refresh(&self, refresh_token: &str) -> Result<SecretString, ApiError> {
        let app = self
            .settings
            .oauth
            .clone()
            .ok_or_else(|| sign_in_error("the TeamViewer sign-in expired"))?;
        let client = BasicClient::new(ClientId::new(app.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                app.client_secret.expose_secret().to_string(),
            ))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(self.settings.endpoint("oauth2/token")?));
        let http = oauth_http::client(&self.http, Service::TeamViewer, Idempotency::Safe);
        let response = client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_string()))
            .request_async(&http)
            .await;
        match response {
            Ok(response) => {
                let access = response.access_token().secret().clone();
                self.save(StoredCredential::Oauth {
                    access_token: access.clone(),
                    refresh_token: response
                        .refresh_token()
                        .map(|r| r.secret().clone())
                        .or_else(|| Some(refresh_token.to_string())),
                    expires_at: expiry(response.expires_in()),
                })
                .await?;
                Ok(SecretString::from(access))
            }
            Err(RequestTokenError::ServerResponse(e))
                if *e.error() == BasicErrorResponseType::InvalidGrant =>
            {
                let _ = self.sign_out().await;
                Err(sign_in_error(
                    "the TeamViewer sign-in expired or was revoked",
                ))
            }
            Err(e) => Err(oauth_error(e)),
        }
    }

    async fn load(&self) -> Result<Option<StoredCredential>, ApiError> {
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

    async fn save(&self, credential: StoredCredential) -> Result<(), ApiError> {
        let json = serde_json::to_string(&credential)
            .map_err(|e| ApiError::malformed(Service::TeamViewer, e.to_string()))?;
        if let Err(e) = self.store.set(&self.settings.store_key(), &json) {
            tracing::warn!(error = %e, "could not store the TeamViewer credential; it lasts for this run only");
        }
        *self.current.lock().await = Some(credential);
        Ok(())
    }
}

impl TeamViewerAuth {
    /// A token that needs no refresh, or the refresh token to get one with.
    async fn usable(&self) -> Result<Result<SecretString, String>, ApiError> {
        match self.load().await? {
            None => Err(sign_in_error("not signed in to TeamViewer")),
            Some(StoredCredential::Script { token }) => Ok(Ok(SecretString::from(token))),
            Some(StoredCredential::Oauth {
                access_token,
                refresh_token,
                expires_at,
            }) => {
                if expires_at - 120 > OffsetDateTime::now_utc().unix_timestamp() {
                    return Ok(Ok(SecretString::from(access_token)));
                }
                refresh_token
                    .map(Err)
                    .ok_or_else(|| sign_in_error("the TeamViewer sign-in expired"))
            }
        }
    }
}

impl TokenProvider for TeamViewerAuth {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, ApiError>> {
        Box::pin(async move {
            if let Ok(token) = self.usable().await? {
                return Ok(token);
            }
            // One refresh at a time: a refresh token may be good for one use only.
            let _refreshing = self.refreshing.lock().await;
            match self.usable().await? {
                Ok(token) => Ok(token),
                Err(refresh) => self.refresh(&refresh).await,
            }
        })
    }

    fn rejected<'a>(&'a self, token: &'a SecretString) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Some(StoredCredential::Oauth {
                access_token,
                expires_at,
                ..
            }) = self.current.lock().await.as_mut()
                && access_token.as_str() == token.expose_secret()
            {
                *expires_at = 0;
            }
        })
    }
}

fn expiry(lifetime: Option<Duration>) -> i64 {
    (OffsetDateTime::now_utc() + lifetime.unwrap_or(Duration::from_secs(86_400))).unix_timestamp()
}

fn sign_in_error(reason: &str) -> ApiError {
    ApiError::new(
        Service::TeamViewer,
        ErrorKind::SignInRequired {
            reason: reason.to_string(),
        },
    )
}

fn store_error(e: super::store::StoreError) -> ApiError {
    ApiError::new(
        Service::TeamViewer,
        ErrorKind::Network {
            detail: e.to_string(),
        },
    )
}

fn oauth_error(error: RequestTokenError<ApiError, oauth2::basic::BasicErrorResponse>) -> ApiError {
    match error {
        RequestTokenError::ServerResponse(e) => ApiError::new(
            Service::TeamViewer,
            ErrorKind::Rejected {
                status: 400,
                code: crate::domain::text::sanitize(e.error().as_ref()),
                message: e
                    .error_description()
                    .map(|d| crate::domain::text::sanitize_bounded(d, 300))
                    .unwrap_or_default(),
            },
        ),
        RequestTokenError::Request(e) => e,
        RequestTokenError::Parse(e, _) => {
            ApiError::malformed(Service::TeamViewer, e.inner().to_string())
        }
        RequestTokenError::Other(m) => {
            ApiError::malformed(Service::TeamViewer, crate::domain::text::sanitize(&m))
        }
    }
}

/// Accepts requests on the listener until one comes to `path` (the registered redirect URI's),
/// answers it, closes the listener, and returns the query parameters of its request line.
async fn accept_redirect(
    listener: TcpListener,
    path: String,
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| ApiError::network(Service::TeamViewer, e.to_string()))?;
        let mut buffer = vec![0u8; 8192];
        let mut read = 0;
        while read < buffer.len() {
            let n = stream.read(&mut buffer[read..]).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            read += n;
            if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buffer[..read]).to_string();
        let target = head
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("GET "))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("");
        // The redirect comes to the registered URI's path, with the answer in its query.
        let target_path = target.split('?').next().unwrap_or("");
        if target_path != path {
            // A favicon or a stray probe: answer and keep waiting for the real redirect.
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let page = "<!doctype html><title>intune-assist</title><h1>Signed in to TeamViewer</h1>\
                    <p>You can close this window and return to the terminal.</p>";
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        let url = Url::parse(&format!("http://127.0.0.1{target}"))
            .map_err(|_| sign_in_error("the TeamViewer redirect was not a valid URL"))?;
        return Ok(url.query_pairs().into_owned().collect());
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
