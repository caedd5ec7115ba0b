//! Simulated TeamViewer OAuth2: the authorize page and the token endpoint (authorization
//! code with PKCE, refresh).

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::tv_error;
use crate::sim::Shared;
use crate::sim::state::{Audience, TvAuthCode};

/// The simulated TeamViewer OAuth app.
pub const OAUTH_CLIENT_ID: &str = "12345-sim-oauth-client";
/// Its client secret.
pub const OAUTH_CLIENT_SECRET: &str = "sim-oauth-client-secret";

pub(super) async fn authorize(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut state = shared.lock();
    let (Some(client_id), Some(redirect_uri)) = (query.get("client_id"), query.get("redirect_uri"))
    else {
        return (
            StatusCode::BAD_REQUEST,
            "client_id and redirect_uri are required",
        )
            .into_response();
    };
    if client_id != OAUTH_CLIENT_ID {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    // Only the redirect URI registered with the app is accepted.
    if *redirect_uri != state.config.teamviewer_redirect_uri {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>The redirect_uri does not match the one registered for this app.</h1>"),
        )
            .into_response();
    }
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    let code = format!("sim-code-{:024x}", state.rng.u128(..));
    state.tv_codes.insert(
        code.clone(),
        TvAuthCode {
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            code_challenge: query.get("code_challenge").cloned(),
        },
    );
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = query.get("state") {
        target.query_pairs_mut().append_pair("state", s);
    }
    Redirect::to(target.as_str()).into_response()
}

pub(super) async fn oauth_token(
    State(shared): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut state = shared.lock();
    let secret_ok = form
        .get("client_secret")
        .is_some_and(|s| s == OAUTH_CLIENT_SECRET)
        && form.get("client_id").is_some_and(|c| c == OAUTH_CLIENT_ID);
    if !secret_ok {
        return tv_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Invalid client credentials.",
            3,
        );
    }
    let lifetime = Duration::from_secs(86_400).min(state.config.timings.access_token_lifetime * 24);
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let Some(grant) = form.get("code").and_then(|c| state.tv_codes.remove(c)) else {
                return tv_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid authorization code.",
                    3,
                );
            };
            if form
                .get("redirect_uri")
                .is_some_and(|r| *r != grant.redirect_uri)
                || grant.client_id != OAUTH_CLIENT_ID
            {
                return tv_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match.",
                    3,
                );
            }
            if let Some(challenge) = grant.code_challenge {
                let verifier = form.get("code_verifier").cloned().unwrap_or_default();
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                if computed != challenge {
                    return tv_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "PKCE verification failed.",
                        3,
                    );
                }
            }
        }
        Some("refresh_token") => {
            let valid = form
                .get("refresh_token")
                .and_then(|r| state.refresh_tokens.get(r))
                == Some(&Audience::TeamViewer);
            if !valid {
                return tv_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid refresh token.",
                    3,
                );
            }
        }
        _ => {
            return tv_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type.",
                3,
            );
        }
    }
    let (access, refresh) = state.issue_tokens(Audience::TeamViewer, lifetime, None);
    Json(json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh,
    }))
    .into_response()
}
