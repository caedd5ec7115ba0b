//! Intune RBAC permissions that gate remote assistance, and the capabilities they grant.

use serde::Serialize;

/// Entra ID role template id of Intune Administrator (the `wids` claim).
pub const INTUNE_ADMINISTRATOR_ROLE: &str = "3a2c62db-5318-420d-8d74-23affee5d9d5";
/// Entra ID role template id of Global Administrator.
pub const GLOBAL_ADMINISTRATOR_ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";

/// The Intune permissions this tool cares about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Permission {
    /// Read the TeamViewer connector ("Remote assistance connectors: Read").
    ReadRemoteAssistance,
    /// Change the TeamViewer connector ("Update Remote Assistance").
    UpdateRemoteAssistance,
    /// Start sessions ("Request Remote Assistance", "Remote tasks: Offer remote assistance").
    RequestRemoteAssistance,
    /// Make a device check in now ("Remote tasks: Sync devices").
    SyncDevices,
}

impl Permission {
    /// The resource action string in `allowedResourceActions`.
    pub fn action(self) -> &'static str {
        match self {
            Permission::ReadRemoteAssistance => "Microsoft.Intune_RemoteAssistance_Read",
            Permission::UpdateRemoteAssistance => "Microsoft.Intune_RemoteAssistance_Update",
            Permission::RequestRemoteAssistance => {
                "Microsoft.Intune_RemoteTasks_RequestRemoteAssistance"
            }
            Permission::SyncDevices => "Microsoft.Intune_RemoteTasks_SyncDevice",
        }
    }

    /// The name the Intune admin center gives the permission.
    pub fn display_name(self) -> &'static str {
        match self {
            Permission::ReadRemoteAssistance => "Read Remote Assistance",
            Permission::UpdateRemoteAssistance => "Update Remote Assistance",
            Permission::RequestRemoteAssistance => "Request Remote Assistance",
            Permission::SyncDevices => "Sync devices",
        }
    }

    /// Where an Intune administrator grants it.
    pub fn where_granted(self) -> &'static str {
        match self {
            Permission::ReadRemoteAssistance => "Remote assistance connectors › Read",
            Permission::UpdateRemoteAssistance => "Remote assistance connectors › Update",
            Permission::RequestRemoteAssistance => "Remote tasks › Offer remote assistance",
            Permission::SyncDevices => "Remote tasks › Sync devices",
        }
    }

    /// One sentence explaining a missing permission to the admin.
    pub fn explain_missing(self) -> String {
        format!(
            "Your Intune role lacks “{}” ({}); an Intune administrator can grant it under {}.",
            self.display_name(),
            self.action(),
            self.where_granted()
        )
    }
}

/// What the signed-in admin may do, from `getEffectivePermissions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub read_connector: bool,
    pub update_connector: bool,
    pub request_assistance: bool,
    pub sync_devices: bool,
}

impl Capabilities {
    /// Every capability, as a wildcard (`*`) grant gives.
    pub fn all() -> Self {
        Capabilities {
            read_connector: true,
            update_connector: true,
            request_assistance: true,
            sync_devices: true,
        }
    }

    /// Computes capabilities from allowed and explicitly denied resource actions.
    pub fn from_actions<'a>(
        allowed: impl IntoIterator<Item = &'a str>,
        denied: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let allowed: Vec<&str> = allowed.into_iter().collect();
        let denied: Vec<&str> = denied.into_iter().collect();
        let has = |permission: Permission| {
            let action = permission.action();
            let granted = allowed.iter().any(|a| grants(a, action));
            let refused = denied.iter().any(|a| grants(a, action));
            granted && !refused
        };
        Capabilities {
            read_connector: has(Permission::ReadRemoteAssistance),
            update_connector: has(Permission::UpdateRemoteAssistance),
            request_assistance: has(Permission::RequestRemoteAssistance),
            sync_devices: has(Permission::SyncDevices),
        }
    }

    /// True when the permission is held.
    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::ReadRemoteAssistance => self.read_connector,
            Permission::UpdateRemoteAssistance => self.update_connector,
            Permission::RequestRemoteAssistance => self.request_assistance,
            Permission::SyncDevices => self.sync_devices,
        }
    }
}

/// Whether a (possibly wildcarded) pattern such as `*` or `Microsoft.Intune_RemoteTasks_*`
/// grants `action`. Action names are compared case-insensitively.
fn grants(pattern: &str, action: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => action
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix)),
        None => pattern.eq_ignore_ascii_case(action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_grants_everything() {
        assert_eq!(Capabilities::from_actions(["*"], []), Capabilities::all());
    }

    #[test]
    fn helpdesk_can_request_but_not_update() {
        let caps = Capabilities::from_actions(
            [
                "Microsoft.Intune_RemoteAssistance_Read",
                "Microsoft.Intune_RemoteTasks_RequestRemoteAssistance",
            ],
            [],
        );
        assert!(caps.read_connector && caps.request_assistance && !caps.update_connector);
        assert!(!caps.sync_devices);
        let caps = Capabilities::from_actions(["Microsoft.Intune_RemoteTasks_*"], []);
        assert!(caps.sync_devices && caps.request_assistance && !caps.read_connector);
    }

    #[test]
    fn denied_actions_win_and_prefix_wildcards_work() {
        let caps = Capabilities::from_actions(
            ["Microsoft.Intune_RemoteAssistance_*"],
            ["Microsoft.Intune_RemoteAssistance_Update"],
        );
        assert!(caps.read_connector && !caps.update_connector && !caps.request_assistance);
    }

    #[test]
    fn missing_permission_is_explained() {
        let text = Permission::UpdateRemoteAssistance.explain_missing();
        assert!(text.contains("Update Remote Assistance"));
        assert!(text.contains("Microsoft.Intune_RemoteAssistance_Update"));
    }
}
