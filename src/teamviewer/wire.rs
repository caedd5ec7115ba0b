//! TeamViewer Web API wire shapes and their conversion to domain types.

use serde::Deserialize;

use crate::domain::session::normalize_code;
use crate::domain::text::{sanitize, sanitize_url};
use crate::domain::{Connection, ConnectionKind, PastSession, Session};
use crate::graph::wire::parse_time;

/// TeamViewer's error body.
#[derive(Debug, Deserialize)]
pub struct WireError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: String,
    pub error_code: Option<i64>,
}

/// `GET /ping`.
#[derive(Debug, Deserialize)]
pub struct WirePing {
    #[serde(default)]
    pub token_valid: bool,
}

/// `GET /account`.
#[derive(Debug, Deserialize)]
pub struct WireAccount {
    #[serde(default)]
    pub userid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub company_name: String,
}

/// The end customer of a session.
#[derive(Debug, Default, Deserialize)]
pub struct WireEndCustomer {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A session as sent by create, get and list.
#[derive(Debug, Deserialize)]
pub struct WireSession {
    pub code: String,
    pub state: Option<String>,
    pub online: Option<bool>,
    pub description: Option<String>,
    pub end_customer: Option<WireEndCustomer>,
    pub supporter_link: Option<String>,
    pub end_customer_link: Option<String>,
    pub webclient_supporter_link: Option<String>,
    pub created_at: Option<String>,
    pub closed_at: Option<String>,
    pub valid_until: Option<String>,
}

impl WireSession {
    /// The domain session (connection times are filled in from the report separately).
    pub fn into_domain(self) -> Session {
        let code = normalize_code(&self.code).unwrap_or_else(|| sanitize(&self.code));
        let open = !self
            .state
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("closed"));
        Session {
            code,
            description: self
                .description
                .as_deref()
                .map(sanitize)
                .unwrap_or_default(),
            end_customer_name: self
                .end_customer
                .and_then(|c| c.name)
                .as_deref()
                .map(sanitize)
                .unwrap_or_default(),
            supporter_link: self.supporter_link.as_deref().and_then(sanitize_url),
            end_customer_link: self.end_customer_link.as_deref().and_then(sanitize_url),
            webclient_supporter_link: self
                .webclient_supporter_link
                .as_deref()
                .and_then(sanitize_url),
            open,
            end_user_online: open && self.online.unwrap_or(false),
            created_at: parse_time(self.created_at.as_deref()),
            closed_at: parse_time(self.closed_at.as_deref()),
            valid_until: parse_time(self.valid_until.as_deref()),
            supporter_connected_at: None,
            connection_ended_at: None,
        }
    }
}

/// `GET /sessions`.
#[derive(Debug, Deserialize)]
pub struct WireSessionList {
    #[serde(default)]
    pub sessions: Vec<WireSession>,
    /// Sent as a string by the service, typed as a number by some SDKs: accept both.
    pub next_offset: Option<serde_json::Value>,
}

/// One record of the connections report.
#[derive(Debug, Deserialize)]
pub struct WireConnection {
    /// The record's id; what `next_offset` names.
    pub id: Option<serde_json::Value>,
    pub session_code: Option<String>,
    pub userid: Option<String>,
    pub username: Option<String>,
    pub devicename: Option<String>,
    pub groupname: Option<String>,
    /// 1 remote connection, 2 remote support, 3 remote support through the SDK.
    pub support_session_type: Option<serde_json::Value>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

impl WireConnection {
    /// The domain connection.
    pub fn into_domain(self) -> Connection {
        Connection {
            session_code: self
                .session_code
                .as_deref()
                .and_then(normalize_code)
                .unwrap_or_default(),
            supporter: self.username.as_deref().map(sanitize).unwrap_or_default(),
            started_at: parse_time(self.start_date.as_deref()),
            ended_at: parse_time(self.end_date.as_deref()),
        }
    }

    /// The record as a past session, not yet joined with the audit trail.
    pub fn into_past(self) -> PastSession {
        let text = |v: &Option<String>| v.as_deref().map(sanitize).unwrap_or_default();
        let started_at = parse_time(self.start_date.as_deref());
        let ended_at = parse_time(self.end_date.as_deref());
        PastSession {
            status: crate::domain::PastStatus::Connected,
            id: offset_text(self.id.clone())
                .map(|id| sanitize(&id))
                .unwrap_or_default(),
            session_code: self.session_code.as_deref().and_then(normalize_code),
            supporter: text(&self.username),
            supporter_id: text(&self.userid),
            device_name: text(&self.devicename),
            group: text(&self.groupname),
            kind: ConnectionKind::from_wire(match &self.support_session_type {
                Some(serde_json::Value::Number(n)) => n.as_i64(),
                Some(serde_json::Value::String(s)) => s.parse().ok(),
                _ => None,
            }),
            started_at,
            ended_at,
            duration_secs: match (started_at, ended_at) {
                (Some(start), Some(end)) if end >= start => Some((end - start).whole_seconds()),
                _ => None,
            },
            requested: None,
        }
    }
}

/// `GET /reports/connections`.
#[derive(Debug, Deserialize)]
pub struct WireConnectionReport {
    #[serde(default)]
    pub records: Vec<WireConnection>,
    pub next_offset: Option<serde_json::Value>,
}

/// A paging offset, whichever JSON type it came as.
pub fn offset_text(value: Option<serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
