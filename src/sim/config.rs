//! What a simulator simulates: the tenant, its admin, its timings and the undocumented
//! behaviours it can be asked to show.

use std::time::Duration;

use serde::Serialize;

use time::OffsetDateTime;

use super::{FIXED_GRAPH_TOKEN, FIXED_TEAMVIEWER_TOKEN, FaultSpec, LatencySpec};

/// Which Intune role the simulated admin holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Intune Administrator: every action (`*`).
    #[default]
    Admin,
    /// Help Desk Operator: read the connector, request remote assistance.
    Helpdesk,
    /// Read Only Operator: read only.
    Readonly,
}

/// How the simulated people and services take their time.
#[derive(Clone, Debug)]
pub struct SimTimings {
    /// Onboarding finishes by itself after this long (`None`: only when the URL is visited).
    pub onboarding: Option<Duration>,
    /// From `requestRemoteAssistance` to the TeamViewer session existing.
    pub session_created: Duration,
    /// From the session's creation to the end user accepting and coming online.
    pub end_user_online: Duration,
    /// From the session's creation to the supporter connecting (at the earliest once the end
    /// user is online).
    pub supporter_connected: Duration,
    /// Lifetime of issued access tokens.
    pub access_token_lifetime: Duration,
    /// `authorization_pending` answers before a device code sign-in is approved.
    pub pending_polls: u32,
    /// The `interval` the device code endpoint asks clients to poll at, in seconds.
    pub poll_interval_secs: u64,
    /// From `syncDevice` to the device checking in (its `lastSyncDateTime` moving); `None`:
    /// it never does (switched off).
    pub device_checkin: Option<Duration>,
}

impl SimTimings {
    /// Timings that feel real in a demo.
    pub fn demo() -> Self {
        SimTimings {
            onboarding: Some(Duration::from_secs(6)),
            session_created: Duration::from_millis(1500),
            end_user_online: Duration::from_secs(4),
            supporter_connected: Duration::from_secs(8),
            access_token_lifetime: Duration::from_secs(3600),
            pending_polls: 2,
            poll_interval_secs: 1,
            device_checkin: Some(Duration::from_secs(5)),
        }
    }

    /// Timings for tests: everything within a fraction of a second.
    pub fn fast() -> Self {
        SimTimings {
            onboarding: Some(Duration::from_millis(300)),
            session_created: Duration::from_millis(100),
            end_user_online: Duration::from_millis(200),
            supporter_connected: Duration::from_millis(400),
            access_token_lifetime: Duration::from_secs(3600),
            pending_polls: 1,
            poll_interval_secs: 1,
            device_checkin: Some(Duration::from_millis(300)),
        }
    }
}

/// The shape of the `remoteAssistanceSessionUrl` Intune records. Microsoft does not document
/// it, so the client must work with either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionUrlShape {
    /// A TeamViewer supporter link that carries the session code.
    #[default]
    Code,
    /// A link that carries no session code.
    Opaque,
    /// A link in an application's own scheme (`tvsupport://…`), not a web address.
    Scheme,
    /// Plain text that is no link at all.
    Text,
}

/// What a device shows of an earlier session while Intune works on a new request. Nothing
/// documents that Intune clears `remoteAssistanceSessionUrl` and `…ErrorDetails` on a new
/// request, so the client must tell an earlier session's link from this one's either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionFields {
    /// The earlier session's link or error stays until the new one is recorded.
    #[default]
    Kept,
    /// Both are cleared as soon as a new request arrives.
    Cleared,
}

/// How TeamViewer answers `POST /sessions`: the status is not documented, so the client
/// accepts each of these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CreateAnswer {
    /// 200 with the session.
    #[default]
    Ok,
    /// 201 with the session and a `Location`.
    Created,
    /// 303 with only a `Location` naming the session.
    SeeOther,
}

/// How a device code sign-in ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeviceLoginOutcome {
    /// Approved after the pending polls.
    #[default]
    Approve,
    /// The user declines (`authorization_declined`).
    Decline,
    /// The code runs out (`expired_token`).
    Expire,
}

/// Everything that shapes a simulated tenant.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub devices: usize,
    pub seed: u64,
    pub profile: Profile,
    pub faults: FaultSpec,
    /// How long requests take to answer (none unless asked).
    pub latency: LatencySpec,
    pub timings: SimTimings,
    /// Device, user and model names carry terminal attacks.
    pub hostile: bool,
    /// Whether the tenant already has a TeamViewer partner object.
    pub partner_exists: bool,
    /// Whether the connector starts onboarded.
    pub onboarded: bool,
    /// The connector's `displayName`: nullable, and no document names it, so a tenant may
    /// show anything.
    pub partner_name: Option<String>,
    /// Names of other partners the tenant lists before the connector (never onboarded).
    pub other_partners: Vec<String>,
    pub device_login: DeviceLoginOutcome,
    /// TeamViewer sessions per list page.
    pub session_page_size: usize,
    /// Past connections the report holds when the simulator starts.
    pub past_sessions: usize,
    /// Records per page of the connection report.
    pub report_page_size: usize,
    /// Whether the TeamViewer token lacks the connection report permission (403).
    pub report_forbidden: bool,
    /// What `next_offset` names and where `offset_id` continues (undocumented).
    pub report_offset: ReportOffset,
    /// Graph permissions the tenant's admin never consented to: tokens lack them, and the
    /// calls that need them get Graph's 403.
    pub withheld_scopes: Vec<String>,
    /// Whether the tenant (and the admin) hold an Intune licence; without one every Intune
    /// call is refused.
    pub intune_licensed: bool,
    /// Whether the admin profile's account holds the Intune Administrator role in Entra ID
    /// (the `wids` claim); onboarding the connector needs it.
    pub entra_admin: bool,
    /// How `POST /sessions` answers.
    pub create_answer: CreateAnswer,
    /// The redirect URI registered with the simulated TeamViewer OAuth app.
    pub teamviewer_redirect_uri: String,
    /// Whether the admin's TeamViewer token sees the sessions Intune creates (undocumented).
    pub intune_sessions_visible: bool,
    /// The shape of the session link Intune records (undocumented).
    pub session_url: SessionUrlShape,
    /// Whether a new request clears the device's earlier session link and error
    /// (undocumented).
    pub session_fields: SessionFields,
    /// Whether Intune's errors come as Intune's JSON inside Graph's `error.message`, as
    /// tenants see them (undocumented), or as a plain message.
    pub intune_error_json: bool,
    /// `requestRemoteAssistance` fails with this status and Intune's own error: the request
    /// was handled, and refused (4xx) or failed (5xx).
    pub request_failure: Option<u16>,
    /// Whether `$filter` compares strings exactly (undocumented either way; default: ignoring
    /// case).
    pub case_sensitive_filters: bool,
    /// The wall-clock time the tenant is generated at (default: now).
    pub now: Option<OffsetDateTime>,
    pub tenant_domain: String,
    /// The simulator's time: the system's, or a script's virtual clock.
    pub clock: crate::clock::Clock,
    /// The root of the links people open (default: the simulator's own address). Scripted
    /// runs set a fixed one so their screens do not depend on the port.
    pub link_base: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            devices: 2000,
            seed: 42,
            profile: Profile::Admin,
            faults: FaultSpec::default(),
            latency: LatencySpec::default(),
            timings: SimTimings::demo(),
            hostile: false,
            partner_exists: true,
            onboarded: true,
            partner_name: Some("TeamViewer".into()),
            other_partners: Vec::new(),
            device_login: DeviceLoginOutcome::Approve,
            session_page_size: 25,
            past_sessions: 40,
            report_page_size: 50,
            report_forbidden: false,
            report_offset: ReportOffset::StartsAt,
            withheld_scopes: Vec::new(),
            create_answer: CreateAnswer::Ok,
            teamviewer_redirect_uri: crate::config::DEFAULT_TEAMVIEWER_REDIRECT_URI.into(),
            intune_licensed: true,
            entra_admin: true,
            intune_sessions_visible: true,
            session_url: SessionUrlShape::Code,
            session_fields: SessionFields::Kept,
            intune_error_json: false,
            request_failure: None,
            case_sensitive_filters: false,
            now: None,
            tenant_domain: "contoso.onmicrosoft.com".into(),
            clock: crate::clock::Clock::System,
            link_base: None,
        }
    }
}

/// How the connection report pages: TeamViewer documents only that `next_offset` is a record
/// id to send back as `offset_id` until it is absent, not which record it names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportOffset {
    /// `next_offset` names the first record of the next page.
    #[default]
    StartsAt,
    /// `next_offset` names the last record of this page; the next page follows it.
    After,
    /// `next_offset` names the last record of this page, and the next page starts with it
    /// again.
    Overlapping,
}

/// The organisations `sim serve --tenants N` serves, in order.
pub const TENANT_NAMES: [&str; 5] = ["contoso", "fabrikam", "northwind", "tailspin", "woodgrove"];

impl SimConfig {
    /// The configuration of tenant `index` of several served side by side: its own
    /// organisation, devices and tokens (the first is this configuration unchanged).
    pub fn tenant(&self, index: usize) -> SimConfig {
        if index == 0 {
            return self.clone();
        }
        let name = TENANT_NAMES[index % TENANT_NAMES.len()];
        SimConfig {
            seed: self.seed.wrapping_add(7919 * index as u64),
            tenant_domain: format!("{name}.onmicrosoft.com"),
            ..self.clone()
        }
    }

    /// The tokens this tenant accepts without a sign-in (Graph, TeamViewer): the fixed ones
    /// for Contoso, and its own for every other organisation.
    pub fn automation_tokens(&self) -> (String, String) {
        match self.profile_name().as_str() {
            "contoso" => (FIXED_GRAPH_TOKEN.into(), FIXED_TEAMVIEWER_TOKEN.into()),
            name => (
                format!("{FIXED_GRAPH_TOKEN}-{name}"),
                format!("{FIXED_TEAMVIEWER_TOKEN}{}", name.to_uppercase()),
            ),
        }
    }

    /// The profile name of the tenant this simulates (`contoso` for `contoso.onmicrosoft.com`).
    pub fn profile_name(&self) -> String {
        self.tenant_domain
            .split('.')
            .next()
            .unwrap_or("contoso")
            .to_string()
    }
}
