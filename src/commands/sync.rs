//! `sync`: ask Intune to make a device check in now, and optionally wait until it has.

use serde::Serialize;
use time::OffsetDateTime;

use super::output::{Output, ago, clock};
use super::{CommandError, Tuning, audited};
use crate::audit::{Activity, Entry, Outcome};
use crate::domain::{Permission, SyncState, SyncWatch};
use crate::services::Services;

/// What `sync --json` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncJson<'a> {
    device_id: &'a str,
    device_name: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    requested_at: OffsetDateTime,
    /// The device's last check-in before the sync.
    #[serde(with = "time::serde::rfc3339::option")]
    last_sync_before: Option<OffsetDateTime>,
    /// `requested` without `--wait`; else `checkedIn` or `notCheckedIn`.
    state: &'static str,
    /// When the device checked in, once it has.
    #[serde(with = "time::serde::rfc3339::option")]
    checked_in_at: Option<OffsetDateTime>,
}

pub(super) async fn sync(
    services: &Services,
    name_or_id: &str,
    wait: bool,
    tuning: &Tuning,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let device = services.graph.resolve_device(name_or_id).await?;
    super::advise(services, Permission::SyncDevices, out).await;
    let clock_source = services.http.clock();
    let before = device.last_sync_date_time();
    let sent_at = clock_source.wall();
    audited(
        services,
        |_: Option<&()>| {
            Entry::new(Activity::DeviceSynced, Outcome::Succeeded)
                .device(device.id(), device.name())
        },
        services.graph.sync_device(device.id()),
    )
    .await?;
    let mut watch = SyncWatch::new(device.id(), before, sent_at);
    watch.state = SyncState::Waiting;
    if !out.json {
        out.line(format!(
            "Intune asked {} to check in; it last did {} ({}).",
            device.name(),
            ago(before, sent_at),
            clock(before)
        ));
    }
    if wait {
        if !out.json {
            out.note("Waiting for the device to check in (at most 2 minutes)…");
        }
        let mut interval = tuning.polling.min;
        while watch.watching() {
            clock_source.sleep(interval).await;
            interval = (interval * 2).min(tuning.polling.max);
            let last_sync = services.graph.last_sync(device.id()).await?;
            watch.observe(last_sync, clock_source.wall());
        }
        if !out.json {
            out.line(format!("Sync {}.", watch.describe(clock_source.wall())));
        }
    }
    if out.json {
        out.json(&SyncJson {
            device_id: device.id(),
            device_name: device.name(),
            requested_at: sent_at,
            last_sync_before: before,
            state: match watch.state {
                SyncState::CheckedIn(_) => "checkedIn",
                SyncState::NotYet => "notCheckedIn",
                _ => "requested",
            },
            checked_in_at: match watch.state {
                SyncState::CheckedIn(at) => Some(at),
                _ => None,
            },
        });
    }
    Ok(())
}
