//! `history`: past remote assistance sessions from TeamViewer's connection report, joined
//! with the audit trail.

use time::OffsetDateTime;

use super::audit::parse_since;
use super::output::{Output, table};
use super::{CommandError, exit};
use crate::domain::PastStatus;
use crate::domain::history::duration_text;
use crate::history::{DEFAULT_DAYS, HistoryError, HistoryQuery};
use crate::services::Services;
use crate::teamviewer::ReportQuery;

/// How the history is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    /// A table (or JSON with `--json`).
    Text,
    /// CSV (RFC 4180).
    Csv,
}

pub(super) async fn history(
    services: &Services,
    since: Option<&str>,
    device: Option<String>,
    format: Format,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let now = OffsetDateTime::now_utc();
    let since = match since {
        Some(text) => parse_since(text)?,
        None => now - time::Duration::days(DEFAULT_DAYS),
    };
    let query = HistoryQuery {
        report: ReportQuery {
            from: Some(since),
            to: Some(now),
        },
        device,
        profile: services.config.profile.clone(),
    };
    let history = crate::history::load(&services.teamviewer, &services.audit, &query)
        .await
        .map_err(|error| match error {
            HistoryError::Report(api) => {
                let mut failed = CommandError::from(api.clone());
                failed.message = crate::history::explain(&api);
                failed
            }
            HistoryError::Audit(message) => CommandError {
                code: exit::FAILURE,
                message,
            },
        })?;
    if history.unreadable_audit_lines > 0 {
        out.note(format!(
            "warning: {} lines of the audit log could not be read; their sessions show no requester",
            history.unreadable_audit_lines
        ));
    }
    if out.json {
        out.json(&history.sessions);
        return Ok(());
    }
    if format == Format::Csv {
        let text =
            crate::history::csv::to_csv(&history.sessions).map_err(|message| CommandError {
                code: exit::FAILURE,
                message,
            })?;
        out.raw(text.as_bytes());
        return Ok(());
    }
    let since_text = crate::ui::format::date_time(Some(since));
    if history.sessions.is_empty() {
        out.note(format!(
            "No sessions in TeamViewer's connection report since {since_text}."
        ));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = history
        .sessions
        .iter()
        .map(|s| {
            vec![
                crate::ui::format::date_minute(s.when()),
                match (s.status, s.ended_at) {
                    (PastStatus::NoConnection, _) => "no connection".into(),
                    (_, Some(end)) => crate::ui::format::time_of_day(end),
                    (_, None) => "ongoing".into(),
                },
                s.duration().map_or_else(|| "—".into(), duration_text),
                s.device().to_string(),
                s.supporter.clone(),
                s.session_code.clone().unwrap_or_else(|| "—".into()),
                s.requested
                    .as_ref()
                    .map_or_else(|| "—".into(), |r| r.admin.clone()),
                s.ticket().map_or_else(|| "—".into(), |t| t.to_string()),
            ]
        })
        .collect();
    for line in table(
        &[
            ("STARTED (UTC)", 16),
            ("ENDED", 13),
            ("DURATION", 12),
            ("DEVICE", 24),
            ("SUPPORTER", 20),
            ("SESSION", 12),
            ("REQUESTED BY", 30),
            ("TICKET", 16),
        ],
        &rows,
    ) {
        out.line(line);
    }
    let unconnected = history
        .sessions
        .iter()
        .filter(|s| s.status == PastStatus::NoConnection)
        .count();
    out.note(format!(
        "{} sessions since {since_text} ({unconnected} requested with no connection); \
         REQUESTED BY and TICKET come from this machine's audit trail",
        history.sessions.len()
    ));
    Ok(())
}
