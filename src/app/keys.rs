//! The key registry: one table maps (where, key) to an action with its description. Dispatch,
//! the footer hints, the `?` help and the confirmation dialog's keys are all read from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::OverlayKind;
use super::nav::BladeKind;

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAction {
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
    CommandLine,
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
    /// Yes, run, save, keep: the answer that goes ahead (in dialogs and while typing).
    Accept,
    /// No, cancel, close: the answer that leaves things as they were.
    Cancel,
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every blade, when no overlay is open and no filter is being typed.
    Global,
    /// Every blade that shows a list.
    Lists,
    /// One kind of blade.
    Blade(BladeKind),
    /// An open overlay: its keys are the only ones (other keys type into its input, if any).
    Overlay(OverlayKind),
    /// Typing a filter in All devices (other keys edit the filter).
    FilterEditing,
}

/// What an action changes, which decides whether it asks first and whether read-only mode
/// hides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing.
    Nothing,
    /// Something in the tenant: asks first; hidden in read-only mode.
    Tenant,
    /// Something in the tenant, from a blade that already says what will happen (New Remote
    /// Assistance Session names the device and the request): not asked again; hidden in
    /// read-only mode.
    TenantFromBlade,
    /// Something kept on this machine (the stored tokens): asks first.
    Local,
}

impl Change {
    /// Whether the action asks for confirmation before it runs.
    pub fn asks_first(self) -> bool {
        matches!(self, Change::Tenant | Change::Local)
    }

    /// Whether read-only mode hides the action.
    pub fn hidden_when_read_only(self) -> bool {
        matches!(self, Change::Tenant | Change::TenantFromBlade)
    }
}

/// One entry of the registry.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    pub action: KeyAction,
    /// How the key is written in hints.
    pub label: &'static str,
    /// What `?` says the key does.
    pub help: &'static str,
    /// What the footer says; `None` keeps the key out of the footer.
    pub hint: Option<&'static str>,
    pub scope: Scope,
    pub change: Change,
}

impl Binding {
    const fn new(
        keys: &'static [(KeyCode, KeyModifiers)],
        action: KeyAction,
        label: &'static str,
        help: &'static str,
        scope: Scope,
    ) -> Binding {
        Binding {
            keys,
            action,
            label,
            help,
            hint: None,
            scope,
            change: Change::Nothing,
        }
    }

    /// Shown in the footer as `hint`.
    const fn hint(mut self, hint: &'static str) -> Binding {
        self.hint = Some(hint);
        self
    }

    /// The action changes `change`.
    const fn changes(mut self, change: Change) -> Binding {
        self.change = change;
        self
    }

    fn shown(&self, read_only: bool) -> bool {
        !(read_only && self.change.hidden_when_read_only())
    }
}

/// A key as the footer shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    pub action: KeyAction,
    pub key: &'static str,
    pub text: &'static str,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

use Binding as B;
use BladeKind as K;
use KeyAction as A;
use KeyCode as C;
use OverlayKind as O;

/// The arrow keys and j/k. A `Down` binding's up keys move up.
const UP_DOWN: &[(KeyCode, KeyModifiers)] = &[
    (C::Up, NONE),
    (C::Char('k'), NONE),
    (C::Down, NONE),
    (C::Char('j'), NONE),
];

/// Every binding, most specific first within each scope.
pub const BINDINGS: &[Binding] = &[
    // Blade-specific.
    B::new(
        &[(C::Char('/'), NONE)],
        A::Filter,
        "/",
        "filter by name, user, UPN, serial, model, id; ~ fuzzy",
        Scope::Blade(K::AllDevices),
    )
    .hint("filter by name"),
    B::new(
        &[(C::Char('s'), NONE)],
        A::SortNext,
        "s",
        "sort by the next column",
        Scope::Blade(K::AllDevices),
    )
    .hint("sort by the next column"),
    B::new(
        &[(C::Char('S'), SHIFT), (C::Char('S'), NONE)],
        A::SortReverse,
        "S",
        "reverse the sort",
        Scope::Blade(K::AllDevices),
    ),
    B::new(
        &[(C::Char('p'), NONE)],
        A::OsNext,
        "p",
        "narrow to a platform",
        Scope::Blade(K::AllDevices),
    )
    .hint("narrow to a platform"),
    B::new(
        &[(C::Char('m'), NONE)],
        A::More,
        "m",
        "more: new session, copy id, refresh",
        Scope::Blade(K::Device),
    )
    .hint("more"),
    B::new(
        &[(C::Enter, NONE)],
        A::Connect,
        "⏎",
        "connect: request the session",
        Scope::Blade(K::NewSession),
    )
    .hint("connect")
    .changes(Change::TenantFromBlade),
    B::new(
        &[(C::Char('x'), NONE)],
        A::CloseSession,
        "x",
        "close the session",
        Scope::Blade(K::NewSession),
    )
    .hint("close the session")
    .changes(Change::Tenant),
    B::new(
        &[(C::Char('c'), NONE)],
        A::Copy,
        "c",
        "copy the session link",
        Scope::Blade(K::NewSession),
    )
    .hint("copy the session link"),
    B::new(
        &[(C::Char('o'), NONE)],
        A::OpenBrowser,
        "o",
        "open the session link",
        Scope::Blade(K::NewSession),
    )
    .hint("open the session link"),
    B::new(
        &[(C::Char('x'), NONE)],
        A::CloseSession,
        "x",
        "close the session",
        Scope::Blade(K::Session),
    )
    .hint("close the session")
    .changes(Change::Tenant),
    B::new(
        &[(C::Char('c'), NONE)],
        A::Copy,
        "c",
        "copy the session link",
        Scope::Blade(K::Session),
    )
    .hint("copy the session link"),
    B::new(
        &[(C::Char('o'), NONE)],
        A::OpenBrowser,
        "o",
        "open the session link",
        Scope::Blade(K::Session),
    )
    .hint("open the session link"),
    B::new(
        &[(C::Char('e'), NONE)],
        A::Enable,
        "e",
        "enable (connect TeamViewer)",
        Scope::Blade(K::Connector),
    )
    .hint("enable")
    .changes(Change::Tenant),
    B::new(
        &[(C::Char('d'), NONE)],
        A::Disconnect,
        "d",
        "disconnect",
        Scope::Blade(K::Connector),
    )
    .hint("disconnect")
    .changes(Change::Tenant),
    B::new(
        &[(C::Char('c'), NONE)],
        A::Copy,
        "c",
        "copy the onboarding URL",
        Scope::Blade(K::Connector),
    )
    .hint("copy the onboarding URL"),
    B::new(
        &[(C::Char('o'), NONE)],
        A::OpenBrowser,
        "o",
        "open the onboarding URL",
        Scope::Blade(K::Connector),
    )
    .hint("open the onboarding URL"),
    B::new(
        &[(C::Char('x'), NONE)],
        A::CloseSession,
        "x",
        "close the selected session",
        Scope::Blade(K::Sessions),
    )
    .hint("close the selected session")
    .changes(Change::Tenant),
    B::new(
        &[(C::Char('l'), NONE)],
        A::SignIn,
        "l",
        "sign in to Microsoft",
        Scope::Blade(K::Accounts),
    )
    .hint("sign in to Microsoft"),
    B::new(
        &[(C::Char('t'), NONE)],
        A::TeamViewerToken,
        "t",
        "enter a TeamViewer token",
        Scope::Blade(K::Accounts),
    )
    .hint("enter a TeamViewer token"),
    B::new(
        &[(C::Char('s'), NONE)],
        A::SignOut,
        "s",
        "sign out of both",
        Scope::Blade(K::Accounts),
    )
    .hint("sign out of both")
    .changes(Change::Local),
    // Lists.
    B::new(UP_DOWN, A::Down, "↑↓", "move", Scope::Lists).hint("move"),
    B::new(
        &[(C::PageUp, NONE), (C::Char('b'), CTRL)],
        A::PageUp,
        "PgUp",
        "page up",
        Scope::Lists,
    ),
    B::new(
        &[(C::PageDown, NONE), (C::Char('f'), CTRL)],
        A::PageDown,
        "PgDn",
        "page down",
        Scope::Lists,
    ),
    B::new(
        &[(C::Home, NONE), (C::Char('g'), NONE)],
        A::Top,
        "g",
        "first row",
        Scope::Lists,
    ),
    B::new(
        &[(C::End, NONE), (C::Char('G'), SHIFT), (C::Char('G'), NONE)],
        A::Bottom,
        "G",
        "last row",
        Scope::Lists,
    ),
    B::new(&[(C::Enter, NONE)], A::Open, "⏎", "open", Scope::Lists).hint("open"),
    // Everywhere.
    B::new(
        &[(C::Esc, NONE), (C::Backspace, NONE)],
        A::Back,
        "esc",
        "back",
        Scope::Global,
    )
    .hint("back"),
    B::new(
        &[(C::Char('r'), NONE)],
        A::Refresh,
        "r",
        "refresh",
        Scope::Global,
    ),
    B::new(
        &[(C::Char(':'), NONE), (C::Char(':'), SHIFT)],
        A::CommandLine,
        ":",
        "command (each is listed under Commands)",
        Scope::Global,
    )
    .hint("command"),
    B::new(
        &[(C::Char('?'), NONE), (C::Char('?'), SHIFT)],
        A::Help,
        "?",
        "help",
        Scope::Global,
    )
    .hint("help"),
    B::new(
        &[(C::Char('q'), NONE)],
        A::Quit,
        "q",
        "back; quits on the home blade",
        Scope::Global,
    ),
    B::new(
        &[(C::Char('c'), CTRL)],
        A::ForceQuit,
        "ctrl-c",
        "quit",
        Scope::Global,
    ),
    // Typing a filter.
    B::new(
        &[(C::Enter, NONE), (C::Down, NONE), (C::Up, NONE)],
        A::Accept,
        "⏎",
        "keep the filter and go back to the list",
        Scope::FilterEditing,
    )
    .hint("keep filter"),
    B::new(
        &[(C::Esc, NONE)],
        A::Cancel,
        "esc",
        "clear the filter",
        Scope::FilterEditing,
    )
    .hint("clear"),
    // Help.
    B::new(
        &[
            (C::Esc, NONE),
            (C::Char('?'), NONE),
            (C::Char('q'), NONE),
            (C::Enter, NONE),
        ],
        A::Cancel,
        "esc",
        "close help",
        Scope::Overlay(O::Help),
    )
    .hint("close help"),
    B::new(UP_DOWN, A::Down, "↑↓", "scroll", Scope::Overlay(O::Help)).hint("scroll"),
    // Confirmations.
    B::new(
        &[(C::Char('y'), NONE), (C::Char('Y'), NONE), (C::Enter, NONE)],
        A::Accept,
        "y",
        "yes: go ahead",
        Scope::Overlay(O::Confirm),
    )
    .hint("yes"),
    B::new(
        &[
            (C::Char('n'), NONE),
            (C::Char('N'), NONE),
            (C::Esc, NONE),
            (C::Char('q'), NONE),
        ],
        A::Cancel,
        "n",
        "no: change nothing",
        Scope::Overlay(O::Confirm),
    )
    .hint("no"),
    // The command line.
    B::new(
        &[(C::Enter, NONE)],
        A::Accept,
        "⏎",
        "run the command",
        Scope::Overlay(O::CommandLine),
    )
    .hint("run"),
    B::new(
        &[(C::Esc, NONE)],
        A::Cancel,
        "esc",
        "cancel",
        Scope::Overlay(O::CommandLine),
    )
    .hint("cancel"),
    B::new(
        &[(C::Up, NONE), (C::Down, NONE)],
        A::Down,
        "↑↓",
        "earlier and later commands",
        Scope::Overlay(O::CommandLine),
    )
    .hint("history"),
    // TeamViewer token entry.
    B::new(
        &[(C::Enter, NONE)],
        A::Accept,
        "⏎",
        "check the token with TeamViewer and keep it",
        Scope::Overlay(O::TeamViewerToken),
    )
    .hint("save"),
    B::new(
        &[(C::Esc, NONE)],
        A::Cancel,
        "esc",
        "cancel",
        Scope::Overlay(O::TeamViewerToken),
    )
    .hint("cancel"),
    // Microsoft sign-in.
    B::new(
        &[(C::Char('c'), NONE)],
        A::Copy,
        "c",
        "copy the sign-in code",
        Scope::Overlay(O::DeviceLogin),
    )
    .hint("copy code"),
    B::new(
        &[(C::Char('o'), NONE)],
        A::OpenBrowser,
        "o",
        "open the sign-in page",
        Scope::Overlay(O::DeviceLogin),
    )
    .hint("open"),
    B::new(
        &[(C::Esc, NONE)],
        A::Cancel,
        "esc",
        "cancel the sign-in",
        Scope::Overlay(O::DeviceLogin),
    )
    .hint("cancel"),
];

/// The up keys, which share a `Down` binding's row in the registry.
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
        Scope::Overlay(_) | Scope::FilterEditing => false,
    }
}

fn matches_key(binding: &Binding, key: &KeyEvent) -> bool {
    binding.keys.iter().any(|(code, mods)| {
        *code == key.code
            && (*mods == key.modifiers
                || (key.modifiers == SHIFT && *mods == NONE && matches!(code, C::Char(_))))
    })
}

fn action_of(binding: &Binding, key: &KeyEvent) -> KeyAction {
    if binding.action == A::Down && is_up(key) {
        return A::Up;
    }
    binding.action
}

/// The action `key` has on a `kind` blade (blade bindings win over list and global ones).
pub fn action_for(kind: BladeKind, key: &KeyEvent, read_only: bool) -> Option<KeyAction> {
    let binding = BINDINGS
        .iter()
        .filter(|b| applies(b, kind) && b.shown(read_only))
        .find(|b| matches_key(b, key))?;
    Some(action_of(binding, key))
}

/// The action `key` has in `scope` alone (an overlay or filter editing); `None` lets the key
/// through to the input there, if any.
pub fn action_in(scope: Scope, key: &KeyEvent) -> Option<KeyAction> {
    let binding = BINDINGS
        .iter()
        .filter(|b| b.scope == scope)
        .find(|b| matches_key(b, key))?;
    Some(action_of(binding, key))
}

/// The bindings that apply on a `kind` blade, in registry order.
pub fn bindings_for(kind: BladeKind, read_only: bool) -> Vec<&'static Binding> {
    let mut seen: Vec<KeyAction> = Vec::new();
    BINDINGS
        .iter()
        .filter(|b| applies(b, kind) && b.shown(read_only))
        .filter(|b| {
            let first = !seen.contains(&b.action) || b.scope != Scope::Lists;
            seen.push(b.action);
            first
        })
        .collect()
}

/// The bindings of one overlay or of filter editing, in registry order.
pub fn bindings_in(scope: Scope) -> Vec<&'static Binding> {
    BINDINGS.iter().filter(|b| b.scope == scope).collect()
}

/// Whether `action` asks for confirmation first (every binding of an action agrees).
pub fn asks_first(action: KeyAction) -> bool {
    BINDINGS
        .iter()
        .any(|b| b.action == action && b.change.asks_first())
}

fn hint_of(b: &Binding) -> Option<Hint> {
    b.hint.map(|text| Hint {
        action: b.action,
        key: b.label,
        text,
    })
}

/// The footer hints for a `kind` blade.
pub fn hints(kind: BladeKind, read_only: bool) -> Vec<Hint> {
    let specific: Vec<&Binding> = bindings_for(kind, read_only);
    let blade_enter = specific
        .iter()
        .any(|o| o.scope != Scope::Lists && o.keys.contains(&(C::Enter, NONE)));
    specific
        .iter()
        // A blade's Enter replaces the list's "open".
        .filter(|b| !(b.scope == Scope::Lists && b.action == A::Open && blade_enter))
        .filter_map(|b| hint_of(b))
        .collect()
}

/// The footer hints of one overlay or of filter editing.
pub fn hints_in(scope: Scope) -> Vec<Hint> {
    bindings_in(scope).into_iter().filter_map(hint_of).collect()
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
        assert!(
            bindings_for(K::AllDevices, false)
                .iter()
                .all(|b| !matches!(b.scope, Scope::Overlay(_) | Scope::FilterEditing))
        );
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
}
