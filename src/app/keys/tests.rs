//! The registry: dispatch, read-only mode, confirmation and hints.

use super::*;
use crate::app::model::OverlayKind as O;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn blade_keys_win_over_list_keys() {
    assert_eq!(
        action_for(K::NewSession, &key(C::Enter), false),
        Some(A::Connect)
    );
    assert_eq!(
        action_for(K::AllDevices, &key(C::Enter), false),
        Some(A::Open)
    );
    assert_eq!(
        action_for(K::AllDevices, &key(C::Char('k')), false),
        Some(A::Up)
    );
    assert_eq!(
        action_for(K::AllDevices, &key(C::Down), false),
        Some(A::Down)
    );
}

#[test]
fn read_only_hides_everything_that_changes() {
    assert_eq!(action_for(K::Connector, &key(C::Char('e')), true), None);
    assert_eq!(action_for(K::Session, &key(C::Char('x')), true), None);
    assert_eq!(action_for(K::NewSession, &key(C::Enter), true), None);
    assert!(
        hints(K::Connector, true)
            .iter()
            .all(|h| h.key != "e" && h.key != "d")
    );
    for b in BINDINGS.iter().filter(|b| b.change.hidden_when_read_only()) {
        for kind in [K::NewSession, K::Session, K::Connector, K::Sessions] {
            assert!(!bindings_for(kind, true).iter().any(|x| std::ptr::eq(*x, b)));
        }
    }
}

#[test]
fn no_key_is_bound_twice_in_one_blade() {
    for kind in [
        K::Home,
        K::Devices,
        K::AllDevices,
        K::Device,
        K::NewSession,
        K::Session,
        K::Connector,
        K::Sessions,
        K::Accounts,
        K::Logs,
        K::Audit,
        K::History,
        K::Tenants,
    ] {
        let mut seen = Vec::new();
        for b in BINDINGS
            .iter()
            .filter(|b| applies(b, kind) && b.scope != Scope::Global)
        {
            for k in b.keys {
                assert!(
                    !seen.contains(&(b.scope == Scope::Lists, *k)),
                    "{kind:?} {k:?}"
                );
                seen.push((b.scope == Scope::Lists, *k));
            }
        }
    }
}

#[test]
fn every_binding_of_an_action_agrees_on_asking_first() {
    for b in BINDINGS {
        assert_eq!(
            b.change.asks_first(),
            asks_first(b.action),
            "{:?} in {:?}",
            b.action,
            b.scope
        );
    }
    assert!(asks_first(A::CloseSession));
    assert!(asks_first(A::SignOut));
    assert!(!asks_first(A::Connect), "the blade is the confirmation");
}

#[test]
fn overlays_and_filter_editing_have_their_own_keys() {
    let scopes = [
        Scope::FilterEditing,
        Scope::Searching,
        Scope::Overlay(O::Help),
        Scope::Overlay(O::Confirm),
        Scope::Overlay(O::CommandLine),
        Scope::Overlay(O::TeamViewerToken),
        Scope::Overlay(O::DeviceLogin),
    ];
    for scope in scopes {
        let mut seen = Vec::new();
        for b in bindings_in(scope) {
            for k in b.keys {
                assert!(!seen.contains(k), "{scope:?} {k:?}");
                seen.push(*k);
            }
        }
        assert!(!hints_in(scope).is_empty(), "{scope:?} has footer hints");
    }
    let confirm = Scope::Overlay(O::Confirm);
    assert_eq!(action_in(confirm, &key(C::Char('y'))), Some(A::Accept));
    assert_eq!(action_in(confirm, &key(C::Enter)), Some(A::Accept));
    assert_eq!(action_in(confirm, &key(C::Esc)), Some(A::Cancel));
    assert_eq!(action_in(confirm, &key(C::Char('x'))), None);
    let help = Scope::Overlay(O::Help);
    assert_eq!(action_in(help, &key(C::Char('k'))), Some(A::Up));
    assert_eq!(action_in(help, &key(C::Char('j'))), Some(A::Down));
    // Letters type into the command line; only ⏎, esc and the arrows are keys there.
    let line = Scope::Overlay(O::CommandLine);
    assert_eq!(action_in(line, &key(C::Char('k'))), None);
    assert_eq!(action_in(line, &key(C::Up)), Some(A::Up));
    assert_eq!(action_in(Scope::FilterEditing, &key(C::Char('q'))), None);
    // Blade keys never apply inside an overlay.
    assert!(bindings_for(K::AllDevices, false).iter().all(|b| !matches!(
        b.scope,
        Scope::Overlay(_) | Scope::FilterEditing | Scope::Searching
    )));
}

#[test]
fn hints_are_short() {
    let hints: Vec<(&str, &str)> = hints(K::AllDevices, false)
        .iter()
        .map(|h| (h.key, h.text))
        .collect();
    assert!(hints.contains(&("/", "filter by name")));
    assert!(hints.contains(&("⏎", "open")));
}
