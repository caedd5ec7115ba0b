//! Why an action is unavailable, if it is: read by the view to grey it out with the reason,
//! and by `update` before it starts anything.

use super::Model;
use crate::domain::{Assist, DeviceRef, Permission};

/// Why a new session cannot be started for `device`, if it cannot.
pub fn session_block(model: &Model, device: DeviceRef<'_>) -> Option<String> {
    if model.options.read_only {
        return Some("read-only mode".into());
    }
    if model.capabilities.value.is_some() && !model.caps().request_assistance {
        return Some(Permission::RequestRemoteAssistance.explain_missing());
    }
    match device.assist() {
        Assist::Unsupported { reason } => return Some(reason),
        Assist::DirectSession { .. } if !model.sign_in.teamviewer => {
            return Some(
                "this userless device needs a direct TeamViewer session: sign in to TeamViewer \
                 first (Accounts › TeamViewer)"
                    .into(),
            );
        }
        Assist::Supported | Assist::Unconfirmed { .. }
            if !model
                .connector
                .value
                .as_ref()
                .is_some_and(|c| c.is_onboarded()) =>
        {
            return Some("the TeamViewer connector is not onboarded (Devices › Setup › TeamViewer Connector)".into());
        }
        _ => {}
    }
    if model.is_requesting(device.id()) {
        return Some("a request for this device is under way".into());
    }
    None
}

/// Why a device cannot be synced, if it cannot.
pub fn sync_block(model: &Model, device_id: &str) -> Option<String> {
    if model.options.read_only {
        return Some("read-only mode".into());
    }
    if model.capabilities.value.is_some() && !model.caps().sync_devices {
        return Some(Permission::SyncDevices.explain_missing());
    }
    if model
        .sync_of(device_id)
        .is_some_and(|s| matches!(s.watch.state, crate::domain::SyncState::Sending))
    {
        return Some("a sync of this device is being sent".into());
    }
    None
}

/// Why the connector cannot be changed, if it cannot.
pub fn connector_block(model: &Model) -> Option<String> {
    if model.options.read_only {
        return Some("read-only mode".into());
    }
    if model.capabilities.value.is_some() && !model.caps().update_connector {
        return Some(Permission::UpdateRemoteAssistance.explain_missing());
    }
    None
}

/// Why the connector cannot be enabled, if it cannot: besides Update Remote Assistance,
/// onboarding needs the Intune Administrator or Global Administrator role.
pub fn enable_block(model: &Model) -> Option<String> {
    connector_block(model).or_else(|| {
        model
            .sign_in
            .account
            .as_ref()
            .and_then(crate::domain::Account::onboarding_block)
    })
}
