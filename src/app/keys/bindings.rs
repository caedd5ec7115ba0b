//! The table of every key binding.

use crossterm::event::{KeyCode, KeyModifiers};

use super::{Binding, Change, KeyAction, Scope};
use crate::app::model::OverlayKind;
use crate::app::nav::BladeKind;

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
        "more: new session, sync, copy id, refresh",
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
        &[(C::Char('t'), NONE)],
        A::Ticket,
        "t",
        "type the ticket the session answers",
        Scope::Blade(K::NewSession),
    )
    .hint("ticket"),
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
        &[(C::Char('h'), NONE)],
        A::History,
        "h",
        "past sessions (TeamViewer's connection report)",
        Scope::Blade(K::Sessions),
    )
    .hint("history"),
    B::new(
        &[(C::Char('e'), NONE)],
        A::Export,
        "e",
        "export the history as CSV (to a new file, owner-only)",
        Scope::Blade(K::History),
    )
    .hint("export CSV"),
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
    // Typing the ticket of a new session.
    B::new(
        &[(C::Enter, NONE)],
        A::Accept,
        "⏎",
        "keep the ticket",
        Scope::TicketEditing,
    )
    .hint("keep the ticket"),
    B::new(
        &[(C::Esc, NONE)],
        A::Cancel,
        "esc",
        "put back the ticket as it was",
        Scope::TicketEditing,
    )
    .hint("cancel"),
    // While `:device` searches the tenant.
    B::new(
        &[(C::Esc, NONE)],
        A::Cancel,
        "esc",
        "stop searching the tenant",
        Scope::Searching,
    )
    .hint("stop searching"),
    B::new(
        &[(C::Char('?'), NONE)],
        A::Help,
        "?",
        "help",
        Scope::Searching,
    )
    .hint("help"),
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
