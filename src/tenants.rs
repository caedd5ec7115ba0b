//! The configuration's tenant profiles and who is signed in to each: for `tenants` and the
//! Tenants blade.

use serde::Serialize;

use crate::auth::teamviewer::TeamViewerSignIn;
use crate::config::ConfigError;
use crate::domain::Account;
use crate::http::ApiError;
use crate::services::Services;

/// A tenant profile and who is signed in to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSignIns {
    /// `None` when the configuration has no profiles.
    pub profile: Option<String>,
    /// The profile this run selected.
    pub selected: bool,
    /// The profile used when none is named.
    pub default: bool,
    pub tenant: String,
    pub graph_url: String,
    pub microsoft: Option<Account>,
    /// A Graph token from INTUNE_ASSIST_GRAPH_TOKEN, which every profile uses.
    pub graph_token_from_environment: bool,
    pub teamviewer: Option<TeamViewerSignIn>,
}

/// The services of every profile (or the one configuration, when there are none).
pub fn every_profile(services: &Services) -> Result<Vec<Services>, ConfigError> {
    let names = services
        .config
        .profiles
        .as_ref()
        .map(|p| p.names())
        .unwrap_or_default();
    if names.is_empty() {
        return Ok(vec![services.clone()]);
    }
    names
        .iter()
        .map(|name| {
            if services.config.profile.as_deref() == Some(name.as_str()) {
                Ok(services.clone())
            } else {
                services.for_profile(name)
            }
        })
        .collect()
}

/// Who is signed in to profile `of` (from the secret store; nothing is sent anywhere).
pub async fn sign_ins(of: &Services, selected: &Services) -> Result<ProfileSignIns, ApiError> {
    let microsoft = match &of.microsoft {
        Some(auth) => auth.account().await?,
        None => None,
    };
    let default = of
        .config
        .profiles
        .as_ref()
        .and_then(|p| p.default_name().map(str::to_string));
    Ok(ProfileSignIns {
        profile: of.config.profile.clone(),
        selected: of.config.profile == selected.config.profile,
        default: of.config.profile.is_some() && of.config.profile == default,
        tenant: of.config.tenant.clone(),
        graph_url: of.config.graph_url.to_string(),
        microsoft,
        graph_token_from_environment: of.config.graph_token.is_some(),
        teamviewer: if of.config.teamviewer_token.is_some() {
            Some(TeamViewerSignIn::ScriptToken)
        } else {
            of.teamviewer_auth.sign_in_kind().await?
        },
    })
}

/// Every profile and who is signed in to it.
pub async fn all_sign_ins(services: &Services) -> Result<Vec<ProfileSignIns>, String> {
    let mut rows = Vec::new();
    for profile in every_profile(services).map_err(|e| e.0)? {
        rows.push(
            sign_ins(&profile, services)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(rows)
}
