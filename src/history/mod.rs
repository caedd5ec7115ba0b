//! Session history: TeamViewer's connection report, joined with this machine's audit trail
//! where the session code matches, so each past session says who requested it, for which
//! Intune device and ticket; requests nobody connected to are listed too.

pub mod csv;

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use crate::audit::{Activity, AuditLog, Entry, Outcome};
use crate::domain::session::normalize_code;
use crate::domain::{PastSession, Requested};
use crate::http::{ApiError, ErrorKind};
use crate::teamviewer::{ReportQuery, TeamViewerClient};

/// How many days back the history reads when not told.
pub const DEFAULT_DAYS: i64 = 30;

/// The past sessions asked for, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pub sessions: Vec<PastSession>,
    /// From when the report was read.
    pub since: Option<OffsetDateTime>,
    /// Lines of the audit trail that could not be read (their sessions show no requester).
    pub unreadable_audit_lines: usize,
}

/// What to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    pub report: ReportQuery,
    /// Only sessions whose device (Intune's name, or TeamViewer's) contains this, any case.
    pub device: Option<String>,
    /// The tenant profile whose requests without a connection are listed.
    pub profile: Option<String>,
}

/// Why the history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{}", explain(.0))]
    Report(ApiError),
    #[error("{0}")]
    Audit(String),
}

/// An error reading the report, said for this report: a refusal names the permission.
pub fn explain(error: &ApiError) -> String {
    match &error.kind {
        ErrorKind::Forbidden { code, message, .. } if names_a_permission(code, message) => format!(
            "TeamViewer refused the connection report ({code}): the TeamViewer token may not \
             read connection reports. In the TeamViewer Management Console, give the script \
             token (or the OAuth app) the permission Connection reporting: view, then sign in \
             to TeamViewer again"
        ),
        _ => error.to_string(),
    }
}

/// Whether TeamViewer's 403 says a permission is missing (rather than, say, a licence without
/// API access): only then is the report permission named as the cause.
fn names_a_permission(code: &str, message: &str) -> bool {
    let says = |text: &str| {
        let text = text.to_ascii_lowercase();
        ["right", "permission", "scope", "not allowed"]
            .iter()
            .any(|word| text.contains(word))
    };
    says(code) || says(message)
}

/// Reads the report and the audit trail and joins them.
pub async fn load(
    teamviewer: &TeamViewerClient,
    audit: &AuditLog,
    query: &HistoryQuery,
) -> Result<History, HistoryError> {
    let records = teamviewer
        .connection_report(&query.report, |_| {})
        .await
        .map_err(HistoryError::Report)?;
    let audit = audit.clone();
    let since = query.report.from;
    // The trail's requests may precede the report's window by a little: a session requested
    // just before midnight may connect after it.
    let trail_since = since.map(|t| t - time::Duration::days(1));
    let (trail, unreadable) = tokio::task::spawn_blocking(move || audit.read(trail_since))
        .await
        .map_err(|e| HistoryError::Audit(e.to_string()))?
        .map_err(|e| HistoryError::Audit(e.to_string()))?;
    let window = Window {
        from: since,
        profile: query.profile.clone().unwrap_or_default(),
    };
    let mut sessions = join(records, &trail, &window);
    if let Some(device) = &query.device {
        sessions.retain(|s| on_device(s, device));
    }
    Ok(History {
        sessions,
        since,
        unreadable_audit_lines: unreadable,
    })
}

/// Which requests without a connection are listed: this profile's, made since `from`. There
/// is no end: the report reads up to now, and a request stamped later than the report's end
/// (clocks differ) is the newest of all, not outside the history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub from: Option<OffsetDateTime>,
    /// The tenant profile (empty without profiles).
    pub profile: String,
}

impl Window {
    fn holds(&self, entry: &Entry) -> bool {
        entry.profile == self.profile && self.from.is_none_or(|from| entry.time >= from)
    }
}

/// The TeamViewer session code a request is known by: its own, else the one in Intune's link.
fn request_code(entry: &Entry) -> Option<String> {
    (!entry.session_code.is_empty())
        .then(|| normalize_code(&entry.session_code))
        .flatten()
        .or_else(|| entry.link().and_then(crate::assist::code_from_link))
}

fn requested(entry: &Entry) -> Requested {
    Requested {
        admin: entry.admin.clone(),
        tenant: entry.tenant.clone(),
        device_id: entry.device_id.clone(),
        device_name: entry.device_name.clone(),
        at: entry.time,
        ticket: crate::domain::Ticket::from_stored(&entry.ticket),
        session_url: entry.link().map(str::to_string),
    }
}

/// Fills in who requested each session the trail has a successful request for (joined by the
/// session code, or the code in Intune's link), adds this profile's requests in `window` that
/// no connection answers, and orders them newest first.
pub fn join(mut records: Vec<PastSession>, trail: &[Entry], window: &Window) -> Vec<PastSession> {
    let requests: Vec<(Option<String>, &Entry)> = trail
        .iter()
        .filter(|e| e.action == Activity::SessionRequested && e.outcome == Outcome::Succeeded)
        .map(|e| (request_code(e), e))
        .collect();
    // The latest request for each code names who asked.
    let by_code: HashMap<&str, &Entry> = requests
        .iter()
        .filter_map(|(code, e)| code.as_deref().map(|c| (c, *e)))
        .collect();
    let mut connected: HashSet<String> = HashSet::new();
    for record in &mut records {
        let Some(code) = record.session_code.clone() else {
            continue;
        };
        if let Some(entry) = by_code.get(code.as_str()) {
            record.requested = Some(requested(entry));
        }
        connected.insert(code);
    }
    let unconnected = requests
        .iter()
        .filter(|(code, entry)| {
            window.holds(entry) && code.as_ref().is_none_or(|c| !connected.contains(c))
        })
        .map(|(code, entry)| PastSession::unconnected(requested(entry), code.clone()));
    records.extend(unconnected);
    records.sort_by_key(|r| std::cmp::Reverse(r.when()));
    records
}

/// Whether the session was on a device whose name contains `needle`, in any case: the Intune
/// device it was requested for, or the device as TeamViewer names it.
pub fn on_device(session: &PastSession, needle: &str) -> bool {
    let needle = needle.to_lowercase();
    let intune = session.requested.as_ref().map(|r| r.device_name.as_str());
    [Some(session.device_name.as_str()), intune]
        .into_iter()
        .flatten()
        .any(|name| name.to_lowercase().contains(&needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConnectionKind;
    use time::macros::datetime;

    fn record(id: &str, code: Option<&str>, device: &str, start: OffsetDateTime) -> PastSession {
        PastSession {
            status: crate::domain::PastStatus::Connected,
            id: id.into(),
            session_code: code.map(Into::into),
            supporter: "Helpdesk".into(),
            supporter_id: "u1".into(),
            device_name: device.into(),
            group: "Intune".into(),
            kind: ConnectionKind::RemoteSupport,
            started_at: Some(start),
            ended_at: None,
            duration_secs: None,
            requested: None,
        }
    }

    fn requested(code: &str, device: &str, outcome: Outcome) -> Entry {
        let mut entry = Entry::new(Activity::SessionRequested, outcome)
            .device("intune-id", device)
            .session(code);
        entry.admin = "alice@contoso.com".into();
        entry.tenant = "contoso.com".into();
        entry
    }

    #[test]
    fn the_trail_names_who_requested_a_session_by_its_code() {
        let records = vec![
            record(
                "1",
                Some("s111-111-111"),
                "tv-name",
                datetime!(2026-11-01 9:00 UTC),
            ),
            record(
                "2",
                Some("s222-222-222"),
                "other",
                datetime!(2026-11-02 9:00 UTC),
            ),
            record("3", None, "no code", datetime!(2026-11-03 9:00 UTC)),
        ];
        let trail = vec![
            requested("s111-111-111", "DESKTOP-7F3K", Outcome::Succeeded),
            requested("s222-222-222", "FAILED-PC", Outcome::Failed),
        ];
        let joined = join(records, &trail, &Window::default());
        assert_eq!(
            joined.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["3", "2", "1"],
            "newest first"
        );
        let first = &joined[2];
        let who = first.requested.as_ref().map(|r| r.admin.as_str());
        assert_eq!(who, Some("alice@contoso.com"));
        assert_eq!(first.device(), "DESKTOP-7F3K");
        assert!(
            joined[1].requested.is_none(),
            "a failed request names no one"
        );
        assert_eq!(joined[1].device(), "other");
    }

    #[test]
    fn requests_nobody_connected_to_are_listed_with_who_asked_and_the_ticket() {
        let at = |minutes: i64| datetime!(2026-11-10 9:00 UTC) + time::Duration::minutes(minutes);
        let records = vec![record("r1", Some("s333-333-333"), "tv-name", at(30))];
        let mut by_link = requested("", "LINKED-PC", Outcome::Succeeded);
        by_link.session_url = "https://start.teamviewer.com/s333333333-AbC".into();
        by_link.time = at(25);
        let mut never = requested("s444-444-444", "NEVER-PC", Outcome::Succeeded).ticket(
            crate::domain::Ticket::parse("INC-7", false)
                .ok()
                .flatten()
                .as_ref(),
        );
        never.time = at(40);
        let mut no_code = requested("", "CODELESS-PC", Outcome::Succeeded);
        no_code.session_url = "companyportal:session".into();
        no_code.time = at(41);
        let mut other_profile = requested("s555-555-555", "ELSEWHERE", Outcome::Succeeded);
        other_profile.profile = "fabrikam".into();
        other_profile.time = at(42);
        let mut too_old = requested("s666-666-666", "OLD-PC", Outcome::Succeeded);
        too_old.time = at(-24 * 60);
        let mut failed = requested("s777-777-777", "FAILED-PC", Outcome::Failed);
        failed.time = at(43);
        let trail = [by_link, never, no_code, other_profile, too_old, failed];
        let window = Window {
            from: Some(at(0)),
            profile: String::new(),
        };
        let joined = join(records, &trail, &window);
        let rows: Vec<(&str, crate::domain::PastStatus)> =
            joined.iter().map(|s| (s.device(), s.status)).collect();
        use crate::domain::PastStatus::{Connected, NoConnection};
        assert_eq!(
            rows,
            [
                ("CODELESS-PC", NoConnection),
                ("NEVER-PC", NoConnection),
                ("LINKED-PC", Connected),
            ],
            "joined by the link's code; another profile's, an old and a failed request left out"
        );
        let never = &joined[1];
        assert_eq!(never.session_code.as_deref(), Some("s444-444-444"));
        assert_eq!(never.ticket().map(|t| t.as_str()), Some("INC-7"));
        assert_eq!(never.when(), Some(at(40)));
        assert_eq!(
            never.requested.as_ref().map(|r| r.admin.as_str()),
            Some("alice@contoso.com")
        );
        assert_eq!(joined[0].session_code, None);
    }

    #[test]
    fn the_device_filter_reads_both_names() {
        let mut joined = join(
            vec![record(
                "1",
                Some("s111-111-111"),
                "tv-name",
                datetime!(2026-11-01 9:00 UTC),
            )],
            &[requested(
                "s111-111-111",
                "DESKTOP-7F3K",
                Outcome::Succeeded,
            )],
            &Window::default(),
        );
        let session = joined.remove(0);
        assert!(on_device(&session, "desktop"));
        assert!(on_device(&session, "TV-NAME"));
        assert!(!on_device(&session, "laptop"));
    }

    #[test]
    fn a_refused_report_names_the_permission() {
        let error = ApiError::new(
            crate::http::Service::TeamViewer,
            ErrorKind::Forbidden {
                missing: None,
                code: "insufficient_rights".into(),
                message: String::new(),
                hint: None,
            },
        );
        let text = explain(&error);
        assert!(text.contains("Connection reporting: view"), "{text}");
        assert!(!text.contains("403"), "{text}");
    }

    #[test]
    fn a_refusal_for_another_cause_is_not_blamed_on_the_permission() {
        let error = ApiError::new(
            crate::http::Service::TeamViewer,
            ErrorKind::Forbidden {
                missing: None,
                code: "license_required".into(),
                message: "Your license does not include API access.".into(),
                hint: None,
            },
        );
        let text = explain(&error);
        assert!(!text.contains("Connection reporting: view"), "{text}");
        assert!(text.contains("license_required"), "{text}");
        assert!(
            text.contains("Your license does not include API access."),
            "{text}"
        );
    }
}
