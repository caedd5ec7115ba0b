//! `devices` and `device`.

use serde::Serialize;
use time::OffsetDateTime;

use super::CommandError;
use super::output::{Output, ago, clock, table};
use crate::cli::DevicesArgs;
use crate::domain::{Assist, Device};
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
    compliance_state: &'a str,
    device_enrollment_type: &'a str,
    managed_device_owner_type: &'a str,
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
    let mut all = services
        .graph
        .all_devices(query, |loaded, total| {
            if interactive {
                let total = total.map_or(String::new(), |t| format!(" of {t}"));
                eprint!("\rloading devices {loaded}{total}…");
            }
        })
        .await?;
    if interactive {
        eprint!("\r\x1b[K");
    }
    if let Some(filter) = &args.filter {
        let needle = filter.to_lowercase();
        all.retain(|d| d.matches(&needle));
    }
    if out.json {
        let rows: Vec<DeviceRow<'_>> = all
            .iter()
            .map(|d| DeviceRow {
                id: d.id(),
                device_name: d.name(),
                operating_system: d.operating_system(),
                os_version: d.os_version(),
                user_principal_name: d.user_principal_name(),
                compliance_state: d.compliance_state.as_wire(),
                device_enrollment_type: d.enrollment_type.as_wire(),
                managed_device_owner_type: d.owner_type.as_wire(),
                last_sync_date_time: d.last_sync_date_time,
                assist: assist_json(&d.assist()),
            })
            .collect();
        out.json(&rows);
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|d| {
            vec![
                d.name().to_owned(),
                d.user_principal_name().to_owned(),
                format!("{} {}", d.operating_system(), d.os_version()),
                d.compliance_state.label().to_string(),
                ago(d.last_sync_date_time, now),
                assist_text(&d.assist()),
            ]
        })
        .collect();
    for line in table(
        &[
            ("NAME", 28),
            ("USER", 30),
            ("OS", 24),
            ("COMPLIANCE", 14),
            ("LAST SYNC", 12),
            ("ASSIST", 60),
        ],
        &rows,
    ) {
        out.line(line);
    }
    out.note(format!("{} devices", all.len()));
    Ok(())
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
        ("Compliance", d.compliance_state.label().to_string()),
        ("Management", d.management_state.label().to_string()),
        ("Enrollment", d.enrollment_type.label().to_string()),
        ("Ownership", d.owner_type.label().to_string()),
        (
            "Last sync",
            format!(
                "{} ({})",
                clock(d.last_sync_date_time),
                ago(d.last_sync_date_time, now)
            ),
        ),
        ("Enrolled", clock(d.enrolled_date_time)),
        ("Assist", assist_text(&d.assist())),
    ]
    .into_iter()
    .map(|(k, v)| format!("{k:<11} {v}"))
    .collect()
}
