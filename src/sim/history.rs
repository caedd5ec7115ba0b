//! The connection report's past: connections seeded with the tenant, before the simulator
//! started.

use time::OffsetDateTime;

use super::tenant::SimDevice;

/// The supporter every simulated connection is made by.
pub const SUPPORTER_ID: &str = "u11293276";
pub const SUPPORTER_NAME: &str = "Contoso Helpdesk";

/// One record of the report.
#[derive(Clone, Debug)]
pub struct ReportRecord {
    pub id: String,
    pub userid: String,
    pub username: String,
    pub deviceid: String,
    pub devicename: String,
    pub groupid: String,
    pub groupname: String,
    pub support_session_type: u8,
    pub start: OffsetDateTime,
    pub end: Option<OffsetDateTime>,
    /// Empty for connections made without a session code.
    pub session_code: String,
}

/// `count` past connections over the 60 days before `now`, to devices of the tenant, seeded.
pub fn seed(
    devices: &[SimDevice],
    count: usize,
    seed: u64,
    now: OffsetDateTime,
) -> Vec<ReportRecord> {
    if devices.is_empty() {
        return Vec::new();
    }
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x4e90);
    let supporters = [
        (SUPPORTER_ID, SUPPORTER_NAME),
        ("u11293301", "Priya Raman"),
        ("u11293342", "Tomás Ortega"),
    ];
    let mut records: Vec<ReportRecord> = (0..count)
        .map(|i| {
            let device = &devices[rng.usize(0..devices.len())];
            let (userid, username) = supporters[rng.usize(0..supporters.len())];
            let start = now - time::Duration::minutes(rng.i64(30..60 * 24 * 60));
            let start = start.replace_nanosecond(0).unwrap_or(start);
            let minutes = rng.i64(2..75);
            let n = rng.u32(100_000_000..1_000_000_000);
            ReportRecord {
                id: String::new(),
                userid: userid.into(),
                username: username.into(),
                deviceid: format!("d{}", 1_457_000 + i),
                devicename: device.device_name.clone(),
                groupid: "g90210".into(),
                groupname: "Intune".into(),
                support_session_type: if rng.u8(0..5) == 0 { 1 } else { 2 },
                start,
                end: Some(start + time::Duration::seconds(minutes * 60 + rng.i64(0..60))),
                session_code: if rng.u8(0..8) == 0 {
                    String::new()
                } else {
                    format!(
                        "s{:03}-{:03}-{:03}",
                        n / 1_000_000,
                        n / 1000 % 1000,
                        n % 1000
                    )
                },
            }
        })
        .collect();
    records.sort_by_key(|r| r.start);
    for (i, record) in records.iter_mut().enumerate() {
        record.id = format!("{:08x}-past-{i:04}", seed as u32);
    }
    records
}
