//! Where things are on the screen, said once: drawing, scrolling, paging and the mouse all
//! use these numbers.

use super::nav::BladeKind;

/// The header, the breadcrumbs and the footer take a row each.
pub const CHROME_ROWS: u16 = 3;
/// Width of the side panes when they show.
pub const PANE_WIDTH: u16 = 38;
/// The narrowest terminal the side panes show on; All devices keeps the whole width until
/// there is room for both.
const PANES_MIN_WIDTH: u16 = 110;
const PANES_MIN_WIDTH_BESIDE_TABLE: u16 = 150;
const PANES_MIN_HEIGHT: u16 = 20;

/// Rows of the body (between the breadcrumbs and the footer) at `size`.
pub fn body_rows(size: (u16, u16)) -> usize {
    usize::from(size.1.saturating_sub(CHROME_ROWS))
}

/// Whether a blade's list has a row of column titles.
pub fn has_column_titles(kind: BladeKind) -> bool {
    matches!(
        kind,
        BladeKind::AllDevices | BladeKind::Sessions | BladeKind::Audit | BladeKind::History
    )
}

/// Rows a blade's list shows at `size`: the body less the border and, for tables, the titles.
pub fn list_rows(size: (u16, u16), kind: BladeKind) -> usize {
    rows_in_blade(body_rows(size), kind)
}

/// Rows a list shows in a blade `height` rows high.
pub fn rows_in_blade(height: usize, kind: BladeKind) -> usize {
    height
        .saturating_sub(2 + usize::from(has_column_titles(kind)))
        .max(1)
}

/// The screen row of a list's first entry: below the header, the breadcrumbs, the border
/// and any column titles.
pub fn first_list_row(kind: BladeKind) -> usize {
    3 + usize::from(has_column_titles(kind))
}

/// Whether the side panes show at `size` beside a blade of `kind`.
pub fn side_panes(size: (u16, u16), kind: BladeKind) -> bool {
    let wide_enough = if kind == BladeKind::AllDevices {
        PANES_MIN_WIDTH_BESIDE_TABLE
    } else {
        PANES_MIN_WIDTH
    };
    size.0 >= wide_enough && size.1 >= PANES_MIN_HEIGHT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_fill_the_body_less_their_frame() {
        assert_eq!(body_rows((120, 40)), 37);
        assert_eq!(list_rows((120, 40), BladeKind::AllDevices), 34);
        assert_eq!(list_rows((120, 40), BladeKind::Logs), 35);
        assert_eq!(first_list_row(BladeKind::AllDevices), 4);
        assert_eq!(list_rows((10, 3), BladeKind::Logs), 1);
    }

    #[test]
    fn panes_show_when_there_is_room() {
        assert!(side_panes((120, 40), BladeKind::Home));
        assert!(!side_panes((120, 40), BladeKind::AllDevices));
        assert!(side_panes((150, 40), BladeKind::AllDevices));
        assert!(!side_panes((200, 19), BladeKind::Home));
    }
}
