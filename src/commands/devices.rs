//! `devices` and `device`.

use serde::Serialize;
use time::OffsetDateTime;

use super::CommandError;

use super::output::{Output, ago, clock, column_widths, render_row};
use crate::cli::DevicesArgs;
use crate::domain::{Assist, Device, DeviceOf};
use crate::graph::DeviceQuery;
use crate::services::Services;

/// A device as `devices --json` prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceRow<'a> {
    id: &'a str,
    device_name: &'a str,
    operating_system: &'a str,
    os_version: &'a str,
    user_principal_name: &'a str,
    compliance_state: crate::domain::ComplianceState,
    device_enrollment_type: crate::domain::EnrollmentType,
    managed_device_owner_type: crate::domain::OwnerType,
    #[serde(with = "time::serde::rfc3339::option")]
    last_sync_date_time: Option<OffsetDateTime>,
    assist: AssistJson,
}

/// The assist verdict as JSON.
#[derive(Serialize)]
struct AssistJson {
    supported: bool,
    reason: Option<String>,
    #[serde(rename = "directSession")]
    direct_session: bool,
    /// Intune can be asked, but the rule could not confirm the device (the reason says why).
    unconfirmed: bool,
}

fn assist_json(assist: &Assist) -> AssistJson {
    AssistJson {
        supported: assist.is_possible(),
        reason: assist.reason().map(str::to_string),
        direct_session: matches!(assist, Assist::DirectSession { .. }),
        unconfirmed: matches!(assist, Assist::Unconfirmed { .. }),
    }
}

fn assist_text(assist: &Assist) -> String {
    match assist {
        Assist::Supported => "✓".into(),
        Assist::DirectSession { .. } => "✓ direct TeamViewer session (userless)".into(),
        Assist::Unsupported { reason } => format!("✗ {reason}"),
        Assist::Unconfirmed { reason } => format!("? {reason}"),
    }
}

pub(super) async fn devices(
    services: &Services,
    args: &DevicesArgs,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let query = DeviceQuery {
        operating_system: args.os.clone(),
        ..DeviceQuery::default()
    };
    let interactive = !out.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let needle = args.filter.as_deref().map(str::to_lowercase);
    let now = OffsetDateTime::now_utc();
    // Each page is written as it is parsed, in order, and dropped: memory stays flat whatever
    // the tenant's size. Output is buffered here; the terminal's line buffering would cost a
    // system call a line.
    let mut writer = PageWriter::new(
        std::io::BufWriter::with_capacity(1 << 16, &mut *out.out),
        out.json,
    );
    let mut failure: Option<CommandError> = None;
    let mut loaded = 0usize;
    services
        .graph
        .each_device_page(query, |page| {
            let page = match page {
                Ok(page) => page,
                Err(error) => {
                    failure = Some(error.into());
                    return false;
                }
            };
            loaded += page.devices.len();
            if interactive {
                let total = page.total.map_or(String::new(), |t| format!(" of {t}"));
                eprint!("\rloading devices {loaded}{total}…");
            }
            let shown = page
                .devices
                .iter()
                .filter(|d| needle.as_deref().is_none_or(|n| d.matches(n)));
            match writer.write(shown, now) {
                Ok(()) => true,
                Err(error) => {
                    failure = Some(output_failed(&error));
                    false
                }
            }
        })
        .await;
    if interactive {
        eprint!("\r\x1b[K");
    }
    // A failure mid-way still leaves one valid JSON array (of what was listed) on standard
    // output; the exit status and standard error say it is not all.
    let written = writer.finish();
    match (failure, written) {
        (Some(failure), _) => Err(failure),
        (None, Err(error)) => Err(output_failed(&error)),
        (None, Ok(count)) => {
            if !out.json {
                out.note(format!("{count} devices"));
            }
            Ok(())
        }
    }
}

fn output_failed(error: &std::io::Error) -> CommandError {
    CommandError {
        code: super::exit::FAILURE,
        message: format!("could not write the device list: {error}"),
    }
}

/// The table's columns and the widest each may grow.
const DEVICE_COLUMNS: [(&str, usize); 6] = [
    ("NAME", 28),
    ("USER", 30),
    ("OS", 24),
    ("COMPLIANCE", 14),
    ("LAST SYNC", 12),
    ("ASSIST", 60),
];

fn device_row<T: AsRef<str>>(d: &DeviceOf<T>) -> DeviceRow<'_> {
    DeviceRow {
        id: d.id(),
        device_name: d.name(),
        operating_system: d.operating_system(),
        os_version: d.os_version(),
        user_principal_name: d.user_principal_name(),
        compliance_state: d.compliance_state(),
        device_enrollment_type: d.enrollment_type(),
        managed_device_owner_type: d.owner_type(),
        last_sync_date_time: d.last_sync_date_time(),
        assist: assist_json(&d.assist()),
    }
}

fn table_cells<T: AsRef<str>>(d: &DeviceOf<T>, now: OffsetDateTime) -> Vec<String> {
    vec![
        d.name().to_owned(),
        d.user_principal_name().to_owned(),
        format!("{} {}", d.operating_system(), d.os_version()),
        d.compliance_state().label().to_string(),
        ago(d.last_sync_date_time(), now),
        assist_text(&d.assist()),
    ]
}

/// Writes the device list page by page: one pretty JSON array (laid out as `--json` always
/// printed it), or a table whose column widths the first rows set.
pub(super) struct PageWriter<W: std::io::Write> {
    sink: W,
    json: bool,
    count: usize,
    /// The table's column widths, once the first rows set them.
    widths: Option<Vec<usize>>,
    /// One element's JSON, reused.
    element: Vec<u8>,
}

impl<W: std::io::Write> PageWriter<W> {
    pub(super) fn new(sink: W, json: bool) -> Self {
        PageWriter {
            sink,
            json,
            count: 0,
            widths: None,
            element: Vec::with_capacity(1024),
        }
    }

    /// Writes the devices of one page.
    pub(super) fn write<T: AsRef<str>>(
        &mut self,
        devices: impl Iterator<Item = DeviceOf<T>>,
        now: OffsetDateTime,
    ) -> std::io::Result<()> {
        if self.json {
            for device in devices {
                self.element.clear();
                serde_json::to_writer_pretty(&mut self.element, &device_row(&device))?;
                let lead: &[u8] = if self.count == 0 { b"[\n  " } else { b",\n  " };
                self.sink.write_all(lead)?;
                // An element of the array is indented one level; JSON text has no raw line
                // breaks inside strings, so every line break is between tokens.
                for (i, line) in self.element.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        self.sink.write_all(b"\n  ")?;
                    }
                    self.sink.write_all(line)?;
                }
                self.count += 1;
            }
            return Ok(());
        }
        let rows: Vec<Vec<String>> = devices.map(|d| table_cells(&d, now)).collect();
        if rows.is_empty() {
            return Ok(());
        }
        let widths = match &self.widths {
            Some(widths) => widths.clone(),
            None => {
                let widths = column_widths(&DEVICE_COLUMNS, &rows);
                let header = DEVICE_COLUMNS.iter().map(|(h, _)| h.to_string()).collect();
                writeln!(self.sink, "{}", render_row(&widths, header))?;
                self.widths = Some(widths.clone());
                widths
            }
        };
        self.count += rows.len();
        for row in rows {
            writeln!(self.sink, "{}", render_row(&widths, row))?;
        }
        Ok(())
    }

    /// Closes the list (the JSON array's bracket, a table's header when no row came) and
    /// says how many devices were written.
    pub(super) fn finish(mut self) -> std::io::Result<usize> {
        match (self.json, self.count) {
            (true, 0) => self.sink.write_all(b"[]\n")?,
            (true, _) => self.sink.write_all(b"\n]\n")?,
            (false, _) if self.widths.is_none() => {
                let widths = column_widths(&DEVICE_COLUMNS, &[]);
                let header = DEVICE_COLUMNS.iter().map(|(h, _)| h.to_string()).collect();
                writeln!(self.sink, "{}", render_row(&widths, header))?;
            }
            (false, _) => {}
        }
        self.sink.flush()?;
        Ok(self.count)
    }
}

pub(super) async fn device(
    services: &Services,
    name_or_id: &str,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let device = services.graph.resolve_device(name_or_id).await?;
    if out.json {
        let mut value = serde_json::to_value(&device).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            map.insert(
                "assist".into(),
                serde_json::to_value(assist_json(&device.assist())).unwrap_or_default(),
            );
        }
        out.json(&value);
        return Ok(());
    }
    for line in device_lines(&device, OffsetDateTime::now_utc()) {
        out.line(line);
    }
    Ok(())
}

/// A device's properties as `label: value` lines.
pub fn device_lines(d: &Device, now: OffsetDateTime) -> Vec<String> {
    let user = if d.user_principal_name().is_empty() {
        "(no user: userless enrollment)".to_string()
    } else {
        format!("{} <{}>", d.user_display_name(), d.user_principal_name())
    };
    [
        ("Device", d.name().to_owned()),
        ("Id", d.id().to_owned()),
        ("User", user),
        ("OS", format!("{} {}", d.operating_system(), d.os_version())),
        ("Model", format!("{} {}", d.manufacturer(), d.model())),
        ("Serial", d.serial_number().to_owned()),
        ("Compliance", d.compliance_state().label().to_string()),
        ("Management", d.management_state().label().to_string()),
        ("Enrollment", d.enrollment_type().label().to_string()),
        ("Ownership", d.owner_type().label().to_string()),
        (
            "Last sync",
            format!(
                "{} ({})",
                clock(d.last_sync_date_time()),
                ago(d.last_sync_date_time(), now)
            ),
        ),
        ("Enrolled", clock(d.enrolled_date_time())),
        ("Assist", assist_text(&d.assist())),
    ]
    .into_iter()
    .map(|(k, v)| format!("{k:<11} {v}"))
    .collect()
}
