//! The key registry: one table maps (blade, key) to an action with its description. Dispatch,
//! the footer hints and the `?` help are all read from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::nav::BladeKind;

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Quit,
    ForceQuit,
    Help,
    Command,
    Filter,
    Refresh,
    More,
    SortNext,
    SortReverse,
    OsNext,
    Copy,
    OpenBrowser,
    Connect,
    CloseSession,
    Enable,
    Disconnect,
    SignIn,
    TeamViewerToken,
    SignOut,
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere.
    Global,
    /// Every blade that shows a list.
    Lists,
    /// One kind of blade.
    Blade(BladeKind),
}

/// One entry of the registry.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    pub action: Action,
    /// How the key is written in hints.
    pub label: &'static str,
    pub help: &'static str,
    pub scope: Scope,
    /// The action changes something in the tenant: confirmed, and hidden in read-only mode.
    pub changes: bool,
    /// Shown in the footer.
    pub hint: bool,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

const fn bind(
    keys: &'static [(KeyCode, KeyModifiers)],
    action: Action,
    label: &'static str,
    help: &'static str,
    scope: Scope,
) -> Binding {
    Binding {
        keys,
        action,
        label,
        help,
        scope,
        changes: false,
        hint: true,
    }
}

const fn quiet(mut b: Binding) -> Binding {
    b.hint = false;
    b
}

const fn changes(mut b: Binding) -> Binding {
    b.changes = true;
    b
}

use Action as A;
use BladeKind as K;
use KeyCode as C;

/// Every binding, most specific first within each scope.
pub const BINDINGS: &[Binding] = &[
    // Blade-specific.
    bind(
        &[(C::Char('/'), NONE)],
        A::Filter,
        "/",
        "filter by name, user, UPN, serial, model, id; ~ fuzzy",
        Scope::Blade(K::AllDevices),
    ),
    bind(
        &[(C::Char('s'), NONE)],
        A::SortNext,
        "s",
        "sort by the next column",
        Scope::Blade(K::AllDevices),
    ),
    quiet(bind(
        &[(C::Char('S'), SHIFT), (C::Char('S'), NONE)],
        A::SortReverse,
        "S",
        "reverse the sort",
        Scope::Blade(K::AllDevices),
    )),
    bind(
        &[(C::Char('p'), NONE)],
        A::OsNext,
        "p",
        "narrow to a platform",
        Scope::Blade(K::AllDevices),
    ),
    bind(
        &[(C::Char('m'), NONE)],
        A::More,
        "m",
        "more: new session, copy id, refresh",
        Scope::Blade(K::Device),
    ),
    changes(bind(
        &[(C::Enter, NONE)],
        A::Connect,
        "⏎",
        "connect: request the session",
        Scope::Blade(K::NewSession),
    )),
    changes(bind(
        &[(C::Char('x'), NONE)],
        A::CloseSession,
        "x",
        "close the session",
        Scope::Blade(K::NewSession),
    )),
    bind(
        &[(C::Char('c'), NONE)],
        A::Copy,
        "c",
        "copy the session link",
        Scope::Blade(K::NewSession),
    ),
    bind(
        &[(C::Char('o'), NONE)],
        A::OpenBrowser,
        "o",
        "open the session link",
        Scope::Blade(K::NewSession),
    ),
    changes(bind(
        &[(C::Char('x'), NONE)],
        A::CloseSession,
        "x",
        "close the session",
        Scope::Blade(K::Session),
    )),
    bind(
        &[(C::Char('c'), NONE)],
        A::Copy,
        "c",
        "copy the session link",
        Scope::Blade(K::Session),
    ),
    bind(
        &[(C::Char('o'), NONE)],
        A::OpenBrowser,
        "o",
        "open the session link",
        Scope::Blade(K::Session),
    ),
    changes(bind(
        &[(C::Char('e'), NONE)],
        A::Enable,
        "e",
        "enable (connect TeamViewer)",
        Scope::Blade(K::Connector),
    )),
    changes(bind(
        &[(C::Char('d'), NONE)],
        A::Disconnect,
        "d",
        "disconnect",
        Scope::Blade(K::Connector),
    )),
    bind(
        &[(C::Char('c'), NONE)],
        A::Copy,
        "c",
        "copy the onboarding URL",
        Scope::Blade(K::Connector),
    ),
    bind(
        &[(C::Char('o'), NONE)],
        A::OpenBrowser,
        "o",
        "open the onboarding URL",
        Scope::Blade(K::Connector),
    ),
    changes(bind(
        &[(C::Char('x'), NONE)],
        A::CloseSession,
        "x",
        "close the selected session",
        Scope::Blade(K::Sessions),
    )),
    bind(
        &[(C::Char('l'), NONE)],
        A::SignIn,
        "l",
        "sign in to Microsoft",
        Scope::Blade(K::Accounts),
    ),
    bind(
        &[(C::Char('t'), NONE)],
        A::TeamViewerToken,
        "t",
        "enter a TeamViewer token",
        Scope::Blade(K::Accounts),
    ),
    bind(
        &[(C::Char('s'), NONE)],
        A::SignOut,
        "s",
        "sign out of both",
        Scope::Blade(K::Accounts),
    ),
    // Lists.
    bind(
        &[
            (C::Up, NONE),
            (C::Char('k'), NONE),
            (C::Down, NONE),
            (C::Char('j'), NONE),
        ],
        A::Down,
        "↑↓",
        "move",
        Scope::Lists,
    ),
    quiet(bind(
        &[(C::PageUp, NONE), (C::Char('b'), CTRL)],
        A::PageUp,
        "PgUp",
        "page up",
        Scope::Lists,
    )),
    quiet(bind(
        &[(C::PageDown, NONE), (C::Char('f'), CTRL)],
        A::PageDown,
        "PgDn",
        "page down",
        Scope::Lists,
    )),
    quiet(bind(
        &[(C::Home, NONE), (C::Char('g'), NONE)],
        A::Top,
        "g",
        "first row",
        Scope::Lists,
    )),
    quiet(bind(
        &[(C::End, NONE), (C::Char('G'), SHIFT), (C::Char('G'), NONE)],
        A::Bottom,
        "G",
        "last row",
        Scope::Lists,
    )),
    bind(&[(C::Enter, NONE)], A::Open, "⏎", "open", Scope::Lists),
    // Everywhere.
    bind(
        &[(C::Esc, NONE), (C::Backspace, NONE)],
        A::Back,
        "esc",
        "back",
        Scope::Global,
    ),
    quiet(bind(
        &[(C::Char('r'), NONE)],
        A::Refresh,
        "r",
        "refresh",
        Scope::Global,
    )),
    bind(
        &[(C::Char(':'), NONE), (C::Char(':'), SHIFT)],
        A::Command,
        ":",
        "command (each is listed under Commands)",
        Scope::Global,
    ),
    bind(
        &[(C::Char('?'), NONE), (C::Char('?'), SHIFT)],
        A::Help,
        "?",
        "help",
        Scope::Global,
    ),
    quiet(bind(
        &[(C::Char('q'), NONE)],
        A::Quit,
        "q",
        "back; quits on the home blade",
        Scope::Global,
    )),
    quiet(bind(
        &[(C::Char('c'), CTRL)],
        A::ForceQuit,
        "ctrl-c",
        "quit",
        Scope::Global,
    )),
];

/// The up-arrow keys, which share the `Down` binding's row in the registry.
fn is_up(key: &KeyEvent) -> bool {
    matches!(key.code, C::Up | C::Char('k')) && key.modifiers == NONE
}

/// Whether `kind` shows a list the list keys move in.
pub fn is_list(kind: BladeKind) -> bool {
    matches!(
        kind,
        K::Home
            | K::Devices
            | K::AllDevices
            | K::Sessions
            | K::Accounts
            | K::Logs
            | K::Audit
            | K::Device
    )
}

fn applies(binding: &Binding, kind: BladeKind) -> bool {
    match binding.scope {
        Scope::Global => true,
        Scope::Lists => is_list(kind),
        Scope::Blade(k) => k == kind,
    }
}

fn matches_key(binding: &Binding, key: &KeyEvent) -> bool {
    binding.keys.iter().any(|(code, mods)| {
        *code == key.code
            && (*mods == key.modifiers
                || (key.modifiers == SHIFT && *mods == NONE && matches!(code, C::Char(_))))
    })
}

/// The action `key` has on a `kind` blade (blade bindings win over list and global ones).
pub fn action_for(kind: BladeKind, key: &KeyEvent, read_only: bool) -> Option<Action> {
    let binding = BINDINGS
        .iter()
        .filter(|b| applies(b, kind) && !(read_only && b.changes))
        .find(|b| matches_key(b, key))?;
    if binding.action == A::Down && is_up(key) {
        return Some(A::Up);
    }
    Some(binding.action)
}

/// The bindings that apply on a `kind` blade, in registry order.
pub fn bindings_for(kind: BladeKind, read_only: bool) -> Vec<&'static Binding> {
    let mut seen: Vec<Action> = Vec::new();
    BINDINGS
        .iter()
        .filter(|b| applies(b, kind) && !(read_only && b.changes))
        .filter(|b| {
            let first = !seen.contains(&b.action) || b.scope != Scope::Lists;
            seen.push(b.action);
            first
        })
        .collect()
}

/// The footer hints for a `kind` blade.
pub fn hints(kind: BladeKind, read_only: bool) -> Vec<(&'static str, &'static str)> {
    let specific: Vec<&Binding> = bindings_for(kind, read_only);
    let mut out: Vec<(&str, &str)> = Vec::new();
    for b in specific.iter().filter(|b| b.hint) {
        // A blade's Enter replaces the list's "open".
        if b.scope == Scope::Lists
            && b.action == A::Open
            && specific
                .iter()
                .any(|o| o.scope != Scope::Lists && o.label == "⏎")
        {
            continue;
        }
        let help = short(b.help);
        out.push((b.label, help));
    }
    out
}

/// The first words of a help text, for the footer.
fn short(help: &'static str) -> &'static str {
    let cut = help.find([':', '(', ',']).unwrap_or(help.len());
    help[..cut].trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

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
                .all(|(k, _)| *k != "e" && *k != "d")
        );
        for b in BINDINGS.iter().filter(|b| b.changes) {
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
    fn hints_are_short() {
        let hints = hints(K::AllDevices, false);
        assert!(hints.contains(&("/", "filter by name")));
        assert!(hints.contains(&("⏎", "open")));
    }
}
