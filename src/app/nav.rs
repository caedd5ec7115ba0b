//! Navigation as data: a stack of blades, each holding its own cursor, filter and scroll, so
//! going back restores the blade below exactly as it was left.

use crate::domain::{Device, Platform};
use tui_input::Input;

/// A cursor over a list: which row is selected and which is at the top.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows within `len`, keeping the selection inside a `height`-row window.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, len as isize - 1);
        self.selected = target as usize;
        self.scroll_into_view(len, height);
    }

    /// Moves to `index` (clamped).
    pub fn go_to(&mut self, index: usize, len: usize, height: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.scroll_into_view(len, height);
    }

    /// Adjusts the offset so the selection is visible in a `height`-row window.
    pub fn scroll_into_view(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

/// Columns of the device table, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    User,
    Os,
    Compliance,
    LastSync,
    Assist,
}

impl Column {
    /// Every column, in display order.
    pub const ALL: [Column; 6] = [
        Column::Name,
        Column::User,
        Column::Os,
        Column::Compliance,
        Column::LastSync,
        Column::Assist,
    ];

    /// The column header.
    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "Device name",
            Column::User => "Primary user",
            Column::Os => "OS",
            Column::Compliance => "Compliance",
            Column::LastSync => "Last sync",
            Column::Assist => "Assist",
        }
    }

    /// The next column, for cycling the sort.
    pub fn next(self) -> Column {
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(i + 1) % Column::ALL.len()]
    }
}

/// Which platforms the device list is narrowed to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OsFilter {
    #[default]
    All,
    Only(Platform),
}

impl OsFilter {
    /// The next choice, for cycling.
    pub fn next(self) -> OsFilter {
        match self {
            OsFilter::All => OsFilter::Only(Platform::Windows),
            OsFilter::Only(Platform::Windows) => OsFilter::Only(Platform::Android),
            OsFilter::Only(Platform::Android) => OsFilter::Only(Platform::Ios),
            OsFilter::Only(Platform::Ios) => OsFilter::Only(Platform::MacOs),
            OsFilter::Only(Platform::MacOs) => OsFilter::Only(Platform::Other),
            OsFilter::Only(Platform::Other) => OsFilter::All,
        }
    }

    /// A label for the title bar.
    pub fn label(self) -> &'static str {
        match self {
            OsFilter::All => "all platforms",
            OsFilter::Only(Platform::Windows) => "Windows",
            OsFilter::Only(Platform::Android) => "Android",
            OsFilter::Only(Platform::Ios) => "iOS/iPadOS",
            OsFilter::Only(Platform::MacOs) => "macOS",
            OsFilter::Only(Platform::Other) => "other platforms",
        }
    }

    /// Whether a device passes.
    pub fn admits(self, device: &Device) -> bool {
        match self {
            OsFilter::All => true,
            OsFilter::Only(platform) => device.platform() == platform,
        }
    }
}

/// The All devices blade's state.
#[derive(Clone, Debug, Default)]
pub struct DeviceList {
    /// The filter being typed or applied.
    pub filter: Input,
    /// True while `/` editing is active.
    pub editing: bool,
    pub os: OsFilter,
    pub sort: Option<(Column, bool)>,
    /// Indices into the loaded devices, filtered and sorted.
    pub rows: Vec<u32>,
    pub cursor: Cursor,
    /// What `rows` were computed from, so the next change does only the work it needs.
    pub cache: super::filter::RowCache,
}

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
