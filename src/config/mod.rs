//! Configuration: built-in defaults, then the user's TOML file, then the environment
//! (environment wins), then command-line flags.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use url::Url;

pub mod profiles;

use crate::auth::store::StorePreference;
use crate::auth::teamviewer::TeamViewerOAuthApp;
use crate::graph::ApiVersion;

/// The file's shape. Every key is optional; unknown keys are an error.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Microsoft Graph service root.
    pub graph_url: Option<String>,
    /// Microsoft identity platform root.
    pub login_url: Option<String>,
    /// TeamViewer Web API root.
    pub teamviewer_url: Option<String>,
    /// Tenant id or domain (`organizations` signs in to any work tenant).
    pub tenant: Option<String>,
    /// The app registration's client id (a public client).
    pub client_id: Option<String>,
    /// Graph version for the device list: `beta` (tells HoloLens, Surface Hub and Windows 10 S
    /// apart) or `v1.0`.
    pub devices_api: Option<ApiVersion>,
    /// `auto`, `secret-service`, `keyutils`, `keychain`, `windows-credential-manager` or
    /// `memory`.
    pub secret_store: Option<StorePreference>,
    /// TeamViewer OAuth app client id (the secret comes from the environment).
    pub teamviewer_client_id: Option<String>,
    /// Where TeamViewer's OAuth sign-in page is (`https://login.teamviewer.com`).
    pub teamviewer_login_url: Option<String>,
    /// The redirect URI registered with the TeamViewer OAuth app (a loopback address).
    pub teamviewer_redirect_uri: Option<String>,
    /// Seconds before a request times out.
    pub request_timeout_secs: Option<u64>,
    /// The audit trail file (default: `audit.jsonl` in the state directory).
    pub audit_log: Option<PathBuf>,
    /// Keep the last complete device list, to show it at once on the next start (default
    /// true).
    pub inventory_cache: Option<bool>,
    /// Ring the bell and send a desktop notification when the end user joins a session, a
    /// supporter connects or it closes (default true).
    pub notifications: Option<bool>,
    /// Every session must name the ticket it answers (default false).
    pub ticket_required: Option<bool>,
    /// TeamViewer group id (`g…`) for direct sessions; wins over the name.
    pub teamviewer_group_id: Option<String>,
    /// TeamViewer group name for direct sessions (default `Intune`; user-level tokens only).
    pub teamviewer_group_name: Option<String>,
    /// The tenant profile used when none is named (default: the first by name).
    pub default_profile: Option<String>,
    /// Named tenant profiles: each a table of the keys above, over the top level's.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tenants: std::collections::BTreeMap<String, FileConfig>,
}

/// The effective configuration.
#[derive(Clone)]
pub struct Config {
    pub graph_url: Url,
    pub login_url: Url,
    pub teamviewer_url: Url,
    pub tenant: String,
    pub client_id: Option<String>,
    pub devices_api: ApiVersion,
    pub secret_store: StorePreference,
    /// A Graph bearer token used as given; nothing is stored.
    pub graph_token: Option<SecretString>,
    /// A TeamViewer bearer token used as given; nothing is stored.
    pub teamviewer_token: Option<SecretString>,
    pub teamviewer_oauth: Option<TeamViewerOAuthApp>,
    /// TeamViewer's sign-in root; the authorize page is `{root}/oauth2/authorize`.
    pub teamviewer_login_url: Url,
    /// The redirect URI registered with the TeamViewer OAuth app; the sign-in listens on it.
    pub teamviewer_redirect_uri: Url,
    pub request_timeout: Duration,
    /// Where the configuration was read from, if a file was.
    pub source: Option<PathBuf>,
    /// The audit trail file; `None` keeps the trail in memory (demo, simulator).
    pub audit_log: Option<PathBuf>,
    /// Where the device inventory is cached; `None` turns the cache off.
    pub inventory_dir: Option<PathBuf>,
    /// Whether sessions that move ring the bell and send a desktop notification.
    pub notifications: bool,
    /// Whether every session must name the ticket it answers.
    pub ticket_required: bool,
    /// Where direct TeamViewer sessions are filed.
    pub session_group: crate::assist::SessionGroup,
    /// The tenant profile this is, when the file has profiles.
    pub profile: Option<String>,
    /// Every profile of the file, to switch to another.
    pub profiles: Option<std::sync::Arc<crate::config::profiles::Profiles>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("graph_url", &self.graph_url.as_str())
            .field("login_url", &self.login_url.as_str())
            .field("teamviewer_url", &self.teamviewer_url.as_str())
            .field("profile", &self.profile)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("graph_token", &self.graph_token.as_ref().map(|_| "<set>"))
            .field(
                "teamviewer_token",
                &self.teamviewer_token.as_ref().map(|_| "<set>"),
            )
            .finish_non_exhaustive()
    }
}

/// A configuration problem, said in one line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The defaults, as a commented TOML file.
pub const DEFAULT_CONFIG: &str = r#"# intune-assist configuration: $XDG_CONFIG_HOME/intune-assist/config.toml
# Environment variables override these (INTUNE_ASSIST_GRAPH_URL, ...).

# Service roots. Change them for sovereign clouds, or point them at `intune-assist sim serve`.
graph_url = "https://graph.microsoft.com"
login_url = "https://login.microsoftonline.com"
teamviewer_url = "https://webapi.teamviewer.com"

# Tenant id or domain; "organizations" signs in to any work or school tenant.
tenant = "organizations"

# The client id of your app registration (a public client; see the README).
# client_id = "00000000-0000-0000-0000-000000000000"

# Graph version for the device list: "beta" tells HoloLens, Surface Hub and Windows 10 S
# apart (deviceType, skuNumber); "v1.0" recognises HoloLens and Surface Hub by model only.
devices_api = "beta"

# Where tokens are kept: "auto" (the platform's keyring), "secret-service", "keyutils",
# "keychain" (macOS), "windows-credential-manager" or "memory".
secret_store = "auto"

# TeamViewer OAuth app (optional; a script token works without one). The secret is read from
# INTUNE_ASSIST_TEAMVIEWER_CLIENT_SECRET. Register the redirect URI below with the app exactly:
# TeamViewer sends the browser back only to the registered one.
# teamviewer_client_id = "12345-AbCdEf"
# teamviewer_redirect_uri = "http://127.0.0.1:8765/callback"
teamviewer_login_url = "https://login.teamviewer.com"

request_timeout_secs = 30

# The audit trail of every change (sessions, connector), as JSON lines. Default: audit.jsonl
# in the state directory ($XDG_STATE_HOME/intune-assist). INTUNE_ASSIST_AUDIT_LOG overrides it.
# audit_log = "/var/log/intune-assist/audit.jsonl"

# Keep the last complete device list (device and user names) in the cache directory, so the
# next start shows it at once while it is refreshed. --no-cache turns it off for one run.
# inventory_cache = true

# Ring the bell and send a desktop notification (OSC 9 and OSC 777, which most terminals show)
# when the end user joins a session, a supporter connects or the session closes. --quiet turns
# it off for one run.
# notifications = true

# Every session must name the ticket it answers (`session new --ticket REF`, or the ticket line
# of the New Remote Assistance Session blade), for helpdesks whose process demands it.
# ticket_required = false

# The TeamViewer group that direct sessions (userless devices) are filed in: a group id works
# with every token; a group name only with user-level tokens.
# teamviewer_group_id = "g123456789"
# teamviewer_group_name = "Intune"
"#;

impl Config {
    /// The US government cloud this configuration points at, where Microsoft does not offer
    /// the TeamViewer connector (GCC High, DoD): told apart by the Graph root.
    pub fn us_government_cloud(&self) -> Option<&'static str> {
        match self.graph_url.host_str()?.to_ascii_lowercase().as_str() {
            "graph.microsoft.us" => Some("GCC High"),
            "dod-graph.microsoft.us" => Some("DoD"),
            _ => None,
        }
    }

    /// How the header names this configuration: the profile and its tenant, or the tenant.
    pub fn label(&self) -> String {
        match &self.profile {
            Some(profile) => format!("{profile} · {}", self.tenant),
            None => self.tenant.clone(),
        }
    }

    /// The default configuration file path.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "intune-assist")
            .map(|d| d.config_dir().join("config.toml"))
    }

    /// Loads the file at `path` (or the default path, if it exists), then applies `env`;
    /// `profile` (or the environment, or the file's default) selects a tenant profile.
    pub fn load(
        path: Option<&Path>,
        env: &HashMap<String, String>,
        profile: Option<&str>,
    ) -> Result<Config, ConfigError> {
        let profiles = std::sync::Arc::new(Self::load_profiles(path, env)?);
        let selected = profiles.select(profile)?;
        profiles.resolve(selected.as_deref())
    }

    /// Reads the file's tenant profiles (none when it has no `[tenants.NAME]` tables).
    pub fn load_profiles(
        path: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<crate::config::profiles::Profiles, ConfigError> {
        let (file, source) = match path {
            Some(path) => (read_file(path)?, Some(path.to_path_buf())),
            None => match Self::default_path().filter(|p| p.exists()) {
                Some(path) => (read_file(&path)?, Some(path)),
                None => (FileConfig::default(), None),
            },
        };
        crate::config::profiles::Profiles::new(file, source, env)
    }

    /// Combines the file's values with the environment's and the defaults.
    pub fn resolve(
        file: FileConfig,
        source: Option<PathBuf>,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let var = |name: &str| env.get(name).filter(|v| !v.trim().is_empty()).cloned();
        let url = |env_name: &str, key: &str, file_value: Option<String>, default: &str| {
            let (value, origin) = match var(env_name) {
                Some(v) => (v, env_name.to_string()),
                None => match file_value {
                    Some(v) => (v, format!("`{key}` in {}", source_name(source.as_deref()))),
                    None => (default.to_string(), "the default".to_string()),
                },
            };
            parse_service_url(&value).map_err(|why| ConfigError(format!("{origin}: {why}")))
        };
        let timeout = file.request_timeout_secs.unwrap_or(30);
        if timeout == 0 {
            return Err(ConfigError(format!(
                "`request_timeout_secs` in {}: must be at least 1",
                source_name(source.as_deref())
            )));
        }
        let secret = |name: &str| var(name).map(SecretString::from);
        let teamviewer_oauth = match (
            var("INTUNE_ASSIST_TEAMVIEWER_CLIENT_ID").or(file.teamviewer_client_id),
            secret("INTUNE_ASSIST_TEAMVIEWER_CLIENT_SECRET"),
        ) {
            (Some(client_id), Some(client_secret)) => Some(TeamViewerOAuthApp {
                client_id,
                client_secret,
            }),
            _ => None,
        };
        Ok(Config {
            graph_url: url(
                "INTUNE_ASSIST_GRAPH_URL",
                "graph_url",
                file.graph_url,
                "https://graph.microsoft.com",
            )?,
            login_url: url(
                "INTUNE_ASSIST_LOGIN_URL",
                "login_url",
                file.login_url,
                "https://login.microsoftonline.com",
            )?,
            teamviewer_url: url(
                "INTUNE_ASSIST_TEAMVIEWER_URL",
                "teamviewer_url",
                file.teamviewer_url,
                "https://webapi.teamviewer.com",
            )?,
            tenant: var("INTUNE_ASSIST_TENANT")
                .or(file.tenant)
                .unwrap_or_else(|| "organizations".into()),
            client_id: var("INTUNE_ASSIST_CLIENT_ID").or(file.client_id),
            devices_api: file.devices_api.unwrap_or(ApiVersion::Beta),
            secret_store: match var("INTUNE_ASSIST_SECRET_STORE") {
                Some(v) => {
                    serde_json::from_value(serde_json::Value::String(v.clone())).map_err(|_| {
                        ConfigError(format!(
                            "INTUNE_ASSIST_SECRET_STORE: `{v}` is not one of {}",
                            crate::auth::store::StorePreference::NAMES.join(", ")
                        ))
                    })?
                }
                None => file.secret_store.unwrap_or_default(),
            },
            graph_token: secret("INTUNE_ASSIST_GRAPH_TOKEN"),
            teamviewer_token: secret("INTUNE_ASSIST_TEAMVIEWER_TOKEN"),
            teamviewer_oauth,
            teamviewer_login_url: url(
                "INTUNE_ASSIST_TEAMVIEWER_LOGIN_URL",
                "teamviewer_login_url",
                file.teamviewer_login_url,
                DEFAULT_TEAMVIEWER_LOGIN_URL,
            )?,
            teamviewer_redirect_uri: redirect_uri(
                var("INTUNE_ASSIST_TEAMVIEWER_REDIRECT_URI")
                    .or(file.teamviewer_redirect_uri)
                    .as_deref()
                    .unwrap_or(DEFAULT_TEAMVIEWER_REDIRECT_URI),
            )?,
            request_timeout: Duration::from_secs(timeout),
            source,
            audit_log: var("INTUNE_ASSIST_AUDIT_LOG")
                .map(PathBuf::from)
                .or(file.audit_log)
                .or_else(crate::audit::default_path),
            notifications: file.notifications.unwrap_or(true),
            ticket_required: file.ticket_required.unwrap_or(false),
            inventory_dir: if file.inventory_cache.unwrap_or(true) {
                var("INTUNE_ASSIST_CACHE_DIR")
                    .map(PathBuf::from)
                    .or_else(crate::inventory::default_dir)
            } else {
                None
            },
            session_group: crate::assist::SessionGroup {
                id: file.teamviewer_group_id.filter(|g| !g.trim().is_empty()),
                name: file
                    .teamviewer_group_name
                    .filter(|g| !g.trim().is_empty())
                    .unwrap_or_else(|| crate::assist::SessionGroup::default().name),
            },
            profile: None,
            profiles: None,
        })
    }
}

/// TeamViewer's OAuth sign-in root.
pub const DEFAULT_TEAMVIEWER_LOGIN_URL: &str = "https://login.teamviewer.com";
/// The redirect URI to register with a TeamViewer OAuth app, unless configured otherwise.
pub const DEFAULT_TEAMVIEWER_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

/// The OAuth redirect must come back to this machine: http on a loopback address, with a
/// port (the one registered with the app).
fn redirect_uri(value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| {
        ConfigError(format!(
            "teamviewer_redirect_uri: `{value}` is not a URL ({e})"
        ))
    })?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() != "http" || !loopback || url.port().is_none_or(|p| p == 0) {
        return Err(ConfigError(format!(
            "teamviewer_redirect_uri: `{value}` must be http://127.0.0.1:PORT/… (a loopback address with the port registered with the TeamViewer app)"
        )));
    }
    Ok(url)
}

fn source_name(source: Option<&Path>) -> String {
    source.map_or_else(
        || "the configuration".to_string(),
        |p| p.display().to_string(),
    )
}

/// Service roots must be https, except on loopback (the simulator).
fn parse_service_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("`{value}` is not a URL ({e})"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(format!(
            "`{value}` must be an https:// URL (http:// is allowed on loopback only: 127.0.0.1, localhost, [::1])"
        )),
    }
}

/// Reads and parses a config file; errors name the file, line and key.
fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "{}: cannot read the configuration: {e}",
            path.display()
        ))
    })?;
    parse_file(&text, path)
}

/// Parses config text; `path` is for messages.
pub fn parse_file(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let (line, key) = match e.span() {
            Some(span) => {
                let line_no = text[..span.start.min(text.len())].matches('\n').count() + 1;
                let line_text = text.lines().nth(line_no - 1).unwrap_or("");
                let key = line_text
                    .split_once('=')
                    .map(|(k, _)| k.trim().trim_matches('"').to_string())
                    .filter(|k| !k.is_empty() && !k.starts_with('['));
                (Some(line_no), key)
            }
            None => (None, None),
        };
        let message = e.message().replace('\n', " ");
        let mut where_ = path.display().to_string();
        if let Some(line) = line {
            where_.push_str(&format!(" line {line}"));
        }
        if let Some(key) = key {
            where_.push_str(&format!(" (key `{key}`)"));
        }
        ConfigError(format!("{where_}: {message}"))
    })
}

/// The process environment, for [`Config::load`].
pub fn process_env() -> HashMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("INTUNE_ASSIST_"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_public_clouds() {
        let config = Config::resolve(FileConfig::default(), None, &env(&[])).unwrap();
        assert_eq!(config.graph_url.as_str(), "https://graph.microsoft.com/");
        assert_eq!(config.tenant, "organizations");
        assert_eq!(config.devices_api, ApiVersion::Beta);
        assert!(config.graph_token.is_none());
    }

    #[test]
    fn service_roots_are_https_except_on_loopback() {
        for ok in [
            "https://graph.microsoft.us",
            "http://127.0.0.1:8080/graph",
            "http://localhost:8080/graph",
            "http://[::1]:8080/graph",
        ] {
            let config = Config::resolve(
                FileConfig::default(),
                None,
                &env(&[("INTUNE_ASSIST_GRAPH_URL", ok)]),
            );
            assert!(config.is_ok(), "{ok} refused");
        }
        for bad in [
            "http://graph.microsoft.com",
            "http://10.0.0.1/graph",
            "ftp://127.0.0.1/graph",
        ] {
            let error = Config::resolve(
                FileConfig::default(),
                None,
                &env(&[("INTUNE_ASSIST_GRAPH_URL", bad)]),
            )
            .err()
            .unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(error.0.contains("must be an https:// URL"), "{}", error.0);
        }
    }

    #[test]
    fn the_teamviewer_redirect_uri_is_fixed_and_on_loopback() {
        let config = Config::resolve(FileConfig::default(), None, &env(&[])).unwrap();
        assert_eq!(
            config.teamviewer_redirect_uri.as_str(),
            DEFAULT_TEAMVIEWER_REDIRECT_URI
        );
        assert_eq!(
            config.teamviewer_login_url.as_str(),
            "https://login.teamviewer.com/"
        );
        let chosen = env(&[(
            "INTUNE_ASSIST_TEAMVIEWER_REDIRECT_URI",
            "http://localhost:9000/tv",
        )]);
        let config = Config::resolve(FileConfig::default(), None, &chosen).unwrap();
        assert_eq!(config.teamviewer_redirect_uri.port(), Some(9000));
        for bad in [
            "https://127.0.0.1:9000/cb",
            "http://example.com:9000/cb",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:0/cb",
            "not a url",
        ] {
            let file = FileConfig {
                teamviewer_redirect_uri: Some(bad.into()),
                ..FileConfig::default()
            };
            let error = Config::resolve(file, None, &env(&[])).err();
            assert!(
                error.is_some_and(|e| e.0.contains("teamviewer_redirect_uri")),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn the_default_file_parses_to_the_defaults() {
        let file = parse_file(DEFAULT_CONFIG, Path::new("default.toml")).unwrap();
        let config = Config::resolve(file, None, &env(&[])).unwrap();
        assert_eq!(
            config.login_url.as_str(),
            "https://login.microsoftonline.com/"
        );
    }

    #[test]
    fn environment_wins_over_the_file() {
        let file = FileConfig {
            graph_url: Some("https://graph.microsoft.us".into()),
            tenant: Some("fabrikam.com".into()),
            ..FileConfig::default()
        };
        let config = Config::resolve(
            file,
            None,
            &env(&[
                ("INTUNE_ASSIST_GRAPH_URL", "http://127.0.0.1:9/graph"),
                ("INTUNE_ASSIST_GRAPH_TOKEN", "t"),
            ]),
        )
        .unwrap();
        assert_eq!(config.graph_url.as_str(), "http://127.0.0.1:9/graph");
        assert_eq!(config.tenant, "fabrikam.com");
        assert!(config.graph_token.is_some());
    }

    #[test]
    fn bad_files_name_the_file_line_and_key() {
        let text = "tenant = \"x\"\ngraph_url = 5\n";
        let error = parse_file(text, Path::new("/etc/ia.toml")).unwrap_err().0;
        assert!(
            error.starts_with("/etc/ia.toml line 2 (key `graph_url`):"),
            "{error}"
        );
        assert!(!error.contains('\n'));
        let error = parse_file("tennant = \"x\"\n", Path::new("c.toml"))
            .unwrap_err()
            .0;
        assert!(
            error.contains("line 1") && error.contains("tennant"),
            "{error}"
        );
        let error = parse_file("devices_api = \"v2\"\n", Path::new("c.toml"))
            .unwrap_err()
            .0;
        assert!(error.contains("devices_api"), "{error}");
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        let file = FileConfig {
            graph_url: Some("http://graph.example.com".into()),
            ..FileConfig::default()
        };
        let error = Config::resolve(file, Some(PathBuf::from("c.toml")), &env(&[]))
            .unwrap_err()
            .0;
        assert!(
            error.contains("`graph_url` in c.toml") && error.contains("https://"),
            "{error}"
        );
    }
}
