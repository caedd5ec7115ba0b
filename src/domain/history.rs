//! Past remote assistance sessions, as TeamViewer's connection report records them.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

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
}

/// One record of the connection report: a supporter's connection to a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PastSession {
    /// The report record's id.
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
