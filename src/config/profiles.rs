//! Named tenant profiles: `[tenants.NAME]` tables in the configuration, for helpdesks serving
//! more than one organisation. Each profile takes the top-level keys as its defaults and
//! overrides any of them; one is selected by `--tenant NAME`, `INTUNE_ASSIST_TENANT_PROFILE`,
//! `default_profile`, or else the first by name. Without profiles the top level is the
//! configuration, as it always was.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Config, ConfigError, FileConfig};

/// The environment variable that selects a profile.
pub const PROFILE_ENV: &str = "INTUNE_ASSIST_TENANT_PROFILE";

/// The configuration file's profiles, able to resolve any of them.
#[derive(Clone, Debug, Default)]
pub struct Profiles {
    /// The top-level keys: every profile's defaults.
    base: FileConfig,
    tenants: BTreeMap<String, FileConfig>,
    default: Option<String>,
    source: Option<PathBuf>,
    env: HashMap<String, String>,
}

impl Profiles {
    /// Splits a parsed file into its defaults and its profiles.
    pub fn new(
        mut file: FileConfig,
        source: Option<PathBuf>,
        env: &HashMap<String, String>,
    ) -> Result<Profiles, ConfigError> {
        let tenants = std::mem::take(&mut file.tenants);
        let place = source
            .as_deref()
            .map_or_else(|| "the configuration".into(), |p| p.display().to_string());
        for (name, profile) in &tenants {
            if !valid_name(name) {
                return Err(ConfigError(format!(
                    "{place}: [tenants.{name}]: a profile name is letters, digits, `-` and `_`"
                )));
            }
            if !profile.tenants.is_empty() || profile.default_profile.is_some() {
                return Err(ConfigError(format!(
                    "{place}: [tenants.{name}]: profiles do not nest; `tenants` and \
                     `default_profile` belong at the top level"
                )));
            }
        }
        let default = file.default_profile.take();
        if let Some(default) = default.as_ref().filter(|d| !tenants.contains_key(*d)) {
            return Err(ConfigError(format!(
                "{place}: default_profile = \"{default}\" names no [tenants.{default}] table"
            )));
        }
        Ok(Profiles {
            base: file,
            tenants,
            default,
            source,
            env: env.clone(),
        })
    }

    /// The profile names, in order.
    pub fn names(&self) -> Vec<String> {
        self.tenants.keys().cloned().collect()
    }

    /// Whether the file has any profiles.
    pub fn is_empty(&self) -> bool {
        self.tenants.is_empty()
    }

    /// The profile used when none is asked for: `default_profile`, else the first by name.
    pub fn default_name(&self) -> Option<&str> {
        self.default
            .as_deref()
            .or_else(|| self.tenants.keys().next().map(String::as_str))
    }

    /// Which profile `asked` (from `--tenant`) or the environment selects; `None` when the
    /// file has no profiles and none was asked for.
    pub fn select(&self, asked: Option<&str>) -> Result<Option<String>, ConfigError> {
        let asked = asked.map(str::to_string).or_else(|| {
            self.env
                .get(PROFILE_ENV)
                .filter(|v| !v.trim().is_empty())
                .cloned()
        });
        match asked {
            Some(name) if self.tenants.contains_key(name.trim()) => Ok(Some(name.trim().into())),
            Some(name) => Err(ConfigError(if self.tenants.is_empty() {
                format!(
                    "there is no tenant profile `{}`: the configuration has no [tenants.NAME] tables",
                    crate::domain::text::sanitize(&name)
                )
            } else {
                format!(
                    "there is no tenant profile `{}`; the configuration has {}",
                    crate::domain::text::sanitize(&name),
                    self.names().join(", ")
                )
            })),
            None => Ok(self.default_name().map(str::to_string)),
        }
    }

    /// The configuration of profile `name` (`None`: the top level, when there are no
    /// profiles).
    pub fn resolve(self: &Arc<Self>, name: Option<&str>) -> Result<Config, ConfigError> {
        let file = match name {
            None => self.base.clone(),
            Some(name) => {
                let profile = self
                    .tenants
                    .get(name)
                    .ok_or_else(|| ConfigError(format!("there is no tenant profile `{name}`")))?;
                overlay(&self.base, profile)
            }
        };
        let mut config =
            Config::resolve(file, self.source.clone(), &self.env).map_err(|e| match name {
                Some(name) => ConfigError(format!("tenant profile `{name}`: {}", e.0)),
                None => e,
            })?;
        config.profile = name.map(str::to_string);
        config.profiles = Some(self.clone());
        Ok(config)
    }

    /// Where the profiles were read from.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A profile's keys over the top level's.
fn overlay(base: &FileConfig, profile: &FileConfig) -> FileConfig {
    let profile = profile.clone();
    let base = base.clone();
    FileConfig {
        graph_url: profile.graph_url.or(base.graph_url),
        login_url: profile.login_url.or(base.login_url),
        teamviewer_url: profile.teamviewer_url.or(base.teamviewer_url),
        tenant: profile.tenant.or(base.tenant),
        client_id: profile.client_id.or(base.client_id),
        devices_api: profile.devices_api.or(base.devices_api),
        secret_store: profile.secret_store.or(base.secret_store),
        teamviewer_client_id: profile.teamviewer_client_id.or(base.teamviewer_client_id),
        teamviewer_login_url: profile.teamviewer_login_url.or(base.teamviewer_login_url),
        teamviewer_redirect_uri: profile
            .teamviewer_redirect_uri
            .or(base.teamviewer_redirect_uri),
        request_timeout_secs: profile.request_timeout_secs.or(base.request_timeout_secs),
        audit_log: profile.audit_log.or(base.audit_log),
        inventory_cache: profile.inventory_cache.or(base.inventory_cache),
        notifications: profile.notifications.or(base.notifications),
        ticket_required: profile.ticket_required.or(base.ticket_required),
        teamviewer_group_id: profile.teamviewer_group_id.or(base.teamviewer_group_id),
        teamviewer_group_name: profile.teamviewer_group_name.or(base.teamviewer_group_name),
        default_profile: None,
        tenants: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_file;
    use super::*;

    const TWO: &str = r#"
client_id = "shared-app"
request_timeout_secs = 10

[tenants.contoso]
tenant = "contoso.onmicrosoft.com"

[tenants.fabrikam]
tenant = "fabrikam.com"
client_id = "fabrikam-app"
graph_url = "https://graph.microsoft.us"
"#;

    fn profiles(text: &str, env: &[(&str, &str)]) -> Result<Arc<Profiles>, ConfigError> {
        let file = parse_file(text, Path::new("c.toml"))?;
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Profiles::new(file, Some(PathBuf::from("c.toml")), &env).map(Arc::new)
    }

    #[test]
    fn a_profile_overrides_the_top_level_and_keeps_the_rest() {
        let p = profiles(TWO, &[]).unwrap();
        assert_eq!(p.names(), ["contoso", "fabrikam"]);
        let fabrikam = p.resolve(Some("fabrikam")).unwrap();
        assert_eq!(fabrikam.tenant, "fabrikam.com");
        assert_eq!(fabrikam.client_id.as_deref(), Some("fabrikam-app"));
        assert_eq!(fabrikam.graph_url.as_str(), "https://graph.microsoft.us/");
        assert_eq!(fabrikam.request_timeout.as_secs(), 10);
        assert_eq!(fabrikam.profile.as_deref(), Some("fabrikam"));
        let contoso = p.resolve(Some("contoso")).unwrap();
        assert_eq!(contoso.client_id.as_deref(), Some("shared-app"));
        assert_eq!(contoso.graph_url.as_str(), "https://graph.microsoft.com/");
    }

    #[test]
    fn the_flag_then_the_environment_then_the_default_selects() {
        let p = profiles(TWO, &[(PROFILE_ENV, "fabrikam")]).unwrap();
        assert_eq!(
            p.select(Some("contoso")).unwrap().as_deref(),
            Some("contoso")
        );
        assert_eq!(p.select(None).unwrap().as_deref(), Some("fabrikam"));
        let p = profiles(TWO, &[]).unwrap();
        assert_eq!(
            p.select(None).unwrap().as_deref(),
            Some("contoso"),
            "first by name"
        );
        let chosen = format!("default_profile = \"fabrikam\"\n{TWO}");
        let p = profiles(&chosen, &[]).unwrap();
        assert_eq!(p.select(None).unwrap().as_deref(), Some("fabrikam"));
    }

    #[test]
    fn without_profiles_the_top_level_is_the_configuration() {
        let p = profiles("tenant = \"contoso.com\"\n", &[]).unwrap();
        assert!(p.is_empty());
        assert_eq!(p.select(None).unwrap(), None);
        let config = p.resolve(None).unwrap();
        assert_eq!(config.tenant, "contoso.com");
        assert_eq!(config.profile, None);
        let error = p.select(Some("contoso")).unwrap_err().0;
        assert!(error.contains("no [tenants.NAME] tables"), "{error}");
    }

    #[test]
    fn mistakes_are_named() {
        let p = profiles(TWO, &[]).unwrap();
        let error = p.select(Some("northwind")).unwrap_err().0;
        assert!(
            error.contains("northwind") && error.contains("contoso, fabrikam"),
            "{error}"
        );
        let nested = "[tenants.a]\n[tenants.a.tenants.b]\ntenant = \"x\"\n";
        assert!(profiles(nested, &[]).unwrap_err().0.contains("do not nest"));
        let missing = format!("default_profile = \"northwind\"\n{TWO}");
        assert!(profiles(&missing, &[]).unwrap_err().0.contains("northwind"));
        let bad = "[tenants.\"a b\"]\ntenant = \"x\"\n";
        assert!(profiles(bad, &[]).unwrap_err().0.contains("profile name"));
        let wrong = "[tenants.a]\ngraph_url = \"http://example.com\"\n";
        let error = profiles(wrong, &[])
            .unwrap()
            .resolve(Some("a"))
            .unwrap_err()
            .0;
        assert!(error.starts_with("tenant profile `a`:"), "{error}");
    }
}
