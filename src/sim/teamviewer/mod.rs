//! Simulated TeamViewer Web API v1: ping, account, sessions, connections report, OAuth2.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::state::{Audience, SimState, TvSession};
use super::{Shared, bearer};
use oauth::{authorize, oauth_token};

mod oauth;
mod report;

pub(super) fn api_routes() -> Router<Shared> {
    Router::new()
        .route("/teamviewer/api/v1/ping", get(ping))
        .route("/teamviewer/api/v1/account", get(account))
        .route(
            "/teamviewer/api/v1/sessions",
            get(list_sessions).post(create_session),
        )
        .route(
            "/teamviewer/api/v1/sessions/{code}",
            get(get_session).put(update_session),
        )
        .route(
            "/teamviewer/api/v1/reports/connections",
            get(report::connections),
        )
        .route("/teamviewer/api/v1/oauth2/token", post(oauth_token))
}

pub(super) fn page_routes() -> Router<Shared> {
    Router::new()
        .route("/teamviewer-login/oauth2/authorize", get(authorize))
        .route("/teamviewer/v15/{link}", get(visit_link))
        .route("/teamviewer/intune/session/{token}", get(visit_intune_link))
        .route("/teamviewer/intune/onboard/{id}", get(onboard))
}

fn tv_error(status: StatusCode, error: &str, description: &str, code: u32) -> Response {
    let body = json!({
        "error": error,
        "error_description": description,
        "error_code": code,
        "error_signature": "sim-signature",
    });
    (status, Json(body)).into_response()
}

/// An error answer, boxed so results that carry it stay small.
struct TvError(Box<Response>);

impl IntoResponse for TvError {
    fn into_response(self) -> Response {
        *self.0
    }
}

fn tv_err(status: StatusCode, error: &str, description: &str, code: u32) -> TvError {
    TvError(Box::new(tv_error(status, error, description, code)))
}

fn authorize_api(state: &SimState, headers: &HeaderMap) -> Result<(), TvError> {
    state
        .check_token(bearer(headers), Audience::TeamViewer)
        .map_err(|_| {
            tv_err(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The access token is invalid or has expired.",
                1,
            )
        })
}

fn time_value(t: time::OffsetDateTime) -> Value {
    Value::String(t.format(&Rfc3339).unwrap_or_default())
}

fn session_json(state: &SimState, s: &TvSession, full: bool) -> Value {
    let mut v = json!({
        "code": s.code,
        "state": if s.is_open() { "Open" } else { "Closed" },
        "groupid": s.groupid,
        "created_at": time_value(s.created_at),
        "valid_until": time_value(s.valid_until),
        "end_customer_link": state.end_customer_link(s),
        "supporter_link": state.supporter_link(s),
    });
    if let Value::Object(map) = &mut v {
        if let Some(closed) = s.closed_at {
            map.insert("closed_at".into(), time_value(closed));
        }
        if full {
            map.insert("online".into(), Value::Bool(s.online));
            map.insert("groupname".into(), Value::String(s.groupname.clone()));
            map.insert("description".into(), Value::String(s.description.clone()));
            map.insert(
                "waiting_message".into(),
                Value::String(s.waiting_message.clone()),
            );
            if !s.intune {
                map.insert("custom_api".into(), Value::String(s.custom_api.clone()));
            }
            map.insert(
                "end_customer".into(),
                json!({"name": s.end_customer_name, "email": s.end_customer_email}),
            );
            map.insert(
                "webclient_supporter_link".into(),
                Value::String(state.webclient_link(s)),
            );
            map.insert(
                "support_session_type".into(),
                Value::String("Default".into()),
            );
            if !s.assigned_userid.is_empty() {
                map.insert(
                    "assigned_userid".into(),
                    Value::String(s.assigned_userid.clone()),
                );
            }
        }
    }
    v
}

async fn ping(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let state = shared.lock();
    let valid = state
        .check_token(bearer(&headers), Audience::TeamViewer)
        .is_ok();
    Json(json!({"token_valid": valid})).into_response()
}

async fn account(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let state = shared.lock();
    if let Err(response) = authorize_api(&state, &headers) {
        return response.into_response();
    }
    Json(json!({
        "userid": "u11293276",
        "name": "Contoso Helpdesk",
        "email": "helpdesk@contoso.com",
        "company_name": "Contoso Ltd",
        "email_validated": true,
        "email_language": "en",
        "license": {"type": "Corporate", "isactive": true},
    }))
    .into_response()
}

async fn list_sessions(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state = shared.lock();
    if let Err(response) = authorize_api(&state, &headers) {
        return response.into_response();
    }
    let wanted: Vec<String> = query
        .get("state")
        .map_or("open", String::as_str)
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    for w in &wanted {
        if w != "open" && w != "closed" {
            return tv_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Invalid value for parameter state.",
                2,
            );
        }
    }
    let full = query.get("full_list").is_some_and(|v| v == "true");
    let matching: Vec<&TvSession> = state
        .sessions
        .iter()
        .filter(|s| state.visible_to_api(s))
        .filter(|s| wanted.iter().any(|w| (w == "open") == s.is_open()))
        .filter(|s| query.get("groupid").is_none_or(|g| *g == s.groupid))
        .filter(|s| {
            query
                .get("assigned_userid")
                .is_none_or(|u| *u == s.assigned_userid)
        })
        .collect();
    let start = match query.get("offset") {
        Some(code) => match matching.iter().position(|s| s.code == *code) {
            Some(i) => i + 1,
            None => {
                return tv_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Invalid offset.",
                    2,
                );
            }
        },
        None => 0,
    };
    let page_size = state.config.session_page_size.max(1);
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(page_size)
        .map(|s| session_json(&state, s, full))
        .collect();
    let remaining = matching.len().saturating_sub(start + page.len());
    let mut body = json!({"sessions": page});
    if remaining > 0
        && let (Value::Object(map), Some(last)) = (&mut body, matching.get(start + page_size - 1))
    {
        map.insert("next_offset".into(), Value::String(last.code.clone()));
        map.insert("sessions_remaining".into(), json!(remaining));
    }
    Json(body).into_response()
}

fn text_field(body: &Value, name: &str, max: usize) -> Result<String, TvError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(s.clone()),
        Some(Value::String(_)) => Err(tv_err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Parameter {name} is too long."),
            2,
        )),
        Some(_) => Err(tv_err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Parameter {name} must be a string."),
            2,
        )),
    }
}

async fn create_session(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut state = shared.lock();
    if let Err(response) = authorize_api(&state, &headers) {
        return response.into_response();
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return tv_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad Request", 2);
    };
    let fields = (|| {
        Ok::<_, TvError>((
            text_field(&body, "groupid", 64)?,
            text_field(&body, "groupname", 100)?,
            text_field(&body, "description", 1000)?,
            text_field(&body, "custom_api", 4000)?,
            text_field(&body, "waiting_message", 1000)?,
        ))
    })();
    let (groupid, groupname, description, custom_api, waiting) = match fields {
        Ok(f) => f,
        Err(response) => return response.into_response(),
    };
    if groupid.is_empty() && groupname.is_empty() {
        return tv_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Either groupid or groupname is required.",
            2,
        );
    }
    let customer = body.get("end_customer");
    let name = customer
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let email = customer
        .and_then(|c| c.get("email"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let now = state.now();
    let code = state.create_session(
        now,
        if groupname.is_empty() {
            "Intune"
        } else {
            &groupname
        },
        description,
        name,
        email,
        custom_api,
        1,
    );
    if let Some(session) = state.sessions.last_mut() {
        session.waiting_message = waiting;
        if !groupid.is_empty() {
            session.groupid = groupid;
        }
    }
    let json = state
        .sessions
        .iter()
        .find(|s| s.code == code)
        .map(|s| session_json(&state, s, true))
        .unwrap_or(Value::Null);
    let location = format!("{}/teamviewer/api/v1/sessions/{code}", state.base_url);
    match state.config.create_answer {
        super::CreateAnswer::Ok => (StatusCode::OK, Json(json)).into_response(),
        super::CreateAnswer::Created => (
            StatusCode::CREATED,
            [(header::LOCATION, location)],
            Json(json),
        )
            .into_response(),
        super::CreateAnswer::SeeOther => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
    }
}

async fn get_session(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let state = shared.lock();
    if let Err(response) = authorize_api(&state, &headers) {
        return response.into_response();
    }
    match state
        .sessions
        .iter()
        .find(|s| s.code.eq_ignore_ascii_case(&code) && state.visible_to_api(s))
    {
        Some(s) => Json(session_json(&state, s, true)).into_response(),
        None => tv_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Session code not found.",
            4,
        ),
    }
}

async fn update_session(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let mut state = shared.lock();
    if let Err(response) = authorize_api(&state, &headers) {
        return response.into_response();
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return tv_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad Request", 2);
    };
    let Some(index) = state
        .sessions
        .iter()
        .position(|s| s.code.eq_ignore_ascii_case(&code) && state.visible_to_api(s))
    else {
        return tv_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Session code not found.",
            4,
        );
    };
    if let Some(new_state) = body.get("state").and_then(Value::as_str) {
        match new_state.to_ascii_lowercase().as_str() {
            "closed" => {
                let now = state.now();
                state.close_session(index, now)
            }
            "open" if state.sessions[index].is_open() => {}
            _ => {
                return tv_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "A closed session cannot be reopened.",
                    2,
                );
            }
        }
    }
    if let Some(description) = body.get("description").and_then(Value::as_str) {
        state.sessions[index].description = description.to_string();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// The page a session link opens: connecting, or `invalid` when the link leads nowhere.
fn session_page(connected: bool, invalid: &'static str) -> Response {
    if connected {
        Html("<h1>TeamViewer</h1><p>Connecting…</p>").into_response()
    } else {
        (StatusCode::NOT_FOUND, Html(invalid)).into_response()
    }
}

async fn visit_link(State(shared): State<Shared>, Path(link): Path<String>) -> Response {
    let mut state = shared.lock();
    let now = state.now();
    let connected = state.visit_link(&link, now);
    session_page(connected, "<h1>This session code is not valid.</h1>")
}

async fn visit_intune_link(State(shared): State<Shared>, Path(token): Path<String>) -> Response {
    let mut state = shared.lock();
    let now = state.now();
    let connected = state.visit_intune_link(&token, now);
    session_page(connected, "<h1>This session is not valid.</h1>")
}

async fn onboard(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let mut state = shared.lock();
    let now = state.wall(state.now());
    match state.partner.as_mut().filter(|p| p.id == id) {
        Some(partner) if partner.status == "onboarding" => {
            partner.status = "onboarded";
            partner.last_connection = Some(now);
            let mut response = Html("<h1>TeamViewer authorized</h1><p>Intune can now start remote assistance sessions. You may close this window.</p>").into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
        Some(partner) if partner.status == "onboarded" => {
            Html("<h1>Already authorized</h1>").into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Html("<h1>No onboarding is in progress. Start it from Intune first.</h1>"),
        )
            .into_response(),
    }
}
