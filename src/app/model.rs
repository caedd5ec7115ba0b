//! The model: everything the dashboard knows. Only `update` changes it.

use std::collections::VecDeque;
use std::time::Duration;

use time::OffsetDateTime;
use tui_input::Input;

use super::msg::SignInState;
use super::nav::{Blade, Menu, NavStack};
use super::{Loadable, UiError};
use crate::assist::StartedVia;
use crate::auth::microsoft::DevicePrompt;
use crate::domain::{Capabilities, Connector, LiveState, Session, SessionState};
use crate::teamviewer::TeamViewerAccount;

/// Options fixed for the run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Hide every action that changes anything.
    pub read_only: bool,
    /// Draw with ASCII only.
    pub ascii: bool,
    /// No colours (`NO_COLOR`).
    pub no_color: bool,
    /// A label for the header (tenant or "demo"); it changes with `:tenant`.
    pub tenant_label: String,
    /// The tenant profile shown, when the configuration has profiles; it changes with
    /// `:tenant`.
    pub profile: Option<String>,
    /// Every tenant profile of the configuration.
    pub profiles: Vec<String>,
    /// Whether a browser can be opened (a local graphical session).
    pub has_display: bool,
    /// Ring the bell and send a desktop notification when a session the admin waits on moves
    /// (the end user comes online, a supporter connects, it closes).
    pub notify: bool,
    /// Poll intervals for watched sessions.
    pub poll_min: Duration,
    pub poll_max: Duration,
    /// Every session must name its ticket (`ticket_required`).
    pub ticket_required: bool,
    /// Where the History blade's export is written; `None`: the working directory.
    pub export_dir: Option<std::path::PathBuf>,
}

impl Options {
    /// Options for a terminal run of `config`: its label, its tenant profiles and whether it
    /// notifies.
    pub fn for_config(config: &crate::config::Config, read_only: bool, ascii: bool) -> Self {
        Options {
            notify: config.notifications,
            ticket_required: config.ticket_required,
            profile: config.profile.clone(),
            profiles: config
                .profiles
                .as_ref()
                .map(|p| p.names())
                .unwrap_or_default(),
            ..Self::for_terminal(config.label(), read_only, ascii)
        }
    }

    /// Options for a terminal run: colours unless `NO_COLOR` is set, polling every 2–10 s.
    pub fn for_terminal(tenant_label: String, read_only: bool, ascii: bool) -> Self {
        Options {
            read_only,
            ascii,
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            tenant_label,
            profile: None,
            profiles: Vec::new(),
            has_display: crate::term::has_display(),
            notify: true,
            poll_min: Duration::from_secs(2),
            poll_max: Duration::from_secs(10),
            ticket_required: false,
            export_dir: None,
        }
    }
}

/// How a service is doing, for the header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Health {
    #[default]
    Unknown,
    Ok,
    /// Throttled or failing; retrying.
    Degraded(String),
    Unreachable,
    /// The sign-in is missing or expired.
    SignedOut,
}

pub use super::device_list::DeviceStore;

/// A request waiting to be retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retrying {
    pub request: u64,
    pub service: crate::http::Service,
    /// Why, e.g. `HTTP 429`.
    pub reason: String,
    /// When it is sent again.
    pub until: OffsetDateTime,
}

impl Model {
    /// The longest wait still ahead before `service` is asked again, in whole seconds, while
    /// any of its requests waits (a countdown for the header).
    pub fn retry_wait(&self, service: crate::http::Service) -> Option<u64> {
        self.retrying
            .iter()
            .filter(|r| r.service == service)
            .map(|r| (r.until - self.now).whole_seconds().max(0) as u64)
            .max()
    }
}

/// When a watched session is next polled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollState {
    pub next_at: OffsetDateTime,
    pub interval: Duration,
    pub in_flight: bool,
}

/// A session the dashboard knows: one Intune started (its link, and TeamViewer's record when
/// this account can see it), a direct TeamViewer session, or one TeamViewer listed.
#[derive(Clone, Debug)]
pub struct LiveSession {
    /// How the dashboard names the session: its code, or Intune's link when it has none.
    pub key: String,
    /// The TeamViewer session code, when known.
    pub code: Option<String>,
    /// Intune's `remoteAssistanceSessionUrl`: the session itself.
    pub session_url: Option<String>,
    /// TeamViewer's record of the session, when this account can see it.
    pub session: Option<Session>,
    /// Whether the live state is followed, and why not.
    pub live: LiveState,
    pub device_id: Option<String>,
    pub device_name: String,
    /// The tenant profile it was started in (`None` without profiles).
    pub tenant: Option<String>,
    pub via: Option<StartedVia>,
    /// The helpdesk ticket it answers.
    pub ticket: Option<crate::domain::Ticket>,
    /// Every state reached, with when it was seen.
    pub timeline: Vec<(SessionState, OffsetDateTime)>,
    pub requested_at: Option<OffsetDateTime>,
    pub poll: PollState,
    pub error: Option<UiError>,
    pub closing: bool,
}

impl LiveSession {
    /// Where the session stands as far as is known: without TeamViewer's record, it exists
    /// (Intune gave its link) and nothing more can be said.
    pub fn state(&self) -> SessionState {
        self.session
            .as_ref()
            .map_or(SessionState::Created, Session::state)
    }

    /// False once TeamViewer reports it closed; a session that cannot be followed counts as
    /// open.
    pub fn is_open(&self) -> bool {
        self.session.as_ref().is_none_or(|s| s.open)
    }

    /// The tenant profile it belongs to, when that is not the one shown.
    pub fn other_tenant(&self, shown: Option<&str>) -> Option<&str> {
        self.tenant.as_deref().filter(|t| Some(*t) != shown)
    }

    /// Its code, or a stand-in when Intune's link carries none.
    pub fn label(&self) -> &str {
        self.code.as_deref().unwrap_or("Intune link")
    }

    /// The link that connects the supporter: Intune's session link, else the supporter link.
    pub fn link(&self) -> Option<&str> {
        self.session_url.as_deref().or_else(|| {
            self.session
                .as_ref()
                .and_then(|s| s.supporter_link.as_deref())
        })
    }

    /// Every link to show, labelled, Intune's first.
    pub fn links(&self) -> Vec<(&'static str, &str)> {
        let mut links = Vec::new();
        if let Some(url) = &self.session_url {
            links.push(("Session link", url.as_str()));
        }
        if let Some(s) = &self.session {
            for (label, link) in [
                ("Supporter", &s.supporter_link),
                ("Web client", &s.webclient_supporter_link),
                ("End user", &s.end_customer_link),
            ] {
                if let Some(link) = link
                    && self.session_url.as_deref() != Some(link.as_str())
                {
                    links.push((label, link.as_str()));
                }
            }
        }
        links
    }

    /// The code to poll TeamViewer with, while the session is followed and open.
    pub fn poll_code(&self) -> Option<&str> {
        match (&self.live, &self.session) {
            (LiveState::Tracked, Some(s)) if s.open => Some(s.code.as_str()),
            _ => None,
        }
    }

    /// When the session began, as far as is known.
    pub fn since(&self) -> Option<OffsetDateTime> {
        self.requested_at
            .or_else(|| self.session.as_ref().and_then(|s| s.created_at))
    }
}

/// A device asked to sync, watched until it checks in.
#[derive(Clone, Debug)]
pub struct DeviceSync {
    pub watch: crate::domain::SyncWatch,
    /// When its last check-in is read again.
    pub poll: PollState,
}

impl Model {
    /// The latest sync of `device_id`, if one was sent this run.
    pub fn sync_of(&self, device_id: &str) -> Option<&DeviceSync> {
        self.syncs.iter().find(|s| s.watch.device_id == device_id)
    }
}

/// What a confirmation is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    CloseSession {
        code: String,
    },
    EnableConnector,
    DisconnectConnector {
        partner_id: String,
    },
    SignOut,
    SyncDevice {
        device_id: String,
        device_name: String,
    },
}

/// An overlay above the blades.
#[derive(Clone, Debug, Default)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: u16,
    },
    Confirm {
        pending: Pending,
    },
    CommandLine {
        input: Input,
        history_index: Option<usize>,
    },
    TeamViewerToken {
        input: Input,
    },
    DeviceLogin {
        prompt: Option<DevicePrompt>,
    },
}

/// A search of the tenant for the filter being typed, sent once typing pauses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantSearch {
    /// Numbers searches; only the latest one's answer is used.
    pub seq: u64,
    /// What is searched for.
    pub text: String,
    /// When to send it (typing pushes this back); `None` once sent.
    pub due: Option<OffsetDateTime>,
    /// Sent, and not answered yet.
    pub in_flight: bool,
}

impl TenantSearch {
    /// Whether the tenant is being searched (or is about to be).
    pub fn active(&self) -> bool {
        self.due.is_some() || self.in_flight
    }
}

/// Which overlay is open, for the key registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OverlayKind {
    Help,
    Confirm,
    CommandLine,
    TeamViewerToken,
    DeviceLogin,
}

impl Overlay {
    /// The open overlay's kind; `None` when none is open.
    pub fn kind(&self) -> Option<OverlayKind> {
        Some(match self {
            Overlay::None => return None,
            Overlay::Help { .. } => OverlayKind::Help,
            Overlay::Confirm { .. } => OverlayKind::Confirm,
            Overlay::CommandLine { .. } => OverlayKind::CommandLine,
            Overlay::TeamViewerToken { .. } => OverlayKind::TeamViewerToken,
            Overlay::DeviceLogin { .. } => OverlayKind::DeviceLogin,
        })
    }
}

/// A message in the footer that clears itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub until: OffsetDateTime,
}

/// The dashboard's state.
#[derive(Clone, Debug)]
pub struct Model {
    pub options: Options,
    pub now: OffsetDateTime,
    /// Terminal size, for layout-dependent cursor movement.
    pub size: (u16, u16),
    pub stack: NavStack,
    pub overlay: Overlay,
    pub sign_in: SignInState,
    pub capabilities: Loadable<Capabilities>,
    pub connector: Loadable<Connector>,
    pub teamviewer_account: Loadable<TeamViewerAccount>,
    pub audit: Loadable<super::msg::AuditView>,
    /// Past sessions, for the History blade.
    pub history: Loadable<crate::history::History>,
    /// The tenant profiles and who is signed in to each, for the Tenants blade.
    pub tenants: Loadable<Vec<crate::tenants::ProfileSignIns>>,
    /// The tenant profile being switched to.
    pub switching_to: Option<String>,
    pub devices: DeviceStore,
    pub sessions: Vec<LiveSession>,
    /// Sessions being requested: device id and when the admin confirmed.
    pub requesting: Vec<(String, OffsetDateTime)>,
    /// Devices asked to sync, and whether they have checked in since.
    pub syncs: Vec<DeviceSync>,
    pub graph_health: Health,
    pub teamviewer_health: Health,
    /// Requests waiting to be retried.
    pub retrying: Vec<Retrying>,
    /// The `:device` text Graph is being asked about.
    pub lookup: Option<String>,
    /// The search of the tenant behind a filter typed while the list loads.
    pub tenant_search: TenantSearch,
    pub flash: Option<Flash>,
    pub command_history: Vec<String>,
    pub logs: VecDeque<String>,
    /// A tick counter for spinners.
    pub frame: u64,
    pub started: bool,
    pub quit: bool,
}

/// Lines the in-app log keeps.
pub const LOG_LINES: usize = 500;

impl Model {
    /// A fresh model at `now`.
    pub fn new(options: Options, now: OffsetDateTime) -> Self {
        Model {
            options,
            now,
            size: (120, 40),
            stack: NavStack::new(Blade::Home(Menu::default())),
            overlay: Overlay::None,
            sign_in: SignInState::default(),
            capabilities: Loadable::default(),
            connector: Loadable::default(),
            teamviewer_account: Loadable::default(),
            audit: Loadable::default(),
            history: Loadable::default(),
            tenants: Loadable::default(),
            switching_to: None,
            devices: DeviceStore::default(),
            sessions: Vec::new(),
            requesting: Vec::new(),
            syncs: Vec::new(),
            lookup: None,
            tenant_search: TenantSearch::default(),
            graph_health: Health::Unknown,
            teamviewer_health: Health::Unknown,
            retrying: Vec::new(),
            flash: None,
            command_history: Vec::new(),
            logs: VecDeque::new(),
            frame: 0,
            started: false,
            quit: false,
        }
    }

    /// The session named `key` (its code, or Intune's link).
    pub fn session(&self, key: &str) -> Option<&LiveSession> {
        self.sessions.iter().find(|s| s.key == key)
    }

    /// The session with TeamViewer code `code`.
    pub fn session_with_code_mut(&mut self, code: &str) -> Option<&mut LiveSession> {
        self.sessions
            .iter_mut()
            .find(|s| s.code.as_deref() == Some(code))
    }

    /// Sessions still open, newest first.
    pub fn open_sessions(&self) -> impl Iterator<Item = &LiveSession> {
        self.sessions.iter().rev().filter(|s| s.is_open())
    }

    /// The capabilities, or none while unknown.
    pub fn caps(&self) -> Capabilities {
        self.capabilities.value.unwrap_or_default()
    }

    /// Whether the side panes show: when the terminal is wide, except that the device table
    /// keeps the whole width until there is room for both.
    pub fn side_panes_visible(&self) -> bool {
        crate::app::layout::side_panes(self.size, self.stack.top().kind())
    }

    /// Whether a session is being requested for `device_id`.
    pub fn is_requesting(&self, device_id: &str) -> bool {
        self.requesting.iter().any(|(d, _)| d == device_id)
    }

    /// Whether anything on screen changes with time, so the clock must tick.
    pub fn needs_tick(&self) -> bool {
        self.flash.is_some()
            || self.tenant_search.due.is_some()
            || self.devices.loading
            || self.connector.loading
            || !self.requesting.is_empty()
            || self.syncs.iter().any(|s| s.watch.watching())
            || !self.retrying.is_empty()
            || matches!(self.overlay, Overlay::DeviceLogin { .. })
            || self.sessions.iter().any(|s| s.poll_code().is_some())
            || self
                .connector
                .value
                .as_ref()
                .is_some_and(|c| c.onboarding_status == crate::domain::OnboardingStatus::Onboarding)
    }
}
