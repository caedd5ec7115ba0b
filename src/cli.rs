//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::sim::Profile;

/// Remote assistance for Intune-managed devices through TeamViewer, from a terminal.
#[derive(Debug, Parser)]
#[command(name = "intune-assist", version = env!("INTUNE_ASSIST_VERSION"), about, long_about = None)]
pub struct Cli {
    /// Read the configuration from this file instead of the default location.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use this tenant profile (`[tenants.NAME]` in the configuration; also
    /// INTUNE_ASSIST_TENANT_PROFILE).
    #[arg(long, global = true, value_name = "NAME")]
    pub tenant: Option<String>,
    /// Print the default configuration file and exit.
    #[arg(long)]
    pub print_default_config: bool,
    /// Print results as JSON for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// Dashboard: hide every action that changes anything.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Dashboard: draw with ASCII characters only.
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Dashboard: neither show nor keep the cached device list (see `inventory_cache`).
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// No bell and no desktop notification when a session moves (see `notifications`).
    #[arg(long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The dashboard against the embedded simulator of Graph and TeamViewer: no tenant needed.
    Demo(DemoArgs),
    /// Sign in to Microsoft (device code flow) or TeamViewer.
    Login(LoginArgs),
    /// Sign out and remove every stored token (of the selected tenant profile, or of all).
    Logout {
        /// Sign out of every tenant profile.
        #[arg(long, conflicts_with = "tenant")]
        all: bool,
    },
    /// List the tenant profiles of the configuration and who is signed in to each.
    Tenants,
    /// Show the signed-in accounts and what they may do.
    Whoami,
    /// List managed devices and whether remote assistance can reach them.
    Devices(DevicesArgs),
    /// Show one device.
    Device {
        /// The device as the caller describes it: Intune device id, name, serial number, part
        /// of the name, the user's UPN or email address, or the Entra device id.
        #[arg(value_name = "DEVICE")]
        name_or_id: String,
    },
    /// Show, enable or disconnect the TeamViewer connector.
    Connector(ConnectorArgs),
    /// Start or close a remote assistance session.
    #[command(subcommand)]
    Session(SessionCommand),
    /// List TeamViewer sessions with their state.
    Sessions {
        /// Include closed sessions.
        #[arg(long)]
        all: bool,
    },
    /// Show the audit trail: every session requested or closed and connector change made
    /// from this machine.
    Audit {
        /// Only entries from this date (2026-11-24) or time (RFC 3339) on.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
    },
    /// Past remote assistance sessions from TeamViewer's connection report, with who
    /// requested each from this machine (the audit trail) where the session code matches.
    History {
        /// Only sessions from this date (2026-11-24) or time (RFC 3339) on [default: 30 days
        /// ago].
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only sessions on a device whose name contains this (Intune's name or
        /// TeamViewer's), in any case.
        #[arg(long, value_name = "NAME")]
        device: Option<String>,
        /// Print CSV (RFC 4180, UTF-8): a header line, then one row a session.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Ask Intune to make a device check in now (Graph's syncDevice), as the portal's Sync.
    Sync {
        /// The device as the caller describes it: Intune device id, name, serial number, part
        /// of the name, the user's UPN or email address, or the Entra device id.
        #[arg(value_name = "DEVICE")]
        name_or_id: String,
        /// Wait until the device has checked in (its last sync moves), at most 2 minutes.
        #[arg(long)]
        wait: bool,
    },
    /// Play a tape of keystrokes against the dashboard with no terminal and write the
    /// screens it asks for (see the README for the tape format).
    Script(ScriptArgs),
    /// The embedded simulator.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Print a shell completion script (see the README for where to put it).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one page per subcommand into a folder.
    Man {
        /// Write intune-assist.1 and intune-assist-SUBCOMMAND.1 pages into this folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `script` options.
#[derive(Debug, Args)]
pub struct ScriptArgs {
    /// The tape to play.
    pub tape: PathBuf,
    /// The terminal size, as COLUMNSxROWS.
    #[arg(long, default_value = "120x40", value_parser = parse_size)]
    pub size: (u16, u16),
    /// Write each snapshot into this folder (NAME.txt, and NAME.ansi or NAME.svg); without
    /// it, snapshots are printed.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What each snapshot is written as, besides plain text.
    #[arg(long, value_enum, default_value_t = crate::script::Format::Txt)]
    pub format: crate::script::Format,
    /// Play against the embedded simulator instead of the configured tenant.
    #[arg(long)]
    pub demo: bool,
    /// With --demo: start signed in (with the simulator's automation token) instead of at
    /// the sign-in screen.
    #[arg(long, requires = "demo")]
    pub signed_in: bool,
    /// Run on the system clock instead of virtual time (the default with --demo is virtual
    /// time from a fixed start, so runs repeat exactly).
    #[arg(long)]
    pub real_time: bool,
    /// Where virtual time starts (RFC 3339).
    #[arg(long, default_value = "2026-11-24T09:00:00Z", value_parser = parse_time)]
    pub start: time::OffsetDateTime,
    #[command(flatten)]
    pub sim: SimArgs,
}

fn parse_size(text: &str) -> Result<(u16, u16), String> {
    crate::script::tape::size(text)
}

fn parse_time(text: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("`{text}` is not an RFC 3339 time like 2026-11-24T09:00:00Z: {e}"))
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub sim: SimArgs,
    /// Print a narrated walkthrough instead of opening the dashboard (the default when
    /// standard output is not a terminal).
    #[arg(long)]
    pub narrate: bool,
}

/// `login` options.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Store a TeamViewer script token (read from standard input, or typed hidden).
    #[arg(long, conflicts_with = "teamviewer_oauth")]
    pub teamviewer_token: bool,
    /// Sign in to TeamViewer with OAuth2 in a browser.
    #[arg(long)]
    pub teamviewer_oauth: bool,
}

/// `devices` options.
#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Only devices whose name, user, UPN, serial number or model contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Only devices with this operating system (Windows, Android, iOS, macOS, …).
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,
}

/// `connector` options.
#[derive(Debug, Args)]
pub struct ConnectorArgs {
    #[arg(value_enum, default_value = "status")]
    pub action: ConnectorAction,
    /// Accept the TeamViewer connector licence terms without asking (for scripts).
    #[arg(long)]
    pub accept_license: bool,
    /// Do not ask for confirmation (disconnect).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// With enable: return once onboarding has begun instead of waiting until onboarded.
    #[arg(long)]
    pub no_wait: bool,
}

/// What to do with the connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConnectorAction {
    Status,
    Enable,
    Disconnect,
}

/// `session` subcommands.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Request a new remote assistance session for a device.
    New {
        /// The device as the caller describes it: Intune device id, name, serial number, part
        /// of the name, the user's UPN or email address, or the Entra device id.
        #[arg(value_name = "DEVICE")]
        name_or_id: String,
        /// Follow the session and report each change of state until it closes.
        #[arg(long)]
        wait: bool,
        /// The helpdesk ticket the session answers (free text, at most 64 characters): kept
        /// in the audit trail and shown in the history. Required when the configuration
        /// says `ticket_required = true`.
        #[arg(long, value_name = "REF")]
        ticket: Option<String>,
    },
    /// Close a session; its code stops working.
    Close {
        /// The session code, e.g. s123-456-789.
        code: String,
    },
}

/// `sim` subcommands.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the simulator; the first line of output is a JSON object with the service roots
    /// and tokens to use (one line per tenant with --tenants).
    Serve {
        /// Port on 127.0.0.1 (0 picks a free one); further tenants take the next ports.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Serve this many tenants side by side (contoso, fabrikam, …), each with its own
        /// devices and tokens; standard error shows the tenant profiles to configure.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=5))]
        tenants: u16,
        #[command(flatten)]
        sim: SimArgs,
    },
}

/// How to shape the simulated tenant.
#[derive(Clone, Debug, Args)]
pub struct SimArgs {
    /// Number of managed devices.
    #[arg(long, default_value_t = 2000)]
    pub devices: usize,
    /// Seed of the tenant generator.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The signed-in admin's Intune role.
    #[arg(long, value_enum, default_value_t = Profile::Admin)]
    pub profile: Profile,
    /// Faults to inject, e.g. "429=0.2,503=0.1,drop=0.05,slow=0.1:800ms".
    #[arg(long, default_value = "")]
    pub faults: String,
    /// How long requests take, e.g. "graph=150ms,page=500ms,teamviewer=100ms,signin=80ms,
    /// jitter=0.2" (`page`: per 1 000 devices listed), or "none". The demo defaults to a
    /// modest tenant's pace; `sim serve` and scripted runs to none.
    #[arg(long, value_name = "SPEC")]
    pub latency: Option<String>,
    /// Device and user names that carry terminal escape sequences and other hostile text.
    #[arg(long)]
    pub hostile: bool,
    /// Start with the TeamViewer connector not onboarded.
    #[arg(long)]
    pub not_onboarded: bool,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_lifetime: u64,
    /// How soon onboarding finishes and a session is created, the end user comes online and a
    /// supporter connects: in seconds, as a demo feels real, or in a fraction of one (for
    /// scripted soaks and benchmarks).
    #[arg(long, value_enum, default_value_t = SimPace::Demo)]
    pub pace: SimPace,
    /// Whether the admin's TeamViewer account sees the sessions Intune creates (not
    /// documented by Microsoft or TeamViewer; the app works either way).
    #[arg(long, value_enum, default_value_t = IntuneSessions::Visible)]
    pub intune_sessions: IntuneSessions,
    /// The shape of the session link Intune records (not documented; the app works with
    /// either).
    #[arg(long, value_enum, default_value_t = crate::sim::SessionUrlShape::Code)]
    pub session_url: crate::sim::SessionUrlShape,
    /// Whether a new session request clears the device's earlier session link and error, or
    /// they stay until the new one is recorded (not documented; the app works either way).
    #[arg(long, value_enum, default_value_t = crate::sim::SessionFields::Kept)]
    pub session_fields: crate::sim::SessionFields,
    /// Intune's errors carry Intune's own JSON inside Graph's `error.message`, as tenants
    /// see them (not documented; the app reads either).
    #[arg(long)]
    pub intune_error_json: bool,
    /// The connector's display name (not documented: a tenant may show any).
    #[arg(long, value_name = "NAME", default_value = "TeamViewer")]
    pub partner_name: String,
    /// Whether `$filter` compares strings exactly or ignoring case (Microsoft does not say;
    /// the app works either way).
    #[arg(long, value_enum, default_value_t = FilterCase::Insensitive)]
    pub filter_case: FilterCase,
    /// Past connections TeamViewer's connection report holds at the start (the History
    /// blade and `history`).
    #[arg(long, value_name = "N", default_value_t = 40)]
    pub past_sessions: usize,
    /// Records per page of the connection report.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..))]
    pub report_page_size: u16,
    /// What the connection report's `next_offset` names (TeamViewer does not say): the first
    /// record of the next page, the last of this one, or the last of this one repeated.
    #[arg(long, value_enum, default_value_t = crate::sim::ReportOffset::StartsAt)]
    pub report_offset: crate::sim::ReportOffset,
    /// The TeamViewer token may not read the connection report (403).
    #[arg(long)]
    pub report_forbidden: bool,
    /// Demo and scripted runs: do not sign in to TeamViewer (sessions through Intune need
    /// Microsoft Graph only).
    #[arg(long)]
    pub no_teamviewer: bool,
    /// How long a device takes to check in after Sync, in seconds, or `never` (switched off).
    /// Microsoft does not say how soon; the app waits at most 2 minutes either way.
    #[arg(long, value_name = "SECS|never")]
    pub device_checkin: Option<String>,
    /// A Graph permission the tenant's admin never consented to (repeatable), e.g.
    /// DeviceManagementManagedDevices.PrivilegedOperations.All: Sync then says so.
    #[arg(long, value_name = "PERMISSION")]
    pub withhold_scope: Vec<String>,
}

/// How soon the simulated services move on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimPace {
    /// Seconds, as a demo feels real.
    Demo,
    /// A fraction of a second.
    Fast,
}

/// How the simulator's `$filter` compares strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FilterCase {
    Insensitive,
    Sensitive,
}

/// Whether TeamViewer shows Intune's sessions to the admin's own token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum IntuneSessions {
    Visible,
    Hidden,
}

impl SimArgs {
    /// The simulator configuration for the demo: as [`SimArgs::to_config`], at a tenant's
    /// pace unless `--latency` says otherwise.
    pub fn to_demo_config(&self) -> Result<crate::sim::SimConfig, String> {
        let mut config = self.to_config()?;
        if self.latency.is_none() {
            config.latency = crate::sim::latency::DEMO.parse()?;
        }
        Ok(config)
    }

    /// The simulator configuration these arguments describe.
    pub fn to_config(&self) -> Result<crate::sim::SimConfig, String> {
        let mut timings = match self.pace {
            SimPace::Demo => crate::sim::SimTimings::demo(),
            SimPace::Fast => crate::sim::SimTimings::fast(),
        };
        timings.access_token_lifetime = std::time::Duration::from_secs(self.token_lifetime.max(1));
        match self.device_checkin.as_deref() {
            None => {}
            Some("never") => timings.device_checkin = None,
            Some(secs) => {
                let secs: f64 = secs
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| {
                        format!("--device-checkin: `{secs}` is neither seconds nor `never`")
                    })?;
                timings.device_checkin = Some(std::time::Duration::from_secs_f64(secs));
            }
        }
        Ok(crate::sim::SimConfig {
            devices: self.devices,
            seed: self.seed,
            profile: self.profile,
            faults: self.faults.parse()?,
            latency: self.latency.as_deref().unwrap_or("").parse()?,
            timings,
            hostile: self.hostile,
            onboarded: !self.not_onboarded,
            intune_sessions_visible: self.intune_sessions == IntuneSessions::Visible,
            session_url: self.session_url,
            session_fields: self.session_fields,
            intune_error_json: self.intune_error_json,
            partner_name: Some(self.partner_name.clone()),
            case_sensitive_filters: self.filter_case == FilterCase::Sensitive,
            past_sessions: self.past_sessions,
            report_forbidden: self.report_forbidden,
            report_offset: self.report_offset,
            report_page_size: usize::from(self.report_page_size),
            withheld_scopes: self.withhold_scope.clone(),
            ..crate::sim::SimConfig::default()
        })
    }
}
