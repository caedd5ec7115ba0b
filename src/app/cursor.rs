//! A cursor over a list: the selected row and the one at the top.

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
