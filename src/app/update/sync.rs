//! Sync: asking Intune to make a device check in, then reading its last check-in until it
//! moves or two minutes pass.

use super::*;
use crate::app::gates::sync_block;
use crate::app::model::DeviceSync;
use crate::domain::{SyncState, SyncWatch};

/// The More menu's Sync: explained when it cannot be done, else confirmed first.
pub(super) fn ask_to_sync(model: &mut Model, device_id: &str) -> Vec<Effect> {
    if let Some(reason) = sync_block(model, device_id) {
        flash(model, format!("Sync is unavailable: {reason}"), true);
        return Vec::new();
    }
    model.overlay = Overlay::Confirm {
        pending: Pending::SyncDevice {
            device_id: device_id.to_string(),
            device_name: device_name(model, device_id),
        },
    };
    Vec::new()
}

/// Sends the sync (confirmed).
pub(super) fn sync(model: &mut Model, device_id: &str) -> Vec<Effect> {
    if let Some(reason) = sync_block(model, device_id) {
        flash(model, format!("Sync is unavailable: {reason}"), true);
        return Vec::new();
    }
    let before = model
        .devices
        .get(device_id)
        .and_then(|d| d.last_sync_date_time());
    let now = model.now;
    model.syncs.retain(|s| s.watch.device_id != device_id);
    model.syncs.push(DeviceSync {
        watch: SyncWatch::new(device_id, before, now),
        poll: PollState {
            next_at: now + model.options.poll_min,
            interval: model.options.poll_min,
            in_flight: false,
        },
    });
    vec![Effect::SyncDevice {
        device_id: device_id.to_string(),
        device_name: device_name(model, device_id),
    }]
}

fn watch_mut<'a>(model: &'a mut Model, device_id: &str) -> Option<&'a mut DeviceSync> {
    model
        .syncs
        .iter_mut()
        .find(|s| s.watch.device_id == device_id)
}

pub(super) fn on_sync(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let now = model.now;
    match msg {
        Msg::SyncSent { device_id, result } => {
            let name = device_name(model, &device_id);
            match result {
                Ok(()) => {
                    if let Some(sync) = watch_mut(model, &device_id) {
                        sync.watch.state = SyncState::Waiting;
                        sync.poll.next_at = now + sync.poll.interval;
                    }
                    flash(
                        model,
                        format!("Sync sent: Intune asked {name} to check in"),
                        false,
                    );
                }
                Err(error) => {
                    if let Some(sync) = watch_mut(model, &device_id) {
                        sync.watch.state = SyncState::Failed(error.message.clone());
                    }
                    flash(
                        model,
                        format!("Sync of {name} failed: {}", error.message),
                        true,
                    );
                    note_error(model, Service::Graph, &error);
                }
            }
        }
        Msg::LastSyncRead { device_id, result } => {
            let max = model.options.poll_max;
            let Some(sync) = watch_mut(model, &device_id) else {
                return Vec::new();
            };
            sync.poll.in_flight = false;
            sync.poll.interval = (sync.poll.interval * 2).min(max);
            sync.poll.next_at = now + sync.poll.interval;
            let read = match result {
                Ok(last_sync) => last_sync,
                Err(error) => {
                    log(
                        model,
                        format!("reading the last check-in failed: {}", error.message),
                    );
                    // Only the clock can end the wait now.
                    if let Some(sync) = watch_mut(model, &device_id) {
                        let before = sync.watch.before;
                        sync.watch.observe(before, now);
                    }
                    return Vec::new();
                }
            };
            sync.watch.observe(read, now);
            let state = sync.watch.state.clone();
            let name = device_name(model, &device_id);
            match state {
                SyncState::CheckedIn(at) => {
                    model.devices.set_last_sync(&device_id, at);
                    refresh_device_lists(model);
                    flash(model, format!("{name} checked in"), false);
                }
                SyncState::NotYet => log(
                    model,
                    format!("{name} did not check in within 2 min of the sync"),
                ),
                _ => {}
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Reads the last check-in of every device still waited on, when due; a wait that ran out
/// ends here even when no read is due.
pub(super) fn due_reads(model: &mut Model, now: OffsetDateTime) -> Vec<Effect> {
    let mut effects = Vec::new();
    for sync in &mut model.syncs {
        if sync.watch.state != SyncState::Waiting || sync.poll.in_flight {
            continue;
        }
        if sync.watch.expired(now) {
            let before = sync.watch.before;
            sync.watch.observe(before, now);
            continue;
        }
        if sync.poll.next_at <= now {
            sync.poll.in_flight = true;
            effects.push(Effect::ReadLastSync {
                device_id: sync.watch.device_id.clone(),
            });
        }
    }
    effects
}
