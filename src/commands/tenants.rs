//! `tenants` and `logout --all`: the configuration's tenant profiles, who is signed in to
//! each, and signing out of every one.

use serde::Serialize;

use super::output::{Output, table};
use super::{CommandError, exit};
use crate::auth::teamviewer::TeamViewerSignIn;
use crate::domain::Account;
use crate::services::Services;

/// One profile as `tenants` lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileRow {
    /// `None` when the configuration has no profiles.
    profile: Option<String>,
    /// The profile this run selected.
    selected: bool,
    /// The profile used when none is named.
    default: bool,
    tenant: String,
    graph_url: String,
    microsoft: Option<Account>,
    /// A Graph token from INTUNE_ASSIST_GRAPH_TOKEN, which every profile uses.
    graph_token_from_environment: bool,
    teamviewer: Option<TeamViewerSignIn>,
}

/// The services of every profile (or the one configuration, when there are none).
fn every_profile(services: &Services) -> Result<Vec<Services>, CommandError> {
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
                services.for_profile(name).map_err(|e| CommandError {
                    code: exit::FAILURE,
                    message: e.0,
                })
            }
        })
        .collect()
}

async fn row(of: &Services, selected: &Services) -> Result<ProfileRow, CommandError> {
    let microsoft = match &of.microsoft {
        Some(auth) => auth.account().await?,
        None => None,
    };
    let default = of
        .config
        .profiles
        .as_ref()
        .and_then(|p| p.default_name().map(str::to_string));
    Ok(ProfileRow {
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

pub(super) async fn tenants(services: &Services, out: &mut Output<'_>) -> Result<(), CommandError> {
    let mut rows = Vec::new();
    for profile in every_profile(services)? {
        rows.push(row(&profile, services).await?);
    }
    if out.json {
        out.json(&rows);
        return Ok(());
    }
    if rows.iter().all(|r| r.profile.is_none()) {
        out.note(
            "No tenant profiles: add a [tenants.NAME] table to the configuration for each \
             organisation (see the README). The configuration as it is:",
        );
    }
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut name = r.profile.clone().unwrap_or_else(|| "(none)".into());
            if r.default {
                name.push_str(" (default)");
            }
            vec![
                if r.selected { "*".into() } else { String::new() },
                name,
                r.tenant.clone(),
                match (&r.microsoft, r.graph_token_from_environment) {
                    (_, true) => "token from the environment".into(),
                    (Some(account), false) => account.username.clone(),
                    (None, false) => "not signed in".into(),
                },
                match r.teamviewer {
                    Some(TeamViewerSignIn::ScriptToken) => "script token".into(),
                    Some(TeamViewerSignIn::OAuth) => "OAuth".into(),
                    None => "not signed in".into(),
                },
            ]
        })
        .collect();
    for line in table(
        &[
            ("", 1),
            ("PROFILE", 22),
            ("TENANT", 32),
            ("MICROSOFT", 34),
            ("TEAMVIEWER", 14),
        ],
        &lines,
    ) {
        out.line(line);
    }
    Ok(())
}

pub(super) async fn logout_all(
    services: &Services,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let mut signed_out = Vec::new();
    for profile in every_profile(services)? {
        let mut quiet = Output {
            out: &mut std::io::sink(),
            err: &mut std::io::sink(),
            json: false,
        };
        super::login::logout(&profile, &mut quiet).await?;
        signed_out.push(profile.config.profile.clone());
    }
    if out.json {
        out.json(&serde_json::json!({"signedOut": signed_out}));
    } else {
        let names: Vec<String> = signed_out
            .iter()
            .map(|p| p.clone().unwrap_or_else(|| "the configuration".into()))
            .collect();
        out.line(format!(
            "Signed out of {}; stored tokens and cached device lists were removed.",
            names.join(", ")
        ));
    }
    Ok(())
}
