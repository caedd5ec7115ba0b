//! The history as CSV (RFC 4180, UTF-8): one header line, one row a session, the same fields
//! as `history --json` flattened, for spreadsheets and reports to a helpdesk lead.

use std::borrow::Cow;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::PastSession;

/// One row: `history --json`'s fields, with who requested the session spelled out.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row<'a> {
    status: &'static str,
    id: Cow<'a, str>,
    session_code: Cow<'a, str>,
    supporter: Cow<'a, str>,
    supporter_id: Cow<'a, str>,
    device_name: Cow<'a, str>,
    group: Cow<'a, str>,
    kind: &'static str,
    started_at: String,
    ended_at: String,
    duration_secs: String,
    requested_by: Cow<'a, str>,
    requested_tenant: Cow<'a, str>,
    intune_device_id: Cow<'a, str>,
    intune_device_name: Cow<'a, str>,
    requested_at: String,
    session_url: Cow<'a, str>,
    ticket: Cow<'a, str>,
}

fn date(time: Option<OffsetDateTime>) -> String {
    time.and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn row(session: &PastSession) -> Row<'_> {
    let requested = session.requested.as_ref();
    let text = |f: fn(&crate::domain::Requested) -> &str| requested.map(f).unwrap_or_default();
    Row {
        status: match session.status {
            crate::domain::PastStatus::Connected => "connected",
            crate::domain::PastStatus::NoConnection => "noConnection",
        },
        id: inert(&session.id),
        session_code: inert(session.session_code.as_deref().unwrap_or_default()),
        supporter: inert(&session.supporter),
        supporter_id: inert(&session.supporter_id),
        device_name: inert(&session.device_name),
        group: inert(&session.group),
        kind: match session.kind {
            crate::domain::ConnectionKind::RemoteConnection => "remoteConnection",
            crate::domain::ConnectionKind::RemoteSupport => "remoteSupport",
            crate::domain::ConnectionKind::RemoteSupportSdk => "remoteSupportSdk",
            crate::domain::ConnectionKind::Other => "other",
            crate::domain::ConnectionKind::NoConnection => "none",
        },
        started_at: date(session.started_at),
        ended_at: date(session.ended_at),
        duration_secs: session
            .duration_secs
            .map(|s| s.to_string())
            .unwrap_or_default(),
        requested_by: inert(text(|r| &r.admin)),
        requested_tenant: inert(text(|r| &r.tenant)),
        intune_device_id: inert(text(|r| &r.device_id)),
        intune_device_name: inert(text(|r| &r.device_name)),
        requested_at: date(requested.map(|r| r.at)),
        session_url: inert(
            requested
                .and_then(|r| r.session_url.as_deref())
                .unwrap_or_default(),
        ),
        ticket: inert(session.ticket().map(|t| t.as_str()).unwrap_or_default()),
    }
}

/// A text cell a spreadsheet would not run as a formula: text from the services that starts
/// with `=`, `+`, `-` or `@` gets a leading `'` (every text came sanitised, so no control
/// character reaches the file either).
fn inert(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The sessions as CSV text: a header line even when there are none.
pub fn to_csv(sessions: &[PastSession]) -> Result<String, String> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if sessions.is_empty() {
        // serde writes the header with the first row; with none, it is written by hand.
        writer
            .write_record(HEADER)
            .map_err(|e| format!("could not write CSV: {e}"))?;
    }
    for session in sessions {
        writer
            .serialize(row(session))
            .map_err(|e| format!("could not write CSV: {e}"))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| format!("could not write CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("could not write CSV: {e}"))
}

/// Writes `csv` to a new file `file_name` in `dir` (the working directory when `None`),
/// readable by its owner only; an existing file is never overwritten. Returns the path.
pub fn write_new_file(
    dir: Option<std::path::PathBuf>,
    file_name: &str,
    csv: &str,
) -> Result<String, String> {
    use std::io::Write;
    let dir = match dir {
        Some(dir) => dir,
        None => std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?,
    };
    let path = dir.join(file_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let shown = path.display().to_string();
    let mut file = options.open(&path).map_err(|e| format!("{shown}: {e}"))?;
    file.write_all(csv.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|e| format!("{shown}: {e}"))?;
    Ok(shown)
}

/// The name an export made at `now` is given: `intune-assist-history-20261204-160500.csv`.
pub fn file_name(now: OffsetDateTime) -> String {
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    format!("intune-assist-history-{stamp}.csv")
}

/// The header line's fields, in order.
pub const HEADER: &[&str] = &[
    "status",
    "id",
    "sessionCode",
    "supporter",
    "supporterId",
    "deviceName",
    "group",
    "kind",
    "startedAt",
    "endedAt",
    "durationSecs",
    "requestedBy",
    "requestedTenant",
    "intuneDeviceId",
    "intuneDeviceName",
    "requestedAt",
    "sessionUrl",
    "ticket",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConnectionKind, PastStatus, Requested, Ticket};
    use time::macros::datetime;

    fn session(device: &str, ticket: Option<&str>) -> PastSession {
        PastSession {
            status: PastStatus::Connected,
            id: "r1".into(),
            session_code: Some("s123-456-789".into()),
            supporter: "Helpdesk, Tier 1".into(),
            supporter_id: "u1".into(),
            device_name: device.into(),
            group: "Intune".into(),
            kind: ConnectionKind::RemoteSupport,
            started_at: Some(datetime!(2026-11-24 9:00 UTC)),
            ended_at: Some(datetime!(2026-11-24 9:12 UTC)),
            duration_secs: Some(720),
            requested: Some(Requested {
                admin: "alice@contoso.com".into(),
                tenant: "contoso.com".into(),
                device_id: "d1".into(),
                device_name: device.into(),
                at: datetime!(2026-11-24 8:59 UTC),
                ticket: ticket.and_then(Ticket::from_stored),
                session_url: None,
            }),
        }
    }

    #[test]
    fn the_header_names_every_field_in_order() {
        let text = to_csv(&[session("PC", None)]).expect("csv");
        let header = text.lines().next().expect("header");
        assert_eq!(header, HEADER.join(","));
        let empty = to_csv(&[]).expect("csv");
        assert_eq!(empty, format!("{}\r\n", HEADER.join(",")));
    }

    #[test]
    fn quotes_commas_and_line_ends_as_rfc_4180_says() {
        let text = to_csv(&[session("PC \"7\", 2nd floor", Some("INC,42"))]).expect("csv");
        let row = text.split("\r\n").nth(1).expect("row");
        assert!(row.contains("\"PC \"\"7\"\", 2nd floor\""), "{row}");
        assert!(row.contains("\"Helpdesk, Tier 1\""), "{row}");
        assert!(row.ends_with("\"INC,42\""), "{row}");
        assert!(row.contains(",720,"), "{row}");
        assert!(row.contains("2026-11-24T09:00:00Z"), "{row}");
    }

    #[test]
    fn an_export_is_a_new_owner_only_file() {
        let dir = tempfile::tempdir().expect("dir");
        let name = file_name(datetime!(2026-12-04 16:05:00 UTC));
        assert_eq!(name, "intune-assist-history-20261204-160500.csv");
        let path =
            write_new_file(Some(dir.path().to_path_buf()), &name, "a,b\r\n").expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "a,b\r\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = write_new_file(Some(dir.path().to_path_buf()), &name, "x");
        assert!(again.is_err(), "an existing file is never overwritten");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "a,b\r\n");
    }

    #[test]
    fn a_name_a_spreadsheet_would_run_is_kept_inert() {
        let text = to_csv(&[session("=HYPERLINK(\"http://x\")", None)]).expect("csv");
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    }
}
