//! Signing in and out: the device code dialog, the TeamViewer token, sign-out.

use super::*;

pub(super) fn on_sign_in(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::DeviceCode(mut prompt) => {
            // Counted down on the app's clock.
            prompt.expires_at = model.now + time::Duration::seconds(prompt.expires_in as i64);
            model.overlay = Overlay::DeviceLogin {
                prompt: Some(prompt),
            };
            Vec::new()
        }
        Msg::SignedIn(account) => {
            let text = format!("Signed in as {}", account.username);
            model.sign_in.account = Some(account);
            model.overlay = Overlay::None;
            service_answered(model, Service::Graph);
            flash(model, text, false);
            if model.stack.top().kind() == BladeKind::Accounts && model.stack.depth() > 0 {
                // Signed in again from Accounts: back to where the admin was.
                model.stack.pop();
            } else {
                model.stack.reset(Blade::Home(Menu::default()));
            }
            load_everything(model)
        }
        Msg::SignInFailed(error) => {
            if matches!(model.overlay, Overlay::DeviceLogin { .. }) {
                model.overlay = Overlay::None;
            }
            flash(model, error.message, true);
            Vec::new()
        }
        Msg::TeamViewerSaved(result) => match result {
            Ok(account) => {
                model.sign_in.teamviewer = true;
                service_answered(model, Service::TeamViewer);
                model.overlay = Overlay::None;
                flash(
                    model,
                    format!("Signed in to TeamViewer as {}", account.name),
                    false,
                );
                model.teamviewer_account.finish(Ok(account));
                vec![Effect::LoadSessions]
            }
            Err(error) => {
                flash(model, error.message, true);
                Vec::new()
            }
        },
        Msg::SignedOut => {
            model.sign_in.account = None;
            model.sign_in.teamviewer = false;
            model.capabilities = Default::default();
            model.connector = Default::default();
            model.teamviewer_account = Default::default();
            model.devices = Default::default();
            model.sessions.clear();
            model.graph_health = Health::SignedOut;
            model.teamviewer_health = Health::SignedOut;
            model.stack.reset(Blade::Accounts(Menu::default()));
            flash(model, "Signed out; stored tokens were removed", false);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub(super) fn sign_in(model: &mut Model) -> Vec<Effect> {
    if !model.sign_in.can_sign_in {
        flash(
            model,
            "No app registration is configured: set INTUNE_ASSIST_CLIENT_ID (see the README)",
            true,
        );
        return Vec::new();
    }
    model.overlay = Overlay::DeviceLogin { prompt: None };
    vec![Effect::SignIn]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn l_on_accounts_starts_the_device_code_sign_in() {
        let mut model = admin(1);
        type_text(&mut model, ":accounts");
        press(&mut model, KeyCode::Enter);
        assert_eq!(press(&mut model, KeyCode::Char('l')), vec![Effect::SignIn]);
        assert!(matches!(
            model.overlay,
            Overlay::DeviceLogin { prompt: None }
        ));
        assert_eq!(
            press(&mut model, KeyCode::Esc),
            vec![Effect::CancelSignIn],
            "esc cancels the sign-in"
        );
    }

    #[test]
    fn sign_out_asks_first_then_signs_out() {
        let mut model = admin(1);
        type_text(&mut model, ":accounts");
        press(&mut model, KeyCode::Enter);
        assert!(press(&mut model, KeyCode::Char('s')).is_empty());
        assert_eq!(press(&mut model, KeyCode::Char('y')), vec![Effect::SignOut]);
        send(&mut model, Msg::SignedOut);
        assert!(model.devices.all.is_empty());
        assert_eq!(model.stack.top().kind(), BladeKind::Accounts);
    }
}
