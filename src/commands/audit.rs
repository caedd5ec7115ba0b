//! `audit`: the trail of changes made from this machine.

use time::OffsetDateTime;

use super::output::{Output, table};
use super::{CommandError, exit};
use crate::audit::Outcome;
use crate::services::Services;

/// Reads `2026-11-24` (midnight UTC) or an RFC 3339 time.
pub(super) fn parse_since(text: &str) -> Result<OffsetDateTime, CommandError> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| {
            CommandError::usage(format!(
                "`{}` is not a date like 2026-11-24 or a time like 2026-11-24T09:00:00Z",
                crate::domain::text::sanitize(text)
            ))
        })
}

pub(super) async fn audit_trail(
    services: &Services,
    since: Option<&str>,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let since = since.map(parse_since).transpose()?;
    let (entries, unreadable) = services.audit.read(since).map_err(|e| CommandError {
        code: exit::FAILURE,
        message: e.to_string(),
    })?;
    if unreadable > 0 {
        out.note(format!(
            "warning: {unreadable} lines of the audit log could not be read and are not shown"
        ));
    }
    if out.json {
        out.json(&entries);
        return Ok(());
    }
    if entries.is_empty() {
        out.note(match services.audit.path() {
            Some(path) => format!("Nothing recorded in {}.", path.display()),
            None => "Nothing recorded.".into(),
        });
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                crate::ui::format::date_time(Some(e.time)),
                match e.outcome {
                    Outcome::Succeeded => "ok".into(),
                    Outcome::Failed => "failed".into(),
                },
                e.action.label().into(),
                e.device_name.clone(),
                e.session_code.clone(),
                e.ticket.clone(),
                e.admin.clone(),
                e.detail.clone(),
            ]
        })
        .collect();
    for line in table(
        &[
            ("TIME", 23),
            ("OUTCOME", 7),
            ("ACTION", 22),
            ("DEVICE", 20),
            ("SESSION", 12),
            ("TICKET", 16),
            ("ADMIN", 28),
            ("DETAIL", 40),
        ],
        &rows,
    ) {
        out.line(line);
    }
    Ok(())
}
