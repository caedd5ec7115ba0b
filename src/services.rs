//! Wires configuration into clients: one HTTP client, the token providers, Graph and TeamViewer.

use std::sync::Arc;

use crate::assist::{Polling, SessionStarter};
use crate::audit::{AuditError, AuditLog, Entry};
use crate::auth::microsoft::{MicrosoftAuth, MicrosoftSettings};
use crate::auth::store::SecretStore;
use crate::auth::teamviewer::{TeamViewerAuth, TeamViewerSettings};
use crate::auth::{NoToken, StaticToken, Tokens};
use crate::clock::Clock;
use crate::config::Config;
use crate::graph::GraphClient;
use crate::http::{ApiError, ErrorKind, Http, HttpSettings, Service};
use crate::teamviewer::TeamViewerClient;

/// Everything that talks to the services.
#[derive(Clone)]
pub struct Services {
    pub config: Config,
    pub http: Http,
    pub store: SecretStore,
    /// Microsoft sign-in; `None` when no client id is configured.
    pub microsoft: Option<Arc<MicrosoftAuth>>,
    pub teamviewer_auth: Arc<TeamViewerAuth>,
    pub graph: GraphClient,
    pub teamviewer: TeamViewerClient,
    /// Where changes are recorded.
    pub audit: AuditLog,
}

impl Services {
    /// Builds the clients for `config`, keeping secrets in `store`.
    pub fn new(
        config: Config,
        store: SecretStore,
        http_settings: HttpSettings,
    ) -> Result<Self, ApiError> {
        let http = Http::new(HttpSettings {
            timeout: config.request_timeout,
            ..http_settings
        })?;
        Ok(Self::with_http(config, store, http))
    }

    /// The services of tenant profile `name` of the same configuration, sharing this one's
    /// HTTP client (and its health events) and, when the profile keeps its secrets in the
    /// same kind of store, this one's store.
    pub fn for_profile(&self, name: &str) -> Result<Services, crate::config::ConfigError> {
        let profiles = self.config.profiles.as_ref().ok_or_else(|| {
            crate::config::ConfigError("the configuration has no tenant profiles".into())
        })?;
        let mut config = profiles.resolve(Some(name))?;
        if self.config.inventory_dir.is_none() {
            config.inventory_dir = None;
        }
        let store = if config.secret_store == self.config.secret_store {
            self.store.clone()
        } else {
            SecretStore::open(config.secret_store)
        };
        Ok(Self::with_http(config, store, self.http.clone()))
    }

    /// Builds the clients for `config` on an existing HTTP client.
    pub fn with_http(config: Config, store: SecretStore, http: Http) -> Self {
        let microsoft = config.client_id.clone().map(|client_id| {
            Arc::new(MicrosoftAuth::new(
                MicrosoftSettings {
                    login_url: config.login_url.clone(),
                    tenant: config.tenant.clone(),
                    client_id,
                    graph_url: config.graph_url.clone(),
                    profile: config.profile.clone(),
                },
                http.clone(),
                store.clone(),
            ))
        });
        // A token given as is serves every call; a sign-in redeems the sync permission's own.
        let privileged_tokens: Option<Tokens> = match (&config.graph_token, &microsoft) {
            (None, Some(auth)) => Some(Arc::new(
                crate::auth::permission_tokens::PermissionTokens::new(
                    auth.clone(),
                    crate::auth::SYNC_PERMISSION,
                ),
            )),
            _ => None,
        };
        let graph_tokens: Tokens = match (&config.graph_token, &microsoft) {
            (Some(token), _) => StaticToken::shared(token.clone()),
            (None, Some(auth)) => auth.clone(),
            (None, None) => NoToken::shared(
                Service::SignIn,
                "no app registration is configured (set INTUNE_ASSIST_CLIENT_ID or client_id; see the README)",
            ),
        };
        let teamviewer_auth = Arc::new(TeamViewerAuth::new(
            TeamViewerSettings {
                api_url: config.teamviewer_url.clone(),
                login_url: config.teamviewer_login_url.clone(),
                redirect_uri: config.teamviewer_redirect_uri.clone(),
                oauth: config.teamviewer_oauth.clone(),
                profile: config.profile.clone(),
            },
            http.clone(),
            store.clone(),
        ));
        let teamviewer_tokens: Tokens = match &config.teamviewer_token {
            Some(token) => StaticToken::shared(token.clone()),
            None => teamviewer_auth.clone(),
        };
        let audit = match &config.audit_log {
            Some(path) => AuditLog::File(path.clone()),
            None => AuditLog::memory(),
        };
        Services {
            audit,
            graph: {
                let graph = GraphClient::new(
                    http.clone(),
                    config.graph_url.clone(),
                    config.devices_api,
                    graph_tokens,
                );
                match privileged_tokens {
                    Some(tokens) => graph.with_privileged_tokens(tokens),
                    None => graph,
                }
            },
            teamviewer: TeamViewerClient::new(
                http.clone(),
                config.teamviewer_url.clone(),
                teamviewer_tokens,
            ),
            config,
            http,
            store,
            microsoft,
            teamviewer_auth,
        }
    }

    /// A configuration that points every service at a simulator's endpoints.
    pub fn config_for(
        endpoints: &crate::sim::SimEndpoints,
    ) -> Result<Config, crate::config::ConfigError> {
        let env = [
            ("INTUNE_ASSIST_GRAPH_URL", endpoints.graph_url.as_str()),
            ("INTUNE_ASSIST_LOGIN_URL", endpoints.login_url.as_str()),
            (
                "INTUNE_ASSIST_TEAMVIEWER_URL",
                endpoints.teamviewer_url.as_str(),
            ),
            (
                "INTUNE_ASSIST_TEAMVIEWER_LOGIN_URL",
                endpoints.teamviewer_login_url.as_str(),
            ),
            ("INTUNE_ASSIST_TENANT", "contoso.onmicrosoft.com"),
            ("INTUNE_ASSIST_CLIENT_ID", "intune-assist-demo"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut config = Config::resolve(crate::config::FileConfig::default(), None, &env)?;
        // Simulated changes stay out of the admin's real audit trail, and a simulated
        // inventory out of the real cache.
        config.audit_log = None;
        config.inventory_dir = None;
        Ok(config)
    }

    /// Starts sessions with these clients and the configured TeamViewer group.
    pub fn session_starter<'a>(
        &'a self,
        polling: &'a Polling,
        clock: &'a Clock,
    ) -> SessionStarter<'a> {
        SessionStarter {
            graph: &self.graph,
            teamviewer: &self.teamviewer,
            group: &self.config.session_group,
            polling,
            clock,
        }
    }

    /// Enables the TeamViewer connector: begins onboarding the tenant's partner, creating one
    /// only when the tenant lists none (read again here, so a second is never made). A 403
    /// that no missing Intune permission explains names the Entra role onboarding needs when
    /// the sign-in does not say which roles it holds.
    pub async fn enable_connector(&self, partner_id: Option<String>) -> Result<(), ApiError> {
        if let Some(cloud) = self.config.us_government_cloud() {
            return Err(ApiError::new(
                Service::Graph,
                ErrorKind::NotOffered {
                    reason: format!(
                        "Microsoft does not offer the TeamViewer connector in {cloud} (this \
                         profile's Graph root, {}, is {cloud}'s); use Remote Help there",
                        self.config.graph_url.host_str().unwrap_or_default()
                    ),
                },
            ));
        }
        let result = async {
            let id = match partner_id {
                Some(id) => id,
                None => match self.graph.connector().await?.id {
                    Some(id) => id,
                    None => self.graph.create_connector().await?.id.ok_or_else(|| {
                        ApiError::malformed(
                            crate::http::Service::Graph,
                            "the new connector has no id",
                        )
                    })?,
                },
            };
            self.graph.begin_onboarding(&id).await
        }
        .await;
        match result {
            Err(mut error) if self.roles_unknown().await => {
                if let ErrorKind::Forbidden {
                    missing: None,
                    hint,
                    ..
                } = &mut error.kind
                {
                    *hint = Some(crate::graph::ONBOARDING_ROLE_HINT);
                }
                Err(error)
            }
            other => other,
        }
    }

    /// Whether the sign-in does not say which Entra roles it holds (no `wids` claim, or a
    /// token given as is).
    async fn roles_unknown(&self) -> bool {
        if self.config.graph_token.is_some() {
            return true;
        }
        match &self.microsoft {
            Some(auth) => {
                !matches!(auth.account().await, Ok(Some(account)) if account.roles.is_some())
            }
            None => true,
        }
    }

    /// The inventory cache of this tenant and the signed-in account, when the cache is on.
    pub async fn inventory(&self) -> Option<crate::inventory::Inventory> {
        let dir = self.config.inventory_dir.as_ref()?;
        let tenant = match &self.config.profile {
            Some(profile) => format!("{profile}/{}", self.config.tenant),
            None => self.config.tenant.clone(),
        };
        Some(crate::inventory::Inventory::new(
            dir,
            &tenant,
            &self.actor().await,
        ))
    }

    /// Who is acting, for the audit trail: the signed-in account, or how the app was given
    /// its token.
    pub async fn actor(&self) -> String {
        if self.config.graph_token.is_some() {
            return "token from INTUNE_ASSIST_GRAPH_TOKEN".into();
        }
        match &self.microsoft {
            Some(auth) => match auth.account().await {
                Ok(Some(account)) if !account.username.is_empty() => account.username,
                _ => "unknown account".into(),
            },
            None => "unknown account".into(),
        }
    }

    /// Records a change in the audit trail (synced to disk before this returns).
    pub async fn record(&self, mut entry: Entry) -> Result<(), AuditError> {
        entry.time = self.http.clock().wall();
        if entry.admin.is_empty() {
            entry.admin = self.actor().await;
        }
        if entry.tenant.is_empty() {
            entry.tenant = self.config.tenant.clone();
        }
        if entry.profile.is_empty() {
            entry.profile = self.config.profile.clone().unwrap_or_default();
        }
        let audit = self.audit.clone();
        tokio::task::spawn_blocking(move || audit.append(&entry))
            .await
            .map_err(|e| AuditError {
                path: std::path::PathBuf::from("(audit)"),
                error: e.to_string(),
            })?
    }

    /// Makes a change only when the audit trail can record it, then records how it went
    /// (on disk before this returns). `entry` describes the change from its result (`None` when
    /// it failed; the failure is added to the entry here). `Err` means nothing was changed.
    pub async fn audited<T, E: std::fmt::Display>(
        &self,
        entry: impl FnOnce(Option<&T>) -> Entry,
        change: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<AuditedChange<T, E>, AuditError> {
        self.audit.check_writable()?;
        let outcome = change.await;
        let entry = match &outcome {
            Ok(value) => entry(Some(value)),
            Err(e) => entry(None).failed(e),
        };
        let recorded = self.record(entry).await;
        Ok(AuditedChange { outcome, recorded })
    }
}

/// A change that was made (or tried) and how recording it went.
#[derive(Debug)]
pub struct AuditedChange<T, E> {
    /// What the change returned.
    pub outcome: Result<T, E>,
    /// Whether the audit trail holds it.
    pub recorded: Result<(), AuditError>,
}
