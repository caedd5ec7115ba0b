//! The simulator's state and the state machines of the services it imitates.
//!
//! Time-driven transitions (onboarding finishing, a session being created, the end user coming
//! online, a supporter connecting) are applied lazily by [`SimState::advance`] at the start of
//! every request, so the simulator needs no background tasks and its behaviour depends only on
//! its configuration and the requests it sees.

use std::collections::HashMap;
use std::time::Instant;

use time::OffsetDateTime;

use super::SimConfig;
use super::page_cache::PageCache;
use super::tenant::SimDevice;

/// Which service a token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Graph,
    TeamViewer,
}

/// An access token the simulator issued.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub audience: Audience,
    /// `None` for the never-expiring automation tokens.
    pub expires: Option<Instant>,
    /// The Graph permissions the token was asked for (their last path segment);
    /// `None`: every permission the tenant consented to (the automation tokens).
    pub scopes: Option<Vec<String>>,
}

/// A device code sign-in in progress.
#[derive(Clone, Debug)]
pub struct PendingLogin {
    pub user_code: String,
    pub polls: u32,
    pub approved: bool,
    pub expires: Instant,
    pub scope: String,
}

/// The TeamViewer connector as Intune holds it.
#[derive(Clone, Debug)]
pub struct Partner {
    pub id: String,
    pub status: &'static str,
    pub onboarding_url: String,
    pub onboarding_started: Option<Instant>,
    pub last_connection: Option<OffsetDateTime>,
}

/// A `requestRemoteAssistance` call that Intune is working on.
#[derive(Clone, Debug)]
pub struct AssistRequest {
    pub device_index: usize,
    pub requested: Instant,
    pub done: bool,
}

/// A `syncDevice` the device has not answered yet.
#[derive(Clone, Debug)]
pub struct PendingSync {
    pub device_index: usize,
    /// When the device checks in.
    pub due: Instant,
}

/// A supporter connection, as the connections report lists it.
#[derive(Clone, Debug)]
pub struct SimConnection {
    pub id: String,
    pub start: OffsetDateTime,
    pub end: Option<OffsetDateTime>,
}

/// A TeamViewer service-case session.
#[derive(Clone, Debug)]
pub struct TvSession {
    pub code: String,
    pub link_token: String,
    pub groupid: String,
    pub groupname: String,
    pub description: String,
    pub end_customer_name: String,
    pub end_customer_email: String,
    pub waiting_message: String,
    pub custom_api: String,
    /// Created by Intune for `requestRemoteAssistance`, not through the Web API.
    pub intune: bool,
    pub assigned_userid: String,
    pub created_at: OffsetDateTime,
    pub valid_until: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub online: bool,
    pub end_user_at: Option<Instant>,
    pub supporter_at: Option<Instant>,
    pub connection: Option<SimConnection>,
}

impl TvSession {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// A pending TeamViewer OAuth authorization code.
#[derive(Clone, Debug)]
pub struct TvAuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
}

/// Everything the simulated services know.
pub struct SimState {
    pub config: SimConfig,
    pub base_url: String,
    /// The root of links people open (sign-in page, onboarding page, session links).
    pub link_base: String,
    pub(crate) started: Instant,
    started_wall: OffsetDateTime,
    pub devices: Vec<SimDevice>,
    pub device_index: HashMap<String, usize>,
    pub partner: Option<Partner>,
    pub tokens: HashMap<String, IssuedToken>,
    pub refresh_tokens: HashMap<String, Audience>,
    pub logins: HashMap<String, PendingLogin>,
    pub tv_codes: HashMap<String, TvAuthCode>,
    pub sessions: Vec<TvSession>,
    /// The connection report's records from before the simulator started.
    pub past_connections: Vec<super::history::ReportRecord>,
    pub requests: Vec<AssistRequest>,
    /// Devices asked to sync that have not checked in yet.
    pub syncs: Vec<PendingSync>,
    pub rng: fastrand::Rng,
    /// Serialised device list pages by request.
    pub page_cache: PageCache,
    /// Every token and device code handed out, for tests that prove none leaks.
    pub secrets_issued: Vec<String>,
    /// Requests received, oldest first (bounded).
    pub log: Vec<super::RequestRecord>,
    /// A Conditional Access challenge the next refresh answers with (`interaction_required`
    /// and these `claims`), until the admin signs in again.
    pub interaction_required: Option<String>,
    /// The `claims` each device code request carried.
    pub device_code_claims: Vec<Option<String>>,
    request_counter: u64,
}

/// The never-expiring Graph token `sim serve` prints for automation.
pub const FIXED_GRAPH_TOKEN: &str = "sim-graph-automation-token";
/// The TeamViewer script token `sim serve` prints.
pub const FIXED_TEAMVIEWER_TOKEN: &str = "1234567-SimScriptTokenAbCdEfGhIjKl";
/// The id of the simulated TeamViewer partner.
pub const PARTNER_ID: &str = "d3d2e9a0-7f3c-4a57-8b2f-0a1e6e3b5c11";

impl SimState {
    /// A fresh tenant from the configuration.
    pub fn new(config: SimConfig, base_url: String) -> Self {
        let started = config.clock.instant();
        let link_base = config.link_base.clone().unwrap_or_else(|| base_url.clone());
        let started_wall = config.now.unwrap_or_else(|| config.clock.wall());
        let mut devices = if config.hostile {
            super::hostile::generate(config.devices, config.seed, started_wall)
        } else {
            super::tenant::generate(config.devices, config.seed, started_wall)
        };
        super::tenant::move_users_to(&mut devices, &config.tenant_domain);
        let device_index = devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        let mut tokens = HashMap::new();
        let (graph_token, teamviewer_token) = config.automation_tokens();
        tokens.insert(
            graph_token,
            IssuedToken {
                audience: Audience::Graph,
                expires: None,
                scopes: None,
            },
        );
        tokens.insert(
            teamviewer_token,
            IssuedToken {
                audience: Audience::TeamViewer,
                expires: None,
                scopes: None,
            },
        );
        let partner = config.partner_exists.then(|| Partner {
            id: PARTNER_ID.to_string(),
            status: if config.onboarded {
                "onboarded"
            } else {
                "notOnboarded"
            },
            onboarding_url: format!("{link_base}/teamviewer/intune/onboard/{PARTNER_ID}"),
            onboarding_started: None,
            last_connection: config
                .onboarded
                .then_some(started_wall - time::Duration::minutes(2)),
        });
        let rng = fastrand::Rng::with_seed(config.seed ^ 0x5eed);
        let past_connections =
            super::history::seed(&devices, config.past_sessions, config.seed, started_wall);
        SimState {
            past_connections,
            config,
            base_url,
            link_base,
            started,
            started_wall,
            devices,
            device_index,
            partner,
            tokens,
            refresh_tokens: HashMap::new(),
            logins: HashMap::new(),
            tv_codes: HashMap::new(),
            sessions: Vec::new(),
            requests: Vec::new(),
            syncs: Vec::new(),
            rng,
            page_cache: PageCache::default(),
            log: Vec::new(),
            interaction_required: None,
            device_code_claims: Vec::new(),
            secrets_issued: Vec::new(),
            request_counter: 0,
        }
    }

    /// Deletes the tenant's first `count` devices, as when devices are deleted from Intune
    /// (requests in flight for them are dropped).
    pub fn delete_devices(&mut self, count: usize) {
        let count = count.min(self.devices.len());
        self.devices.drain(..count);
        self.device_index = self
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        self.requests.retain(|r| r.device_index >= count);
        for request in &mut self.requests {
            request.device_index -= count;
        }
        self.page_cache.clear();
    }

    /// Lists the tenant's devices in the opposite order from now on, as Graph may answer a
    /// listing in any order (requests in flight follow their devices).
    pub fn reverse_devices(&mut self) {
        let last = self.devices.len().saturating_sub(1);
        self.devices.reverse();
        for index in self.device_index.values_mut() {
            *index = last - *index;
        }
        for request in &mut self.requests {
            request.device_index = last - request.device_index;
        }
        self.page_cache.clear();
    }

    /// The simulator's current instant.
    pub fn now(&self) -> Instant {
        self.config.clock.instant()
    }

    /// Wall-clock time of an instant.
    pub fn wall(&self, at: Instant) -> OffsetDateTime {
        self.started_wall + at.saturating_duration_since(self.started)
    }

    /// A fresh request id in Graph's GUID shape.
    pub fn next_request_id(&mut self) -> String {
        self.request_counter += 1;
        format!(
            "{:08x}-{:04x}-4{:03x}-8000-{:012x}",
            self.config.seed as u32,
            (self.request_counter >> 32) as u16,
            (self.request_counter >> 48) as u16 & 0xfff,
            self.request_counter & 0xffff_ffff_ffff
        )
    }

    /// Applies every transition that is due by `now`.
    pub fn advance(&mut self, now: Instant) {
        let timings = self.config.timings.clone();
        if let Some(partner) = &mut self.partner
            && partner.status == "onboarding"
            && let (Some(started), Some(delay)) = (partner.onboarding_started, timings.onboarding)
            && now >= started + delay
        {
            partner.status = "onboarded";
            partner.last_connection =
                Some(self.started_wall + now.saturating_duration_since(self.started));
        }
        for i in 0..self.requests.len() {
            let request = self.requests[i].clone();
            if request.done || now < request.requested + timings.session_created {
                continue;
            }
            self.requests[i].done = true;
            let at = request.requested + timings.session_created;
            self.complete_request(request.device_index, at);
        }
        let started = self.started;
        let started_wall = self.started_wall;
        let (due, waiting): (Vec<PendingSync>, Vec<PendingSync>) = std::mem::take(&mut self.syncs)
            .into_iter()
            .partition(|sync| now >= sync.due);
        self.syncs = waiting;
        if !due.is_empty() {
            self.page_cache.clear();
        }
        for sync in due {
            if let Some(device) = self.devices.get_mut(sync.device_index) {
                device.last_sync = started_wall + sync.due.saturating_duration_since(started);
            }
        }
        for session in self.sessions.iter_mut().filter(|s| s.is_open()) {
            if !session.online && session.end_user_at.is_some_and(|t| now >= t) {
                session.online = true;
            }
            if session.online
                && session.connection.is_none()
                && let Some(at) = session.supporter_at
                && now >= at
            {
                let at = at.max(session.end_user_at.unwrap_or(at));
                session.connection = Some(SimConnection {
                    id: format!(
                        "{:032x}",
                        session.created_at.unix_timestamp_nanos() as u128 ^ 0x5151
                    ),
                    start: started_wall + at.saturating_duration_since(started),
                    end: None,
                });
            }
        }
    }

    /// Intune finishing a remote assistance request: a TeamViewer session, or an error.
    fn complete_request(&mut self, device_index: usize, at: Instant) {
        let Some(device) = self.devices.get(device_index) else {
            return;
        };
        let unsupported = device.device_type == "holoLens"
            || device.device_type == "surfaceHub"
            || device.sku_number == 0xB2
            || device.enrollment_type.starts_with("androidEnterprise")
            || !matches!(
                device.operating_system.as_str(),
                "Windows" | "Android" | "iOS" | "iPadOS" | "macOS"
            );
        if unsupported {
            let error = "The TeamViewer app is not supported on this device platform.".to_string();
            self.page_cache.clear();
            if let Some(device) = self.devices.get_mut(device_index) {
                device.remote_assistance_session_error = Some(error);
                device.remote_assistance_session_url = None;
            }
            return;
        }
        let userless = device.user_principal_name.is_empty();
        let description = format!("Intune remote assistance: {}", device.device_name);
        let name = device.user_display_name.clone();
        let email = device.email_address.clone();
        let code = self.create_session(
            at,
            "Intune",
            description,
            name,
            email,
            String::new(),
            if userless { 2 } else { 1 },
        );
        if let Some(session) = self.sessions.last_mut() {
            session.intune = true;
        }
        let link = self.sessions.last().map(|s| match self.config.session_url {
            super::SessionUrlShape::Code => self.supporter_link(s),
            super::SessionUrlShape::Opaque => self.intune_link(s),
            super::SessionUrlShape::Scheme => format!("tvsupport://session/{}", s.link_token),
            super::SessionUrlShape::Text => format!("TeamViewer session {}", s.link_token),
        });
        if let Some(partner) = &mut self.partner {
            partner.last_connection =
                Some(self.started_wall + at.saturating_duration_since(self.started));
        }
        self.page_cache.clear();
        if let Some(device) = self.devices.get_mut(device_index) {
            device.remote_assistance_session_url = link;
            device.remote_assistance_session_error = None;
        }
        tracing::debug!(%code, "sim: remote assistance session created");
    }

    /// Creates a TeamViewer session; `end_user_factor` stretches the wait for the end user.
    #[allow(clippy::too_many_arguments)]
    pub fn create_session(
        &mut self,
        at: Instant,
        groupname: &str,
        description: String,
        end_customer_name: String,
        end_customer_email: String,
        custom_api: String,
        end_user_factor: u32,
    ) -> String {
        let timings = self.config.timings.clone();
        let code = loop {
            let n = self.rng.u32(100_000_000..1_000_000_000);
            let code = format!(
                "s{:03}-{:03}-{:03}",
                n / 1_000_000,
                n / 1000 % 1000,
                n % 1000
            );
            let taken = self.sessions.iter().any(|s| s.code == code)
                || self.past_connections.iter().any(|r| r.session_code == code);
            if !taken {
                break code;
            }
        };
        let created_at = self.wall(at);
        let link_token: String = (0..12)
            .map(|_| {
                let chars = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789";
                chars[self.rng.usize(0..chars.len())] as char
            })
            .collect();
        self.sessions.push(TvSession {
            code: code.clone(),
            link_token,
            groupid: "g272032545".into(),
            groupname: groupname.to_string(),
            description,
            end_customer_name,
            end_customer_email,
            waiting_message: String::new(),
            custom_api,
            intune: false,
            assigned_userid: String::new(),
            created_at,
            valid_until: created_at + time::Duration::hours(24),
            closed_at: None,
            online: false,
            end_user_at: Some(at + timings.end_user_online * end_user_factor),
            supporter_at: Some(at + timings.supporter_connected * end_user_factor),
            connection: None,
        });
        code
    }

    /// Closes a session (and any supporter connection) at `now`.
    pub fn close_session(&mut self, index: usize, now: Instant) {
        let wall = self.wall(now);
        if let Some(session) = self.sessions.get_mut(index)
            && session.closed_at.is_none()
        {
            session.closed_at = Some(wall);
            session.online = false;
            if let Some(connection) = &mut session.connection
                && connection.end.is_none()
            {
                connection.end = Some(wall);
            }
        }
    }

    fn link_digits(code: &str) -> String {
        code.chars().filter(char::is_ascii_digit).collect()
    }

    /// The link the supporter opens.
    pub fn supporter_link(&self, session: &TvSession) -> String {
        format!(
            "{}/teamviewer/v15/s{}-{}",
            self.link_base,
            Self::link_digits(&session.code),
            session.link_token
        )
    }

    /// A session link with no code in it, as Intune might record one.
    pub fn intune_link(&self, session: &TvSession) -> String {
        format!(
            "{}/teamviewer/intune/session/{}",
            self.link_base, session.link_token
        )
    }

    /// Whether the Web API shows `session` to the admin's token: sessions Intune created are
    /// shown only when the simulator is told to.
    pub fn visible_to_api(&self, session: &TvSession) -> bool {
        !session.intune || self.config.intune_sessions_visible
    }

    /// Records the supporter opening Intune's code-less session link.
    pub fn visit_intune_link(&mut self, token: &str, now: Instant) -> bool {
        match self
            .sessions
            .iter_mut()
            .find(|s| s.is_open() && s.intune && s.link_token == token)
        {
            Some(session) => {
                session.supporter_at = Some(session.supporter_at.map_or(now, |t| t.min(now)));
                true
            }
            None => false,
        }
    }

    /// The link the end customer opens.
    pub fn end_customer_link(&self, session: &TvSession) -> String {
        format!(
            "{}/teamviewer/v15/s{}",
            self.link_base,
            Self::link_digits(&session.code)
        )
    }

    /// The browser-based supporter link.
    pub fn webclient_link(&self, session: &TvSession) -> String {
        format!(
            "{}/teamviewer/Connect/IndexByol?sessioncode=s{}&servicequeuetoken={}&lang=en",
            self.link_base,
            Self::link_digits(&session.code),
            session.link_token
        )
    }

    /// Records a visit to a session link: the supporter (with token) or the end customer.
    pub fn visit_link(&mut self, link: &str, now: Instant) -> bool {
        let (digits, token) = match link.trim_start_matches('s').split_once('-') {
            Some((digits, token)) => (digits.to_string(), Some(token.to_string())),
            None => (link.trim_start_matches('s').to_string(), None),
        };
        let Some(session) = self
            .sessions
            .iter_mut()
            .find(|s| s.is_open() && Self::link_digits(&s.code) == digits)
        else {
            return false;
        };
        match token {
            Some(token) if token == session.link_token => {
                session.supporter_at = Some(session.supporter_at.map_or(now, |t| t.min(now)));
            }
            Some(_) => return false,
            None => session.end_user_at = Some(session.end_user_at.map_or(now, |t| t.min(now))),
        }
        true
    }
}
