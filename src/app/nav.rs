//! Navigation as data: a stack of blades, each holding its own cursor, filter and scroll, so
//! going back restores the blade below exactly as it was left.

pub use super::cursor::Cursor;
pub use super::device_list::{Column, DeviceList, OsFilter};

/// A small menu (Home, Devices, More, Accounts): which entry is selected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Menu {
    pub selected: usize,
}

impl Menu {
    /// A menu with `item` selected.
    pub fn on<T: super::menu::MenuItem>(item: T) -> Menu {
        Menu {
            selected: item.index(),
        }
    }

    /// The selected entry of a menu of `T`.
    pub fn item<T: super::menu::MenuItem>(&self) -> T {
        T::at(self.selected)
    }
}

/// Where a New Remote Assistance Session blade is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionStage {
    /// The device summary, waiting for Connect.
    Review,
    /// Intune (or TeamViewer) is being asked.
    Requesting,
    /// The session exists; its live view shows (`key` names it in the model).
    Live { key: String },
    /// The request failed.
    Failed { message: String },
}

/// The ticket line of a New Remote Assistance Session blade.
#[derive(Clone, Debug, Default)]
pub struct TicketLine {
    pub input: tui_input::Input,
    /// Keys type into the line.
    pub editing: bool,
    /// The text when editing began, restored by Esc.
    pub before: String,
    /// Why the text was not taken.
    pub error: Option<String>,
}

impl TicketLine {
    /// A line being typed in from the start (when a ticket is required).
    pub fn editing() -> Self {
        TicketLine {
            editing: true,
            ..TicketLine::default()
        }
    }
}

/// A blade: one screen of the stack.
#[derive(Clone, Debug)]
pub enum Blade {
    Home(Menu),
    Devices(Menu),
    AllDevices(DeviceList),
    Device {
        id: String,
        more: Option<Menu>,
    },
    NewSession {
        device_id: String,
        stage: SessionStage,
        /// The helpdesk ticket the session answers, typed before Connect.
        ticket: TicketLine,
    },
    Session {
        /// The session's code, or Intune's link when it has none.
        key: String,
    },
    Connector,
    Sessions(Cursor),
    Accounts(Menu),
    Logs(Cursor),
    /// The audit trail, newest first.
    Audit(Cursor),
    /// Past sessions from TeamViewer's connection report, newest first.
    History(Cursor),
    /// The configuration's tenant profiles.
    Tenants(Cursor),
}

/// What kind of blade, for key bindings and breadcrumbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BladeKind {
    Home,
    Devices,
    AllDevices,
    Device,
    NewSession,
    Session,
    Connector,
    Sessions,
    Accounts,
    Logs,
    Audit,
    History,
    Tenants,
}

impl Blade {
    /// The blade's kind.
    pub fn kind(&self) -> BladeKind {
        match self {
            Blade::Home(_) => BladeKind::Home,
            Blade::Devices(_) => BladeKind::Devices,
            Blade::AllDevices(_) => BladeKind::AllDevices,
            Blade::Device { .. } => BladeKind::Device,
            Blade::NewSession { .. } => BladeKind::NewSession,
            Blade::Session { .. } => BladeKind::Session,
            Blade::Connector => BladeKind::Connector,
            Blade::Sessions(_) => BladeKind::Sessions,
            Blade::Accounts(_) => BladeKind::Accounts,
            Blade::Logs(_) => BladeKind::Logs,
            Blade::Audit(_) => BladeKind::Audit,
            Blade::History(_) => BladeKind::History,
            Blade::Tenants(_) => BladeKind::Tenants,
        }
    }
}

/// The stack: a root that cannot be popped, and the blades above it.
#[derive(Clone, Debug)]
pub struct NavStack {
    root: Blade,
    above: Vec<Blade>,
}

impl NavStack {
    /// A stack with `root` at the bottom.
    pub fn new(root: Blade) -> Self {
        NavStack {
            root,
            above: Vec::new(),
        }
    }

    /// The blade on top.
    pub fn top(&self) -> &Blade {
        self.above.last().unwrap_or(&self.root)
    }

    /// The blade on top, to change its state.
    pub fn top_mut(&mut self) -> &mut Blade {
        self.above.last_mut().unwrap_or(&mut self.root)
    }

    /// Opens a blade on top.
    pub fn push(&mut self, blade: Blade) {
        self.above.push(blade);
    }

    /// Goes back one blade; the root stays. Returns the popped blade.
    pub fn pop(&mut self) -> Option<Blade> {
        self.above.pop()
    }

    /// Goes back to the root.
    pub fn reset(&mut self, root: Blade) {
        self.root = root;
        self.above.clear();
    }

    /// Every blade, bottom first.
    pub fn iter(&self) -> impl Iterator<Item = &Blade> {
        std::iter::once(&self.root).chain(self.above.iter())
    }

    /// Every blade, bottom first, to change state.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Blade> {
        std::iter::once(&mut self.root).chain(self.above.iter_mut())
    }

    /// How many blades are above the root.
    pub fn depth(&self) -> usize {
        self.above.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_never_popped() {
        let mut stack = NavStack::new(Blade::Home(Menu::default()));
        assert!(stack.pop().is_none());
        stack.push(Blade::Connector);
        assert_eq!(stack.top().kind(), BladeKind::Connector);
        assert!(stack.pop().is_some());
        assert_eq!(stack.top().kind(), BladeKind::Home);
    }

    #[test]
    fn the_cursor_keeps_the_selection_visible() {
        let mut c = Cursor::default();
        c.move_by(15, 100, 10);
        assert_eq!((c.selected, c.offset), (15, 6));
        c.move_by(-12, 100, 10);
        assert_eq!((c.selected, c.offset), (3, 3));
        c.go_to(1000, 100, 10);
        assert_eq!((c.selected, c.offset), (99, 90));
        c.move_by(1, 0, 10);
        assert_eq!(c, Cursor::default());
    }
}
