//! Effects: work `update` asks for, performed outside it.

use crate::domain::Device;

/// Work to do; IO effects run on tokio tasks and answer with messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Find out who is signed in.
    Start,
    /// Load every page of devices, tagged with `generation`.
    LoadDevices {
        generation: u64,
    },
    /// Ask Graph for the devices `text` names (`:device` before the list has them).
    FindDevice {
        text: String,
    },
    /// Ask Graph for devices matching a filter typed while the list loads; a newer search
    /// replaces an older one.
    SearchTenant {
        seq: u64,
        text: String,
    },
    LoadConnector,
    LoadCapabilities,
    LoadTeamViewerAccount,
    LoadSessions,
    /// Read the audit trail.
    LoadAudit,
    /// Read past sessions from TeamViewer's connection report and join the audit trail.
    LoadHistory,
    /// Sign in with the device code flow (shows the code, then waits).
    SignIn,
    /// Stop waiting for a device code sign-in.
    CancelSignIn,
    /// Check and store a TeamViewer script token.
    SaveTeamViewerToken(String),
    SignOut,
    /// Create the partner if needed and begin onboarding.
    EnableConnector {
        partner_id: Option<String>,
    },
    DisconnectConnector {
        partner_id: String,
    },
    RequestSession {
        device: Box<Device>,
        onboarded: bool,
        /// The helpdesk ticket the session answers.
        ticket: Option<crate::domain::Ticket>,
    },
    /// Ask Intune to make the device check in now.
    SyncDevice {
        device_id: String,
        device_name: String,
    },
    /// Read the device's last check-in again (after a sync).
    ReadLastSync {
        device_id: String,
    },
    /// Write the history as CSV to a new file named `file_name` in `dir` (the working
    /// directory when `None`), with owner-only permissions.
    ExportHistory {
        dir: Option<std::path::PathBuf>,
        file_name: String,
        csv: String,
    },
    ObserveSession {
        code: String,
        /// The tenant profile the session was started in.
        tenant: Option<String>,
    },
    CloseSession {
        code: String,
        /// The tenant profile the session was started in.
        tenant: Option<String>,
        /// The device the session is for, when known (for the audit trail).
        device_id: String,
        device_name: String,
    },
    /// Read who is signed in to each tenant profile.
    LoadTenants,
    /// Show tenant profile `profile` in place of the one shown.
    SwitchTenant {
        profile: String,
    },
    /// Put text on the clipboard (OSC 52, which works over SSH).
    Copy(String),
    /// Ring the terminal bell and send a desktop notification.
    Notify {
        title: String,
        body: String,
    },
    /// Open a URL in a browser, when there is a local display.
    OpenUrl(String),
    Quit,
}
