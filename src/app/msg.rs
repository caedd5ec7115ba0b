//! Messages: everything that can happen to the model.

use crossterm::event::{Event, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use time::OffsetDateTime;

use super::UiError;
use crate::assist::{StartedSession, StartedVia};
use crate::auth::microsoft::DevicePrompt;
use crate::domain::{Account, Capabilities, Connector, Device, DeviceTable, Session};
use crate::graph::lookup::DeviceMatches;
use crate::http::HttpEvent;
use crate::teamviewer::TeamViewerAccount;

/// Who is signed in, as found at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignInState {
    /// The Microsoft account, when signed in interactively.
    pub account: Option<Account>,
    /// Graph calls use a token given in the environment.
    pub graph_token_given: bool,
    /// Whether a Microsoft sign-in is possible at all (an app registration is configured).
    pub can_sign_in: bool,
    /// Whether TeamViewer credentials exist.
    pub teamviewer: bool,
    /// Where tokens are kept, for the Accounts blade.
    pub store: String,
    /// Why no keyring could be used, if none could.
    pub store_warning: Option<String>,
}

impl SignInState {
    /// Whether Graph calls can be made.
    pub fn graph_ready(&self) -> bool {
        self.account.is_some() || self.graph_token_given
    }
}

/// How often [`Msg::Tick`] comes while something on screen changes with time.
pub const TICK: std::time::Duration = std::time::Duration::from_millis(250);

/// Something that happened.
#[derive(Clone, Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock moved (only sent while something needs it).
    Tick(OffsetDateTime),
    /// Start-up found this sign-in state.
    Started(SignInState),
    DevicesPage {
        generation: u64,
        devices: DeviceTable,
        total: Option<u64>,
        done: bool,
    },
    DevicesFailed {
        generation: u64,
        error: UiError,
    },
    Connector(Result<Connector, UiError>),
    /// The connector after an enable or disconnect.
    ConnectorChanged(Result<Connector, UiError>),
    Capabilities(Result<Capabilities, UiError>),
    TeamViewerAccount(Result<TeamViewerAccount, UiError>),
    DeviceCode(DevicePrompt),
    SignedIn(Account),
    SignInFailed(UiError),
    TeamViewerSaved(Result<TeamViewerAccount, UiError>),
    SignedOut,
    /// Intune (or TeamViewer) accepted a session request.
    SessionRequested {
        device_id: String,
        via: StartedVia,
    },
    SessionStarted {
        device_id: String,
        started: Box<StartedSession>,
        /// The helpdesk ticket it answers.
        ticket: Option<crate::domain::Ticket>,
    },
    SessionFailed {
        device_id: String,
        error: UiError,
    },
    SessionObserved {
        code: String,
        result: Result<Session, UiError>,
    },
    SessionClosed {
        code: String,
        result: Result<(), UiError>,
    },
    SessionsListed(Result<Vec<Session>, UiError>),
    /// The device list kept from the last complete listing, shown until a listing refreshes
    /// it.
    InventoryLoaded(Box<crate::inventory::Cached>),
    /// What Graph found for `:device TEXT`.
    DeviceLookedUp {
        text: String,
        result: Result<Box<DeviceMatches>, UiError>,
    },
    /// What Graph found for a filter typed while the list loads.
    TenantSearched {
        seq: u64,
        result: Result<Vec<Device>, UiError>,
    },
    Health(HttpEvent),
    /// A line for the in-app log.
    Log(String),
    /// A change was recorded in the audit trail.
    Audited,
    /// The audit trail as read.
    AuditLoaded(Result<AuditView, UiError>),
    /// Another tenant profile is shown (its label for the header), or why it cannot be.
    TenantSwitched(Result<String, UiError>),
    /// The tenant profiles and who is signed in to each.
    TenantsLoaded(Result<Vec<crate::tenants::ProfileSignIns>, UiError>),
    /// Past sessions as read.
    HistoryLoaded(Result<crate::history::History, UiError>),
    /// Intune took the sync of a device, or why not.
    SyncSent {
        device_id: String,
        result: Result<(), UiError>,
    },
    /// A device's last check-in as read again after a sync.
    LastSyncRead {
        device_id: String,
        result: Result<Option<OffsetDateTime>, UiError>,
    },
    /// Where the history was exported, or why it could not be.
    HistoryExported(Result<String, UiError>),
    Quit,
}

/// The audit trail, for the Audit blade.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditView {
    /// Newest first.
    pub entries: Vec<crate::audit::Entry>,
    /// Lines that could not be read.
    pub unreadable: usize,
    /// The file, or `None` when kept in memory (demo).
    pub path: Option<String>,
}

impl Msg {
    /// The message a terminal event brings; `None` for events the dashboard does not act on
    /// (key releases, mouse motion, focus changes), which then cost no redraw.
    pub fn from_terminal(event: Event) -> Option<Msg> {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
            Event::Mouse(mouse)
                if matches!(
                    mouse.kind,
                    MouseEventKind::ScrollUp
                        | MouseEventKind::ScrollDown
                        | MouseEventKind::Down(MouseButton::Left)
                ) =>
            {
                Some(Msg::Mouse(mouse))
            }
            Event::Paste(text) => Some(Msg::Paste(text)),
            Event::Resize(w, h) => Some(Msg::Resize(w, h)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn mouse(kind: MouseEventKind) -> Event {
        Event::Mouse(MouseEvent {
            kind,
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        })
    }

    #[test]
    fn only_events_the_dashboard_acts_on_become_messages() {
        let press = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
        assert!(matches!(
            Msg::from_terminal(Event::Key(press)),
            Some(Msg::Key(_))
        ));
        let release = KeyEvent::new_with_kind(
            KeyCode::Char('j'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
        );
        assert!(Msg::from_terminal(Event::Key(release)).is_none());
        assert!(Msg::from_terminal(mouse(MouseEventKind::Moved)).is_none());
        assert!(Msg::from_terminal(mouse(MouseEventKind::Drag(MouseButton::Left))).is_none());
        assert!(Msg::from_terminal(mouse(MouseEventKind::ScrollDown)).is_some());
        assert!(Msg::from_terminal(mouse(MouseEventKind::Down(MouseButton::Left))).is_some());
        assert!(Msg::from_terminal(Event::FocusGained).is_none());
        assert!(matches!(
            Msg::from_terminal(Event::Resize(80, 24)),
            Some(Msg::Resize(80, 24))
        ));
    }
}
