//! `tenants` and `logout --all`: the configuration's tenant profiles, who is signed in to
//! each, and signing out of every one.

use super::output::{Output, table};
use super::{CommandError, exit};
use crate::auth::teamviewer::TeamViewerSignIn;
use crate::services::Services;
use crate::tenants::{all_sign_ins, every_profile};

pub(super) async fn tenants(services: &Services, out: &mut Output<'_>) -> Result<(), CommandError> {
    let rows = all_sign_ins(services)
        .await
        .map_err(|message| CommandError {
            code: exit::FAILURE,
            message,
        })?;
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
                if r.selected {
                    "*".into()
                } else {
                    String::new()
                },
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
    let profiles = every_profile(services).map_err(|e| CommandError {
        code: exit::FAILURE,
        message: e.0,
    })?;
    for profile in profiles {
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
