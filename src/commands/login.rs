//! `login`, `logout` and `whoami`.

use serde_json::json;

use super::output::{Output, clock};
use super::{CommandError, exit, prompt};
use crate::cli::LoginArgs;
use crate::domain::Permission;
use crate::services::Services;

pub(super) async fn login(
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

pub(super) async fn report_teamviewer_sign_in(
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

pub(super) async fn logout(services: &Services, out: &mut Output<'_>) -> Result<(), CommandError> {
    if let Some(auth) = &services.microsoft {
        auth.sign_out().await?;
    }
    services.teamviewer_auth.sign_out().await?;
    let cache_removed = match &services.config.inventory_dir {
        Some(dir) => crate::inventory::delete_all(dir).map_err(|e| CommandError {
            code: exit::FAILURE,
            message: format!(
                "signed out, but the cached device list in {} could not be removed: {e}",
                dir.display()
            ),
        })?,
        None => 0,
    };
    if out.json {
        out.json(&json!({"signedOut": true, "secretStore": services.store.kind(), "cachedInventoriesRemoved": cache_removed}));
    } else {
        out.line(format!(
            "Signed out; stored tokens were removed from {}.",
            services.store.kind()
        ));
        if cache_removed > 0 {
            out.line("The cached device list was removed.");
        }
    }
    Ok(())
}

pub(super) async fn whoami(services: &Services, out: &mut Output<'_>) -> Result<(), CommandError> {
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
        (Permission::SyncDevices, capabilities.sync_devices),
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
