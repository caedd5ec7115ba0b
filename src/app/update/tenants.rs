//! Tenant profiles in the dashboard: the Tenants blade, `:tenant NAME`, and switching in
//! place (the other tenant's live sessions stay in the side pane, still followed).

use super::*;
use crate::app::Loadable;

/// Opens the Tenants blade (under Accounts) and reads who is signed in to each profile.
pub(super) fn open_tenants(model: &mut Model) -> Vec<Effect> {
    model.stack.reset(Blade::Home(Menu::on(HomeItem::Accounts)));
    model
        .stack
        .push(Blade::Accounts(Menu::on(AccountItem::Tenants)));
    let selected = model
        .options
        .profile
        .as_ref()
        .and_then(|p| model.options.profiles.iter().position(|n| n == p))
        .unwrap_or(0);
    model.stack.push(Blade::Tenants(Cursor {
        selected,
        offset: 0,
    }));
    model.tenants.start();
    vec![Effect::LoadTenants]
}

/// Starts showing tenant profile `name`, unless that would lose work in flight.
pub(super) fn switch_to(model: &mut Model, name: &str) -> Vec<Effect> {
    if model.options.profiles.is_empty() {
        flash(
            model,
            "No tenant profiles are configured: add a [tenants.NAME] table for each \
             organisation (see the README)",
            true,
        );
        return Vec::new();
    }
    let Some(name) = model
        .options
        .profiles
        .iter()
        .find(|p| p.eq_ignore_ascii_case(name.trim()))
        .cloned()
    else {
        let message = format!(
            "There is no tenant profile “{}”; the configuration has {}",
            crate::domain::text::sanitize(name),
            model.options.profiles.join(", ")
        );
        flash(model, message, true);
        return Vec::new();
    };
    if model.options.profile.as_deref() == Some(name.as_str()) {
        flash(model, format!("Already on {name}"), false);
        return Vec::new();
    }
    if !model.requesting.is_empty() {
        flash(
            model,
            "A session is being requested: switch tenants once it has started",
            true,
        );
        return Vec::new();
    }
    flash(model, format!("Switching to {name}…"), false);
    model.switching_to = Some(name.clone());
    vec![Effect::SwitchTenant { profile: name }]
}

/// Another tenant is shown: everything of the one before is dropped but its sessions,
/// and the new one is loaded from the start.
pub(super) fn on_switched(model: &mut Model, result: Result<String, UiError>) -> Vec<Effect> {
    let target = model.switching_to.take();
    let label = match result {
        Ok(label) => label,
        Err(error) => {
            flash(
                model,
                format!("Cannot switch tenants: {}", error.message),
                true,
            );
            return Vec::new();
        }
    };
    let Some(profile) = target else {
        return Vec::new();
    };
    let before = model.options.profile.replace(profile.clone());
    model.options.tenant_label = label;
    let generation = model.devices.generation + 1;
    model.devices = Default::default();
    model.devices.generation = generation;
    model.sign_in = Default::default();
    model.capabilities = Loadable::default();
    model.connector = Loadable::default();
    model.teamviewer_account = Loadable::default();
    model.history = Loadable::default();
    model.lookup = None;
    model.tenant_search = Default::default();
    model.retrying.clear();
    model.graph_health = Health::Unknown;
    model.teamviewer_health = Health::Unknown;
    model.overlay = Overlay::None;
    model.stack.reset(Blade::Home(Menu::default()));
    let kept = model
        .sessions
        .iter()
        .filter(|s| s.is_open() && s.tenant != model.options.profile)
        .count();
    let mut note = format!("Now on {profile}");
    if kept > 0 {
        note.push_str(&format!(
            "; {kept} live session{} of {} still followed in the side pane",
            if kept == 1 { "" } else { "s" },
            before.as_deref().unwrap_or("the tenant before")
        ));
    }
    flash(model, note, false);
    vec![Effect::Start]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    fn with_profiles(model: &mut Model) {
        model.options.profiles = vec!["contoso".into(), "fabrikam".into()];
        model.options.profile = Some("contoso".into());
        for live in &mut model.sessions {
            live.tenant = Some("contoso".into());
        }
    }

    #[test]
    fn switching_keeps_the_other_tenants_sessions_and_starts_over() {
        let mut model = admin(20);
        live_session(&mut model, "s123-456-789");
        with_profiles(&mut model);
        type_text(&mut model, ":tenant fabrikam");
        assert_eq!(
            press(&mut model, KeyCode::Enter),
            vec![Effect::SwitchTenant {
                profile: "fabrikam".into()
            }]
        );
        let effects = send(
            &mut model,
            Msg::TenantSwitched(Ok("fabrikam · fabrikam.onmicrosoft.com".into())),
        );
        assert_eq!(effects, vec![Effect::Start]);
        assert_eq!(model.options.profile.as_deref(), Some("fabrikam"));
        assert_eq!(
            model.options.tenant_label,
            "fabrikam · fabrikam.onmicrosoft.com"
        );
        assert!(model.devices.all.is_empty(), "contoso's devices are gone");
        assert_eq!(model.sessions.len(), 1, "its session is kept");
        assert_eq!(model.sessions[0].tenant.as_deref(), Some("contoso"));
        assert!(
            model
                .flash
                .as_ref()
                .is_some_and(|f| f.text.contains("still followed"))
        );
        // The kept session is still polled, with its own tenant.
        let later = model.now + time::Duration::seconds(30);
        model.size = (160, 40);
        let polls = send(&mut model, Msg::Tick(later));
        assert!(
            polls.contains(&Effect::ObserveSession {
                code: "s123-456-789".into(),
                tenant: Some("contoso".into()),
            }),
            "{polls:?}"
        );
    }

    #[test]
    fn an_unknown_profile_or_a_request_in_flight_does_not_switch() {
        let mut model = admin(5);
        with_profiles(&mut model);
        type_text(&mut model, ":tenant northwind");
        assert!(press(&mut model, KeyCode::Enter).is_empty());
        assert!(
            model
                .flash
                .as_ref()
                .is_some_and(|f| f.error && f.text.contains("contoso, fabrikam"))
        );
        model.requesting.push(("d1".into(), model.now));
        type_text(&mut model, ":tenant fabrikam");
        assert!(press(&mut model, KeyCode::Enter).is_empty());
        assert!(
            model
                .flash
                .as_ref()
                .is_some_and(|f| f.text.contains("being requested"))
        );
    }

    #[test]
    fn the_tenants_blade_opens_under_accounts_and_enter_switches() {
        let mut model = admin(5);
        with_profiles(&mut model);
        type_text(&mut model, ":tenants");
        assert_eq!(press(&mut model, KeyCode::Enter), vec![Effect::LoadTenants]);
        assert_eq!(model.stack.top().kind(), BladeKind::Tenants);
        press(&mut model, KeyCode::Down);
        assert_eq!(
            press(&mut model, KeyCode::Enter),
            vec![Effect::SwitchTenant {
                profile: "fabrikam".into()
            }]
        );
    }
}
