//! The plain subcommands: text for people, `--json` for scripts, documented exit codes.

mod audit;
mod connector;
pub mod demo;
mod devices;
pub mod docs;
mod errors;
mod history;
mod login;
pub mod output;
mod prompt;
pub mod script;
mod session;
mod sync;
mod tenants;
pub mod waits;

use std::path::Path;
use std::time::Duration;

use crate::assist::Polling;
use crate::audit::Entry;
use crate::auth::store::SecretStore;
use crate::cli::SessionCommand;
use crate::config::{Config, process_env};
use crate::http::HttpSettings;
use crate::services::Services;

pub use devices::device_lines;
pub use errors::{CommandError, exit};

/// Reads the configuration (`path`, or the default place, and the environment), opens the
/// secret store it names and builds the services: what every command against a tenant starts
/// from.
pub fn services_from_config(
    path: Option<&Path>,
    profile: Option<&str>,
    http: HttpSettings,
    no_cache: bool,
) -> Result<Services, CommandError> {
    let mut config = Config::load(path, &process_env(), profile).map_err(|e| CommandError {
        code: exit::FAILURE,
        message: e.0,
    })?;
    if no_cache {
        config.inventory_dir = None;
    }
    let store = SecretStore::open(config.secret_store);
    Ok(Services::new(config, store, http)?)
}

/// Makes a change through [`Services::audited`]: nothing is changed when the audit trail
/// cannot be written, and a change that could not be recorded is reported as a failure.
async fn audited<T, E>(
    services: &Services,
    entry: impl FnOnce(Option<&T>) -> Entry,
    change: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, CommandError>
where
    E: std::fmt::Display,
    CommandError: From<E>,
{
    let done = services
        .audited(entry, change)
        .await
        .map_err(|e| CommandError {
            code: exit::FAILURE,
            message: format!("{e}; nothing was changed"),
        })?;
    let value = done.outcome?;
    done.recorded.map_err(|e| CommandError {
        code: exit::FAILURE,
        message: format!("the change was made, but {e}"),
    })?;
    Ok(value)
}

/// Reads the admin's effective permissions as advice before a change: the scope they are
/// read for is undocumented, so a missing permission (or no answer) is said on standard error
/// and the change is tried anyway. Graph's answer decides, and a 403 is explained then.
async fn advise(
    services: &Services,
    permission: crate::domain::Permission,
    out: &mut output::Output<'_>,
) {
    match services.graph.capabilities().await {
        Ok(capabilities) if !capabilities.allows(permission) => out.note(format!(
            "warning: your effective Intune permissions do not list “{}” ({}); trying anyway, \
             Intune decides",
            permission.display_name(),
            permission.action()
        )),
        Ok(_) => {}
        Err(error) => {
            tracing::info!(%error, "effective permissions unavailable; trying anyway");
        }
    }
}

/// Settings that tests and the demo tune.
#[derive(Clone, Debug, Default)]
pub struct Tuning {
    pub polling: Polling,
    /// How often `connector enable` checks for onboarding to finish.
    pub onboarding_poll: Option<Duration>,
    /// `session new --wait` rings the bell and sends a desktop notification on standard error
    /// when the end user joins, a supporter connects or the session closes.
    pub notify: bool,
}

/// Runs one subcommand.
pub async fn run(
    command: crate::cli::Command,
    services: &Services,
    tuning: &Tuning,
    out: &mut output::Output<'_>,
) -> Result<(), CommandError> {
    use crate::cli::Command;
    match command {
        Command::Login(args) => login::login(services, &args, out).await,
        Command::Logout { all: false } => login::logout(services, out).await,
        Command::Logout { all: true } => tenants::logout_all(services, out).await,
        Command::Tenants => tenants::tenants(services, out).await,
        Command::Whoami => login::whoami(services, out).await,
        Command::Devices(args) => devices::devices(services, &args, out).await,
        Command::Device { name_or_id } => devices::device(services, &name_or_id, out).await,
        Command::Connector(args) => connector::connector(services, &args, tuning, out).await,
        Command::Session(SessionCommand::New {
            name_or_id,
            wait,
            ticket,
        }) => {
            let request = session::NewSession {
                name_or_id: &name_or_id,
                wait,
                ticket: ticket.as_deref(),
            };
            session::session_new(services, request, tuning, out).await
        }
        Command::Session(SessionCommand::Close { code }) => {
            session::session_close(services, &code, out).await
        }
        Command::Sessions { all } => session::sessions(services, all, out).await,
        Command::Audit { since } => audit::audit_trail(services, since.as_deref(), out).await,
        Command::History { since, device, csv } => {
            let format = if csv {
                history::Format::Csv
            } else {
                history::Format::Text
            };
            history::history(services, since.as_deref(), device, format, out).await
        }
        Command::Sync { name_or_id, wait } => {
            sync::sync(services, &name_or_id, wait, tuning, out).await
        }
        Command::Demo(_)
        | Command::Sim(_)
        | Command::Script(_)
        | Command::Completions { .. }
        | Command::Man { .. } => Err(CommandError::usage("this command is not run here")),
    }
}
