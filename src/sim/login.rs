//! Simulated Microsoft identity platform: the device code flow and refresh tokens.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::state::{Audience, PendingLogin};
use super::{DeviceLoginOutcome, Profile, Shared};

/// The simulated tenant's id.
pub const TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/login/{tenant}/oauth2/v2.0/devicecode", post(device_code))
        .route("/login/{tenant}/oauth2/v2.0/token", post(token))
}

pub(super) fn page_routes() -> Router<Shared> {
    Router::new().route("/login/devicelogin", get(device_login_page))
}

fn oauth_error(error: &str, description: &str, code: u32) -> Response {
    oauth_error_with_claims(error, description, code, None)
}

/// The identity platform's token error; Conditional Access adds a `claims` challenge.
fn oauth_error_with_claims(
    error: &str,
    description: &str,
    code: u32,
    claims: Option<&str>,
) -> Response {
    let mut body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description}"),
        "error_codes": [code],
        "timestamp": time::OffsetDateTime::now_utc().to_string(),
        "trace_id": "0b4a6ef1-sim-trace",
        "correlation_id": "5c1d0c2e-sim-correlation",
    });
    if let (Some(claims), Some(map)) = (claims, body.as_object_mut()) {
        map.insert("claims".into(), json!(claims));
    }
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn device_code(
    State(shared): State<Shared>,
    Path(_tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if form.get("client_id").is_none_or(String::is_empty) {
        return oauth_error(
            "invalid_request",
            "The request body must contain the following parameter: 'client_id'.",
            900144,
        );
    }
    let mut state = shared.lock();
    state.device_code_claims.push(form.get("claims").cloned());
    let device_code = format!("DAQABAAEAAAB{:032x}", state.rng.u128(..));
    let user_code: String = (0..9)
        .map(|_| {
            let chars = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            chars[state.rng.usize(0..chars.len())] as char
        })
        .collect();
    let expires_in = 900u64;
    let verification_uri = format!("{}/login/devicelogin", state.link_base);
    let now = state.now();
    state.secrets_issued.push(device_code.clone());
    state.logins.insert(
        device_code.clone(),
        PendingLogin {
            user_code: user_code.clone(),
            polls: 0,
            approved: false,
            expires: now + Duration::from_secs(expires_in),
            scope: form.get("scope").cloned().unwrap_or_default(),
        },
    );
    Json(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": expires_in,
        "interval": state.config.timings.poll_interval_secs,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    }))
    .into_response()
}

/// Entra role template ids (`wids`): Intune Administrator, and the directory's member role.
const INTUNE_ADMINISTRATOR: &str = "3a2c62db-5318-420d-8d74-23affee5d9d5";
const DIRECTORY_MEMBER: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";

fn id_token(profile: Profile, domain: &str, entra_admin: bool) -> String {
    let (user, name) = match profile {
        Profile::Admin => ("admin", "Intune Admin"),
        Profile::Helpdesk => ("helpdesk", "Help Desk"),
        Profile::Readonly => ("auditor", "Read Only Auditor"),
    };
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"sim"}"#);
    let claims = json!({
        "aud": "sim-client",
        "iss": format!("https://login.microsoftonline.com/{TENANT_ID}/v2.0"),
        "tid": TENANT_ID,
        "preferred_username": format!("{user}@{domain}"),
        "name": name,
        "oid": "00000000-0000-0000-0000-00000000a11c",
        "wids": if profile == Profile::Admin && entra_admin {
            vec![INTUNE_ADMINISTRATOR, DIRECTORY_MEMBER]
        } else {
            vec![DIRECTORY_MEMBER]
        },
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lt")
}

fn token_response(state: &mut super::state::SimState, scope: &str) -> Response {
    let lifetime = state.config.timings.access_token_lifetime;
    let permissions = scope
        .split_whitespace()
        .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
        .collect();
    let (access, refresh) = state.issue_tokens(Audience::Graph, lifetime, Some(permissions));
    let id_token = id_token(
        state.config.profile,
        &state.config.tenant_domain,
        state.config.entra_admin,
    );
    Json(json!({
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": lifetime.as_secs().max(1),
        "ext_expires_in": lifetime.as_secs().max(1),
        "access_token": access,
        "refresh_token": refresh,
        "id_token": id_token,
    }))
    .into_response()
}

async fn token(
    State(shared): State<Shared>,
    Path(_tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut state = shared.lock();
    match form.get("grant_type").map(String::as_str) {
        Some("urn:ietf:params:oauth:grant-type:device_code") => {
            let code = form.get("device_code").cloned().unwrap_or_default();
            let outcome = state.config.device_login;
            let pending_polls = state.config.timings.pending_polls;
            let now = state.now();
            let Some(login) = state.logins.get_mut(&code) else {
                return oauth_error(
                    "bad_verification_code",
                    "The provided value for the input parameter 'device_code' is not valid.",
                    70019,
                );
            };
            if now >= login.expires
                || (outcome == DeviceLoginOutcome::Expire && login.polls >= pending_polls)
            {
                return oauth_error("expired_token", "Verification code expired.", 70020);
            }
            if outcome == DeviceLoginOutcome::Decline && login.polls >= pending_polls {
                return oauth_error(
                    "authorization_declined",
                    "The end-user denied the authorization request.",
                    70000,
                );
            }
            if !login.approved && login.polls < pending_polls {
                login.polls += 1;
                return oauth_error(
                    "authorization_pending",
                    "The user has not yet completed authentication.",
                    70016,
                );
            }
            let scope = login.scope.clone();
            state.logins.remove(&code);
            state.interaction_required = None;
            token_response(&mut state, &scope)
        }
        Some("refresh_token") => {
            let refresh = form.get("refresh_token").cloned().unwrap_or_default();
            if let Some(claims) = state.interaction_required.clone() {
                return oauth_error_with_claims(
                    "interaction_required",
                    "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access 'Microsoft Graph'.",
                    50076,
                    Some(&claims),
                );
            }
            if state.refresh_tokens.get(&refresh) != Some(&Audience::Graph) {
                return oauth_error(
                    "invalid_grant",
                    "The refresh token has expired or was revoked. The user must sign in again.",
                    50173,
                );
            }
            let scope = form.get("scope").cloned().unwrap_or_default();
            // A permission the tenant's admin never consented to: Entra asks for consent,
            // which a refresh cannot give.
            let withheld = scope.split_whitespace().any(|s| {
                let name = s.rsplit('/').next().unwrap_or(s);
                state
                    .config
                    .withheld_scopes
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(name))
            });
            if withheld {
                return oauth_error(
                    "invalid_grant",
                    &format!(
                        "The user or administrator has not consented to use the application \
                         with ID '{}' named 'intune-assist'. Send an interactive authorization \
                         request for this user and resource.",
                        form.get("client_id").map_or("", String::as_str)
                    ),
                    65001,
                );
            }
            token_response(&mut state, &scope)
        }
        Some(other) => oauth_error(
            "unsupported_grant_type",
            &format!("The grant type '{other}' is not supported."),
            70003,
        ),
        None => oauth_error(
            "invalid_request",
            "The request body must contain the following parameter: 'grant_type'.",
            900144,
        ),
    }
}

async fn device_login_page(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Html<String> {
    let mut state = shared.lock();
    let Some(code) = query.get("code") else {
        return Html(
            "<h1>Enter code</h1><form><input name=code><button>Next</button></form>".into(),
        );
    };
    let approved = state
        .logins
        .values_mut()
        .find(|l| l.user_code.eq_ignore_ascii_case(code))
        .map(|l| l.approved = true)
        .is_some();
    Html(if approved {
        "<h1>You have signed in to intune-assist.</h1><p>You may now close this window.</p>".into()
    } else {
        "<h1>That code didn't work.</h1>".into()
    })
}
