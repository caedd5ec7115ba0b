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
    /// Past sessions, from TeamViewer's connection report.
    History,
    /// Type the ticket a new session answers.
    Ticket,
    /// Write the history as CSV.
    Export,
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
    /// Typing the ticket of a new session (other keys edit the ticket).
    TicketEditing,
    /// While `:device` searches the tenant: other keys are held back, so keys typed ahead
    /// never act on the blade underneath.
    Searching,
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

mod bindings;

pub use bindings::BINDINGS;

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

use BladeKind as K;
use KeyAction as A;
use KeyCode as C;

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
            | K::History
            | K::Tenants
            | K::Device
    )
}

fn applies(binding: &Binding, kind: BladeKind) -> bool {
    match binding.scope {
        Scope::Global => true,
        Scope::Lists => is_list(kind),
        Scope::Blade(k) => k == kind,
        Scope::Overlay(_) | Scope::FilterEditing | Scope::TicketEditing | Scope::Searching => false,
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
mod tests;
