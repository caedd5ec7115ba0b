//! The plain subcommands: text for people, `--json` for scripts, documented exit codes.

pub mod demo;
pub mod output;
mod prompt;
pub mod script;
pub mod waits;

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::assist::{self, AssistError, Polling, StartedVia};
use crate::audit::{Action as AuditAction, Entry, Outcome};
use crate::cli::{ConnectorAction, ConnectorArgs, DevicesArgs, LoginArgs, SessionCommand};
use crate::domain::connector::CONNECTOR_TERMS;
use crate::domain::session::normalize_code;
use crate::domain::{
    Assist, Connector, Device, LiveState, Permission, Session, SessionState, Untracked,
};
use crate::graph::DeviceQuery;
use crate::http::{ApiError, ErrorKind};
use crate::services::Services;
use crate::teamviewer::SessionFilter;
use output::{Output, ago, clock, table};

/// Process exit codes (documented in the README).
pub mod exit {
    pub const OK: i32 = 0;
    /// Anything not listed below (configuration, local IO).
    pub const FAILURE: i32 = 1;
    /// The command line was wrong.
    pub const USAGE: i32 = 2;
    /// Not signed in, or the sign-in expired or was declined.
    pub const SIGN_IN: i32 = 3;
    /// The account lacks a permission.
    pub const PERMISSION: i32 = 4;
    /// The device or session does not exist.
    pub const NOT_FOUND: i32 = 5;
    /// A service failed, throttled, was unreachable, or answered something unreadable.
    pub const SERVICE: i32 = 6;
    /// Remote assistance cannot be offered (unsupported device, connector not onboarded,
    /// Intune reported an error, or the session never appeared).
    pub const CANNOT_ASSIST: i32 = 7;
    /// A scripted run stopped: a wait timed out (the screen it saw is printed) or the app
    /// quit before the tape ended.
    pub const SCRIPT: i32 = 8;
}

/// A failed command: the message to show and the exit code.
#[derive(Debug)]
pub struct CommandError {
    pub code: i32,
    pub message: String,
}

impl CommandError {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        CommandError {
            code: exit::USAGE,
            message: message.into(),
        }
    }

    fn permission(permission: Permission) -> Self {
        CommandError {
            code: exit::PERMISSION,
            message: permission.explain_missing(),
        }
    }
}

impl From<ApiError> for CommandError {
    fn from(error: ApiError) -> Self {
        let code = match error.kind {
            ErrorKind::SignInRequired { .. } | ErrorKind::Unauthorized => exit::SIGN_IN,
            ErrorKind::Forbidden { .. } => exit::PERMISSION,
            ErrorKind::NotFound { .. } => exit::NOT_FOUND,
            ErrorKind::Rejected { .. } => exit::FAILURE,
            ErrorKind::Throttled { .. }
            | ErrorKind::Server { .. }
            | ErrorKind::Network { .. }
            | ErrorKind::Malformed { .. } => exit::SERVICE,
        };
        CommandError {
            code,
            message: error.to_string(),
        }
    }
}

impl From<AssistError> for CommandError {
    fn from(error: AssistError) -> Self {
        match error {
            AssistError::Api(e) => e.into(),
            AssistError::Unconfirmed(_) | AssistError::DirectUnconfirmed(_) => CommandError {
                code: exit::SERVICE,
                message: error.to_string(),
            },
            other => CommandError {
                code: exit::CANNOT_ASSIST,
                message: other.to_string(),
            },
        }
    }
}

/// Refuses to change anything when the change could not be recorded.
fn ready_to_audit(services: &Services) -> Result<(), CommandError> {
    services.audit.check_writable().map_err(|e| CommandError {
        code: exit::FAILURE,
        message: format!("{e}; nothing was changed"),
    })
}

/// Records the outcome of a change in the audit trail (on disk before this returns), then
/// hands the outcome back.
async fn audited<T, E>(
    services: &Services,
    entry: Entry,
    outcome: Result<T, E>,
) -> Result<T, CommandError>
where
    E: std::fmt::Display,
    CommandError: From<E>,
{
    let entry = match &outcome {
        Ok(_) => entry,
        Err(e) => entry.failed(e),
    };
    let recorded = services.record(entry).await;
    let value = outcome?;
    recorded.map_err(|e| CommandError {
        code: exit::FAILURE,
        message: format!("the change was made, but {e}"),
    })?;
    Ok(value)
}

/// Settings that tests and the demo tune.
#[derive(Clone, Debug, Default)]
pub struct Tuning {
    pub polling: Polling,
    /// How often `connector enable` checks for onboarding to finish.
    pub onboarding_poll: Option<Duration>,
}

/// Runs one subcommand.
pub async fn run(
    command: crate::cli::Command,
    services: &Services,
    tuning: &Tuning,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    use crate::cli::Command;
    match command {
        Command::Login(args) => login(services, &args, out).await,
        Command::Logout => logout(services, out).await,
        Command::Whoami => whoami(services, out).await,
        Command::Devices(args) => devices(services, &args, out).await,
        Command::Device { name_or_id } => device(services, &name_or_id, out).await,
        Command::Connector(args) => connector(services, &args, tuning, out).await,
        Command::Session(SessionCommand::New { name_or_id, wait }) => {
            session_new(services, &name_or_id, wait, tuning, out).await
        }
        Command::Session(SessionCommand::Close { code }) => {
            session_close(services, &code, out).await
        }
        Command::Sessions { all } => sessions(services, all, out).await,
        Command::Audit { since } => audit_trail(services, since.as_deref(), out).await,
        Command::Demo(_) | Command::Sim(_) | Command::Script(_) => {
            Err(CommandError::usage("this command is not run here"))
        }
    }
}

async fn login(
    services: &Services,
    args: &LoginArgs,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    if args.teamviewer_token {
        let token = prompt::read_secret("TeamViewer script token: ", out)
            .map_err(|e| CommandError::usage(format!("cannot read the token: {e}")))?;
        if token.is_empty() {
            return Err(CommandError::usage("no token was given"));
        }
        let candidate = crate::teamviewer::TeamViewerClient::new(
            services.http.clone(),
            services.config.teamviewer_url.clone(),
            crate::auth::StaticToken::shared(secrecy::SecretString::from(token.clone())),
        );
        if !candidate.ping().await? {
            return Err(CommandError {
                code: exit::SIGN_IN,
                message: "TeamViewer does not accept that token; create a script token in the TeamViewer Management Console".into(),
            });
        }
        services
            .teamviewer_auth
            .save_script_token(secrecy::SecretString::from(token))
            .await?;
        return report_teamviewer_sign_in(services, out).await;
    }
    if args.teamviewer_oauth {
        let json = out.json;
        services
            .teamviewer_auth
            .oauth_login(|url| {
                if json {
                    out.json_line(&json!({"event": "authorize", "url": url}));
                } else {
                    out.note(format!(
                        "Open this address in a browser to sign in to TeamViewer:\n  {url}"
                    ));
                }
            })
            .await?;
        return report_teamviewer_sign_in(services, out).await;
    }
    let auth = services.microsoft.as_ref().ok_or_else(|| CommandError {
        code: exit::SIGN_IN,
        message: "no app registration is configured: set INTUNE_ASSIST_CLIENT_ID (see the README)"
            .into(),
    })?;
    let login = auth.start_device_login().await?;
    if out.json {
        out.json_line(&json!({"event": "deviceCode", "prompt": login.prompt}));
    } else {
        out.note(format!(
            "To sign in, open {} and enter the code {}\n(waiting; the code expires at {})",
            login.prompt.verification_uri,
            login.prompt.user_code,
            clock(Some(login.prompt.expires_at))
        ));
    }
    let account = auth.finish_device_login(login).await?;
    let capabilities = services.graph.capabilities().await.ok();
    if out.json {
        out.json_line(&json!({"event": "signedIn", "account": account, "capabilities": capabilities, "secretStore": services.store.kind()}));
    } else {
        out.line(format!(
            "Signed in as {} ({}).",
            account.username, account.tenant_id
        ));
        out.line(format!("Tokens are kept in {}.", services.store.kind()));
    }
    if let Some(warning) = services.store.warning() {
        out.note(format!("warning: {warning}"));
    }
    Ok(())
}

async fn report_teamviewer_sign_in(
    services: &Services,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let account = services.teamviewer.account().await.ok();
    if out.json {
        out.json(&json!({"teamviewer": {"signedIn": true, "account": account}, "secretStore": services.store.kind()}));
    } else {
        match account {
            Some(a) => out.line(format!(
                "Signed in to TeamViewer as {} <{}>.",
                a.name, a.email
            )),
            None => out.line("Signed in to TeamViewer."),
        }
        out.line(format!("The token is kept in {}.", services.store.kind()));
    }
    if let Some(warning) = services.store.warning() {
        out.note(format!("warning: {warning}"));
    }
    Ok(())
}

async fn logout(services: &Services, out: &mut Output<'_>) -> Result<(), CommandError> {
    if let Some(auth) = &services.microsoft {
        auth.sign_out().await?;
    }
    services.teamviewer_auth.sign_out().await?;
    if out.json {
        out.json(&json!({"signedOut": true, "secretStore": services.store.kind()}));
    } else {
        out.line(format!(
            "Signed out; stored tokens were removed from {}.",
            services.store.kind()
        ));
    }
    Ok(())
}

async fn whoami(services: &Services, out: &mut Output<'_>) -> Result<(), CommandError> {
    let account = match &services.microsoft {
        Some(auth) if services.config.graph_token.is_none() => auth.account().await?,
        _ => None,
    };
    let capabilities = services.graph.capabilities().await?;
    let teamviewer = services.teamviewer.account().await.ok();
    if out.json {
        out.json(&json!({
            "account": account,
            "tenant": services.config.tenant,
            "capabilities": capabilities,
            "teamviewer": {"signedIn": teamviewer.is_some(), "account": teamviewer},
            "secretStore": services.store.kind(),
        }));
        return Ok(());
    }
    match &account {
        Some(a) => out.line(format!("Microsoft:   {} ({})", a.username, a.name)),
        None => out.line("Microsoft:   signed in with a token from INTUNE_ASSIST_GRAPH_TOKEN"),
    }
    out.line(format!(
        "Tenant:      {}",
        account
            .as_ref()
            .map_or(services.config.tenant.as_str(), |a| a.tenant_id.as_str())
    ));
    match &teamviewer {
        Some(a) => out.line(format!("TeamViewer:  {} <{}>", a.name, a.email)),
        None => out.line(
            "TeamViewer:  not signed in (intune-assist login --teamviewer-token); needed only for \
             direct sessions (userless devices) and to follow sessions live",
        ),
    }
    for (permission, held) in [
        (
            Permission::ReadRemoteAssistance,
            capabilities.read_connector,
        ),
        (
            Permission::UpdateRemoteAssistance,
            capabilities.update_connector,
        ),
        (
            Permission::RequestRemoteAssistance,
            capabilities.request_assistance,
        ),
    ] {
        out.line(format!(
            "  {} {}",
            if held { "✓" } else { "✗" },
            permission.display_name()
        ));
    }
    out.line(format!("Tokens:      {}", services.store.kind()));
    Ok(())
}

/// A device as `devices --json` prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceRow<'a> {
    id: &'a str,
    device_name: &'a str,
    operating_system: &'a str,
    os_version: &'a str,
    user_principal_name: &'a str,
    compliance_state: &'a str,
    device_enrollment_type: &'a str,
    managed_device_owner_type: &'a str,
    #[serde(with = "time::serde::rfc3339::option")]
    last_sync_date_time: Option<OffsetDateTime>,
    assist: AssistJson,
}

/// The assist verdict as JSON.
#[derive(Serialize)]
struct AssistJson {
    supported: bool,
    reason: Option<String>,
    #[serde(rename = "directSession")]
    direct_session: bool,
    /// Intune can be asked, but the rule could not confirm the device (the reason says why).
    unconfirmed: bool,
}

fn assist_json(assist: &Assist) -> AssistJson {
    AssistJson {
        supported: assist.is_possible(),
        reason: assist.reason().map(str::to_string),
        direct_session: matches!(assist, Assist::DirectSession { .. }),
        unconfirmed: matches!(assist, Assist::Unconfirmed { .. }),
    }
}

fn assist_text(assist: &Assist) -> String {
    match assist {
        Assist::Supported => "✓".into(),
        Assist::DirectSession { .. } => "✓ direct TeamViewer session (userless)".into(),
        Assist::Unsupported { reason } => format!("✗ {reason}"),
        Assist::Unconfirmed { reason } => format!("? {reason}"),
    }
}

async fn devices(
    services: &Services,
    args: &DevicesArgs,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let query = DeviceQuery {
        operating_system: args.os.clone(),
        ..DeviceQuery::default()
    };
    let interactive = !out.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut all = services
        .graph
        .all_devices(query, |loaded, total| {
            if interactive {
                let total = total.map_or(String::new(), |t| format!(" of {t}"));
                eprint!("\rloading devices {loaded}{total}…");
            }
        })
        .await?;
    if interactive {
        eprint!("\r\x1b[K");
    }
    if let Some(filter) = &args.filter {
        let needle = filter.to_lowercase();
        all.retain(|d| d.matches(&needle));
    }
    if out.json {
        let rows: Vec<DeviceRow<'_>> = all
            .iter()
            .map(|d| DeviceRow {
                id: &d.id,
                device_name: &d.name,
                operating_system: &d.operating_system,
                os_version: &d.os_version,
                user_principal_name: &d.user_principal_name,
                compliance_state: d.compliance_state.as_wire(),
                device_enrollment_type: d.enrollment_type.as_wire(),
                managed_device_owner_type: d.owner_type.as_wire(),
                last_sync_date_time: d.last_sync_date_time,
                assist: assist_json(&d.assist()),
            })
            .collect();
        out.json(&rows);
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|d| {
            vec![
                d.name.clone(),
                d.user_principal_name.clone(),
                format!("{} {}", d.operating_system, d.os_version),
                d.compliance_state.label().to_string(),
                ago(d.last_sync_date_time, now),
                assist_text(&d.assist()),
            ]
        })
        .collect();
    for line in table(
        &[
            ("NAME", 28),
            ("USER", 30),
            ("OS", 24),
            ("COMPLIANCE", 14),
            ("LAST SYNC", 12),
            ("ASSIST", 60),
        ],
        &rows,
    ) {
        out.line(line);
    }
    out.note(format!("{} devices", all.len()));
    Ok(())
}

async fn device(
    services: &Services,
    name_or_id: &str,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let device = services.graph.resolve_device(name_or_id).await?;
    if out.json {
        let mut value = serde_json::to_value(&device).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            map.insert(
                "assist".into(),
                serde_json::to_value(assist_json(&device.assist())).unwrap_or_default(),
            );
        }
        out.json(&value);
        return Ok(());
    }
    for line in device_lines(&device, OffsetDateTime::now_utc()) {
        out.line(line);
    }
    Ok(())
}

/// A device's properties as `label: value` lines.
pub fn device_lines(d: &Device, now: OffsetDateTime) -> Vec<String> {
    let user = if d.user_principal_name.is_empty() {
        "(no user: userless enrollment)".to_string()
    } else {
        format!("{} <{}>", d.user_display_name, d.user_principal_name)
    };
    [
        ("Device", d.name.clone()),
        ("Id", d.id.clone()),
        ("User", user),
        ("OS", format!("{} {}", d.operating_system, d.os_version)),
        ("Model", format!("{} {}", d.manufacturer, d.model)),
        ("Serial", d.serial_number.clone()),
        ("Compliance", d.compliance_state.label().to_string()),
        ("Management", d.management_state.label().to_string()),
        ("Enrollment", d.enrollment_type.label().to_string()),
        ("Ownership", d.owner_type.label().to_string()),
        (
            "Last sync",
            format!(
                "{} ({})",
                clock(d.last_sync_date_time),
                ago(d.last_sync_date_time, now)
            ),
        ),
        ("Enrolled", clock(d.enrolled_date_time)),
        ("Assist", assist_text(&d.assist())),
    ]
    .into_iter()
    .map(|(k, v)| format!("{k:<11} {v}"))
    .collect()
}

fn connector_lines(c: &Connector, now: OffsetDateTime) -> Vec<String> {
    let mut lines = vec![
        format!("Connector   {}", c.display_name),
        format!("Status      {}", c.onboarding_status.label()),
        format!(
            "Last seen   {}",
            c.last_connection_date_time
                .map_or("never".to_string(), |t| format!(
                    "{} ({})",
                    clock(Some(t)),
                    ago(Some(t), now)
                ))
        ),
    ];
    if let Some(url) = &c.onboarding_url
        && !c.is_onboarded()
    {
        lines.push(format!("Onboarding  {url}"));
    }
    lines
}

async fn connector(
    services: &Services,
    args: &ConnectorArgs,
    tuning: &Tuning,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let now = OffsetDateTime::now_utc;
    if args.action == ConnectorAction::Status {
        let connector = services.graph.connector().await?;
        if out.json {
            out.json(&connector);
        } else {
            for line in connector_lines(&connector, now()) {
                out.line(line);
            }
        }
        return Ok(());
    }
    if !services.graph.capabilities().await?.update_connector {
        return Err(CommandError::permission(Permission::UpdateRemoteAssistance));
    }
    let mut connector = services.graph.connector().await?;
    if args.action == ConnectorAction::Disconnect {
        let Some(id) = connector.id.clone() else {
            return Err(CommandError {
                code: exit::NOT_FOUND,
                message: "there is no TeamViewer connector to disconnect".into(),
            });
        };
        if !args.yes
            && !prompt::confirm(
                "Disconnect the TeamViewer connector? New sessions will fail until it is enabled again.",
                out,
            )?
        {
            return Err(CommandError::usage("not disconnected"));
        }
        ready_to_audit(services)?;
        let done = services.graph.disconnect(&id).await;
        audited(
            services,
            Entry::new(AuditAction::ConnectorDisconnected, Outcome::Succeeded),
            done,
        )
        .await?;
        let connector = services.graph.connector().await?;
        if out.json {
            out.json(&connector);
        } else {
            out.line(format!(
                "Disconnected. Status: {}.",
                connector.onboarding_status.label()
            ));
        }
        return Ok(());
    }
    if connector.is_onboarded() {
        if out.json {
            out.json(&connector);
        } else {
            out.line("The TeamViewer connector is already onboarded.");
        }
        return Ok(());
    }
    // Onboarding also needs an Entra admin role; the sign-in's roles say so when known.
    if services.config.graph_token.is_none()
        && let Some(auth) = &services.microsoft
        && let Some(reason) = auth
            .account()
            .await?
            .as_ref()
            .and_then(crate::domain::Account::onboarding_block)
    {
        return Err(CommandError {
            code: exit::PERMISSION,
            message: reason,
        });
    }
    out.note(CONNECTOR_TERMS);
    if !args.accept_license && !prompt::confirm("Accept these terms and connect TeamViewer?", out)?
    {
        return Err(CommandError::usage(
            "the licence terms were not accepted (pass --accept-license to accept them in scripts)",
        ));
    }
    ready_to_audit(services)?;
    let begun = async {
        let id = match connector.id.clone() {
            Some(id) => id,
            None => services.graph.create_connector().await?.id.ok_or_else(|| {
                ApiError::malformed(crate::http::Service::Graph, "the new connector has no id")
            })?,
        };
        services.graph.begin_onboarding(&id).await
    }
    .await;
    audited(
        services,
        Entry::new(AuditAction::ConnectorEnabled, Outcome::Succeeded),
        begun,
    )
    .await?;
    connector = services.graph.connector().await?;
    let url = connector
        .onboarding_url
        .clone()
        .unwrap_or_else(|| "(Intune sent no onboarding URL)".into());
    if out.json {
        out.json_line(&json!({"event": "onboarding", "onboardingUrl": url}));
    } else {
        out.note(format!(
            "Onboarding has begun. Sign in to TeamViewer and authorise Intune at:\n  {url}"
        ));
    }
    if args.no_wait {
        if out.json {
            out.json_line(&connector);
        }
        return Ok(());
    }
    out.note("Waiting until TeamViewer confirms (Ctrl-C stops waiting; onboarding continues)…");
    let poll = tuning.onboarding_poll.unwrap_or(Duration::from_secs(3));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15 * 60);
    while !connector.is_onboarded() {
        if tokio::time::Instant::now() >= deadline {
            return Err(CommandError {
                code: exit::CANNOT_ASSIST,
                message: "onboarding did not finish within 15 minutes; open the onboarding URL again, or run `connector enable` again".into(),
            });
        }
        tokio::time::sleep(poll).await;
        connector = services.graph.connector().await?;
    }
    if out.json {
        out.json_line(&connector);
    } else {
        out.line(
            "The TeamViewer connector is onboarded: Intune can start remote assistance sessions.",
        );
    }
    Ok(())
}

/// A session as `session new --json` prints it: one object per state reached.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionJson<'a> {
    /// The TeamViewer session code; null when Intune's link carries none.
    code: Option<&'a str>,
    state: SessionState,
    /// Intune's `remoteAssistanceSessionUrl`, exactly as given: the session itself.
    session_url: Option<&'a str>,
    /// `tracked`, or `unavailable` with `reason` and `reasonText`.
    live_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason_text: Option<String>,
    supporter_link: Option<&'a str>,
    end_customer_link: Option<&'a str>,
    webclient_supporter_link: Option<&'a str>,
    device_id: &'a str,
    device_name: &'a str,
    started_via: StartedVia,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
}

fn session_json<'a>(
    started: &'a assist::StartedSession,
    observed: Option<&'a Session>,
    state: SessionState,
    device: &'a Device,
) -> SessionJson<'a> {
    let session = observed.or(started.session.as_ref());
    let untracked = started.live.untracked();
    SessionJson {
        code: started.code.as_deref(),
        state,
        session_url: started.session_url.as_deref(),
        live_state: if untracked.is_some() {
            "unavailable"
        } else {
            "tracked"
        },
        reason: untracked.map(Untracked::key),
        reason_text: untracked.map(Untracked::reason),
        supporter_link: session.and_then(|s| s.supporter_link.as_deref()),
        end_customer_link: session.and_then(|s| s.end_customer_link.as_deref()),
        webclient_supporter_link: session.and_then(|s| s.webclient_supporter_link.as_deref()),
        device_id: &device.id,
        device_name: &device.name,
        started_via: started.via,
        at: OffsetDateTime::now_utc(),
    }
}

async fn session_new(
    services: &Services,
    name_or_id: &str,
    wait: bool,
    tuning: &Tuning,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let device = services.graph.resolve_device(name_or_id).await?;
    if !services.graph.capabilities().await?.request_assistance {
        return Err(CommandError::permission(
            Permission::RequestRemoteAssistance,
        ));
    }
    let onboarded = match device.assist() {
        Assist::Supported | Assist::Unconfirmed { .. } => {
            services.graph.connector().await?.is_onboarded()
        }
        _ => false,
    };
    if let Assist::Unconfirmed { reason } = device.assist() {
        out.note(format!("warning: {reason}"));
    }
    if !out.json {
        out.note(format!("Connecting to TeamViewer for {}…", device.name));
    }
    ready_to_audit(services)?;
    let started = assist::start_session(
        &services.graph,
        &services.teamviewer,
        &device,
        onboarded,
        &services.config.session_group,
        &tuning.polling,
        &crate::clock::Clock::System,
        |_| {},
    )
    .await;
    let entry = Entry::new(AuditAction::SessionRequested, Outcome::Succeeded)
        .device(&device.id, &device.name);
    let entry = match &started {
        Ok(started) => entry.started(started),
        Err(_) => entry,
    };
    let started = audited(services, entry, started).await?;
    let print = |out: &mut Output<'_>, observed: Option<&Session>, state: SessionState| {
        if out.json {
            out.json_line(&session_json(&started, observed, state, &device));
        } else {
            out.line(format!(
                "{}  {}  {}",
                clock(Some(OffsetDateTime::now_utc())),
                started.code.as_deref().unwrap_or("session"),
                state.label()
            ));
        }
    };
    if !out.json {
        print_started(out, &started, &device);
    }
    let code = match (&started.live, &started.code) {
        (LiveState::Tracked, Some(code)) if wait => code.clone(),
        _ => {
            print(out, None, started.state());
            if wait && let Some(why) = started.live.untracked() {
                out.note(format!(
                    "Live state is unavailable ({}): open the session link to connect; the \
                     session is followed in the TeamViewer window.",
                    why.reason()
                ));
            }
            return Ok(());
        }
    };
    let final_session = assist::follow_session(
        &services.teamviewer,
        &code,
        &tuning.polling,
        |s, state| print(out, Some(s), state),
        |_| false,
    )
    .await?;
    if !out.json {
        out.note(format!(
            "Session {} is {}.",
            final_session.code,
            final_session.state().label()
        ));
    }
    Ok(())
}

/// What a person needs to connect, after a session started.
fn print_started(out: &mut Output<'_>, started: &assist::StartedSession, device: &Device) {
    let session = started.session.as_ref();
    match started.via {
        StartedVia::Intune => {
            out.line(format!(
                "Intune asked TeamViewer for a session with {}; the user is notified in the Company Portal.",
                device.name
            ));
        }
        StartedVia::TeamViewer => {
            out.line(format!(
                "Session {} for {}",
                started.code.as_deref().unwrap_or("—"),
                device.name
            ));
            out.line("This device has no Company Portal prompt: read the code to the person at the device,");
            out.line(format!(
                "who opens {} and enters it.",
                session
                    .and_then(|s| s.end_customer_link.as_deref())
                    .unwrap_or("the TeamViewer QuickSupport app")
            ));
        }
    }
    if let Some(url) = &started.session_url {
        out.line(format!("Session link     {url}"));
    }
    if started.via == StartedVia::Intune
        && let Some(code) = &started.code
    {
        out.line(format!("Session code     {code}"));
    }
    if let Some(link) = session.and_then(|s| s.supporter_link.as_deref())
        && started.session_url.as_deref() != Some(link)
    {
        out.line(format!("Supporter link   {link}"));
    }
    if let Some(link) = session.and_then(|s| s.webclient_supporter_link.as_deref()) {
        out.line(format!("Web client       {link}"));
    }
    match started.live.untracked() {
        None => out.line("Live state       followed through TeamViewer"),
        Some(why) => out.line(format!("Live state       unavailable: {}", why.reason())),
    }
}

async fn session_close(
    services: &Services,
    code: &str,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let code = normalize_code(code).ok_or_else(|| {
        CommandError::usage(format!(
            "`{}` is not a session code (like s123-456-789)",
            crate::domain::text::sanitize(code)
        ))
    })?;
    ready_to_audit(services)?;
    let closed = services.teamviewer.close_session(&code).await;
    audited(
        services,
        Entry::new(AuditAction::SessionClosed, Outcome::Succeeded).session(&code),
        closed,
    )
    .await?;
    if out.json {
        out.json(&json!({"code": code, "state": "closed"}));
    } else {
        out.line(format!("Session {code} is closed."));
    }
    Ok(())
}

/// Reads `2026-11-24` (midnight UTC) or an RFC 3339 time.
fn parse_since(text: &str) -> Result<OffsetDateTime, CommandError> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| {
            CommandError::usage(format!(
                "`{}` is not a date like 2026-11-24 or a time like 2026-11-24T09:00:00Z",
                crate::domain::text::sanitize(text)
            ))
        })
}

async fn audit_trail(
    services: &Services,
    since: Option<&str>,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let since = since.map(parse_since).transpose()?;
    let (entries, unreadable) = services.audit.read(since).map_err(|e| CommandError {
        code: exit::FAILURE,
        message: e.to_string(),
    })?;
    if unreadable > 0 {
        out.note(format!(
            "warning: {unreadable} lines of the audit log could not be read and are not shown"
        ));
    }
    if out.json {
        out.json(&entries);
        return Ok(());
    }
    if entries.is_empty() {
        out.note(match services.audit.path() {
            Some(path) => format!("Nothing recorded in {}.", path.display()),
            None => "Nothing recorded.".into(),
        });
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                crate::ui::format::date_time(Some(e.time)),
                match e.outcome {
                    Outcome::Succeeded => "ok".into(),
                    Outcome::Failed => "failed".into(),
                },
                e.action.label().into(),
                e.device_name.clone(),
                e.session_code.clone(),
                e.admin.clone(),
                e.detail.clone(),
            ]
        })
        .collect();
    for line in table(
        &[
            ("TIME", 23),
            ("OUTCOME", 7),
            ("ACTION", 22),
            ("DEVICE", 20),
            ("SESSION", 12),
            ("ADMIN", 28),
            ("DETAIL", 40),
        ],
        &rows,
    ) {
        out.line(line);
    }
    Ok(())
}

async fn sessions(
    services: &Services,
    all: bool,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let filter = if all {
        SessionFilter::All
    } else {
        SessionFilter::Open
    };
    let listed = services.teamviewer.sessions(filter).await?;
    let mut observed = Vec::with_capacity(listed.len());
    for session in listed {
        if session.open {
            observed.push(services.teamviewer.observe(&session.code).await?);
        } else {
            observed.push(session);
        }
    }
    if out.json {
        let rows: Vec<serde_json::Value> = observed
            .iter()
            .map(|s| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                if let serde_json::Value::Object(map) = &mut v {
                    map.insert(
                        "state".into(),
                        serde_json::to_value(s.state()).unwrap_or_default(),
                    );
                }
                v
            })
            .collect();
        out.json(&rows);
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let rows: Vec<Vec<String>> = observed
        .iter()
        .map(|s| {
            vec![
                s.code.clone(),
                s.state().label().to_string(),
                s.description.clone(),
                s.end_customer_name.clone(),
                ago(s.created_at, now),
            ]
        })
        .collect();
    for line in table(
        &[
            ("CODE", 12),
            ("STATE", 20),
            ("DESCRIPTION", 48),
            ("END USER", 24),
            ("CREATED", 12),
        ],
        &rows,
    ) {
        out.line(line);
    }
    out.note(format!("{} sessions", observed.len()));
    Ok(())
}
