//! Past remote assistance sessions, as TeamViewer's connection report records them.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::Ticket;

/// What kind of TeamViewer connection a report record is (`support_session_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionKind {
    /// 1: a remote control connection.
    RemoteConnection,
    /// 2: a remote support session.
    RemoteSupport,
    /// 3: a remote support session through the SDK.
    RemoteSupportSdk,
    /// A value this version does not know.
    Other,
    /// No connection: a request nobody connected to.
    #[serde(rename = "none")]
    NoConnection,
}

impl ConnectionKind {
    /// The kind `support_session_type` names.
    pub fn from_wire(value: Option<i64>) -> ConnectionKind {
        match value {
            Some(1) => ConnectionKind::RemoteConnection,
            Some(2) => ConnectionKind::RemoteSupport,
            Some(3) => ConnectionKind::RemoteSupportSdk,
            _ => ConnectionKind::Other,
        }
    }

    /// How it reads in a list.
    pub fn label(self) -> &'static str {
        match self {
            ConnectionKind::RemoteConnection => "remote control",
            ConnectionKind::RemoteSupport => "remote support",
            ConnectionKind::RemoteSupportSdk => "remote support (SDK)",
            ConnectionKind::Other => "other",
            ConnectionKind::NoConnection => "—",
        }
    }
}

/// Who asked for a session from this machine, from the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requested {
    /// The admin who requested it.
    pub admin: String,
    /// The tenant it was requested in.
    pub tenant: String,
    /// The Intune device it was requested for.
    pub device_id: String,
    pub device_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The helpdesk ticket the session answered.
    pub ticket: Option<Ticket>,
    /// Intune's link to the session, as it was given.
    pub session_url: Option<String>,
}

/// Whether anybody connected to a past session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PastStatus {
    /// TeamViewer's connection report has the connection.
    Connected,
    /// Requested from this app (the audit trail) with no connection in the report: the end
    /// user never accepted, or nobody connected.
    NoConnection,
}

impl PastStatus {
    /// How it reads in a list.
    pub fn label(self) -> &'static str {
        match self {
            PastStatus::Connected => "connected",
            PastStatus::NoConnection => "requested · no connection",
        }
    }
}

/// One record of the connection report: a supporter's connection to a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PastSession {
    pub status: PastStatus,
    /// The report record's id (empty for a request with no connection).
    pub id: String,
    /// The session code, normalised; `None` for connections without one.
    pub session_code: Option<String>,
    /// The supporter's name and TeamViewer user id.
    pub supporter: String,
    pub supporter_id: String,
    /// The device as TeamViewer names it.
    pub device_name: String,
    pub group: String,
    pub kind: ConnectionKind,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    /// Whole seconds from start to end, once it ended.
    pub duration_secs: Option<i64>,
    /// Who requested it from this machine, when the audit trail has its code.
    pub requested: Option<Requested>,
}

impl PastSession {
    /// How long the connection lasted, once it ended.
    pub fn duration(&self) -> Option<Duration> {
        Some(self.ended_at? - self.started_at?).filter(|d| !d.is_negative())
    }

    /// A request from the audit trail that no connection in the report answers.
    pub fn unconnected(requested: Requested, session_code: Option<String>) -> PastSession {
        PastSession {
            status: PastStatus::NoConnection,
            id: String::new(),
            session_code,
            supporter: String::new(),
            supporter_id: String::new(),
            device_name: requested.device_name.clone(),
            group: String::new(),
            kind: ConnectionKind::NoConnection,
            started_at: None,
            ended_at: None,
            duration_secs: None,
            requested: Some(requested),
        }
    }

    /// When it happened: the connection's start, else when it was requested.
    pub fn when(&self) -> Option<OffsetDateTime> {
        self.started_at
            .or_else(|| self.requested.as_ref().map(|r| r.at))
    }

    /// The ticket it answered, when one was given.
    pub fn ticket(&self) -> Option<&Ticket> {
        self.requested.as_ref().and_then(|r| r.ticket.as_ref())
    }

    /// The device to show: the Intune device it was requested for, else TeamViewer's name.
    pub fn device(&self) -> &str {
        self.requested
            .as_ref()
            .map_or(&self.device_name, |r| &r.device_name)
    }
}

/// A duration as `1 h 05 min`, `12 min 03 s` or `45 s`.
pub fn duration_text(duration: Duration) -> String {
    let secs = duration.whole_seconds().max(0);
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_their_scale() {
        assert_eq!(duration_text(Duration::seconds(45)), "45 s");
        assert_eq!(duration_text(Duration::seconds(12 * 60 + 3)), "12 min 03 s");
        assert_eq!(
            duration_text(Duration::seconds(3600 + 5 * 60)),
            "1 h 05 min"
        );
    }

    #[test]
    fn kinds_follow_the_documented_enum() {
        assert_eq!(
            ConnectionKind::from_wire(Some(1)),
            ConnectionKind::RemoteConnection
        );
        assert_eq!(
            ConnectionKind::from_wire(Some(2)),
            ConnectionKind::RemoteSupport
        );
        assert_eq!(ConnectionKind::from_wire(Some(9)), ConnectionKind::Other);
        assert_eq!(ConnectionKind::from_wire(None), ConnectionKind::Other);
    }
}
