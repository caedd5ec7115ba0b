//! How the device table shares its width: columns by priority, so a narrow terminal keeps what
//! a helpdesk reads first.
//!
//! The device name comes first and keeps its full width, up to the longest name shown (leaving
//! the other core columns their least width). Then Assist, the primary user and the OS each get their
//! least width, and grow toward their best in the order OS, Assist, user. Last sync and
//! compliance are shown only when there is room for them at their best. A column that does not
//! fit at its least width is dropped, with every less useful one.

use crate::app::device_list::Column;

/// Between two columns.
const SPACING: u16 = 1;

/// The device name's least width: its header and a sort marker.
const NAME_MIN: u16 = 12;

/// What a column needs: its least width and the width it reads best at.
#[derive(Clone, Copy, Debug)]
struct Need {
    column: Column,
    least: u16,
    best: u16,
}

/// The columns after the name that every row needs, most useful first.
const CORE: [Need; 3] = [
    Need {
        column: Column::Assist,
        least: 10,
        best: 20,
    },
    Need {
        column: Column::User,
        least: 13,
        best: 26,
    },
    Need {
        column: Column::Os,
        least: 10,
        best: 18,
    },
];

/// The order the core columns grow toward their best: the OS is short and whole at its best.
const GROWTH: [Column; 3] = [Column::Os, Column::Assist, Column::User];

/// Columns shown only when there is room for them at their best, most useful first.
const EXTRA: [Need; 2] = [
    Need {
        column: Column::LastSync,
        least: 11,
        best: 11,
    },
    Need {
        column: Column::Compliance,
        least: 15,
        best: 15,
    },
];

/// The columns that fit in `width` and the width of each, in display order, for a page whose
/// longest device name is `longest_name` columns wide.
pub fn plan(width: u16, longest_name: u16) -> Vec<(Column, u16)> {
    // The name may take all but the core columns' least widths (or, when even those do not
    // fit beside its own least, all but the verdict's): a hostile 10 000-character name
    // cannot push the rest of the table out.
    let core_least: u16 = CORE.iter().map(|n| n.least + SPACING).sum();
    let reserved = if width >= NAME_MIN + core_least {
        core_least
    } else {
        CORE[0].least + SPACING
    };
    let name = longest_name
        .max(NAME_MIN)
        .min(width.saturating_sub(reserved).max(NAME_MIN))
        .min(width);
    let mut left = width - name;
    let mut widths: Vec<(Column, u16)> = vec![(Column::Name, name)];
    for need in CORE {
        if left < need.least + SPACING {
            break;
        }
        left -= need.least + SPACING;
        widths.push((need.column, need.least));
    }
    for column in GROWTH {
        let Some(best) = CORE.iter().find(|n| n.column == column).map(|n| n.best) else {
            continue;
        };
        if let Some((_, w)) = widths.iter_mut().find(|(c, _)| *c == column) {
            let grow = best.saturating_sub(*w).min(left);
            *w += grow;
            left -= grow;
        }
    }
    if widths.len() == 1 + CORE.len() {
        for need in EXTRA {
            if left < need.best + SPACING {
                break;
            }
            left -= need.best + SPACING;
            widths.push((need.column, need.best));
        }
    }
    // What is left goes to the user, whose addresses are long, or else the last column.
    let rest = widths
        .iter()
        .position(|(c, _)| *c == Column::User)
        .unwrap_or(widths.len() - 1);
    widths[rest].1 += left;
    widths.sort_by_key(|(c, _)| Column::ALL.iter().position(|a| a == c));
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width_of(plan: &[(Column, u16)], column: Column) -> Option<u16> {
        plan.iter().find(|(c, _)| *c == column).map(|(_, w)| *w)
    }

    fn used(plan: &[(Column, u16)]) -> u16 {
        plan.iter().map(|(_, w)| w).sum::<u16>() + SPACING * (plan.len() as u16 - 1)
    }

    #[test]
    fn the_name_keeps_its_full_width_before_any_other_column_grows() {
        // 60 columns, less the borders: the 18-character names are whole.
        let narrow = plan(58, 18);
        assert_eq!(width_of(&narrow, Column::Name), Some(18));
        assert!(width_of(&narrow, Column::Assist).is_some(), "{narrow:?}");
        assert!(width_of(&narrow, Column::Os).unwrap_or(0) <= 18);
        assert_eq!(used(&narrow), 58, "{narrow:?}");
    }

    #[test]
    fn less_useful_columns_drop_first() {
        let tight = plan(45, 18);
        let shown: Vec<Column> = tight.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            shown,
            [Column::Name, Column::User, Column::Assist],
            "{tight:?}"
        );
        let tighter = plan(30, 18);
        let shown: Vec<Column> = tighter.iter().map(|(c, _)| *c).collect();
        assert_eq!(shown, [Column::Name, Column::Assist], "{tighter:?}");
        assert!(used(&tighter) <= 30);
    }

    #[test]
    fn wide_tables_show_every_column_and_use_the_whole_width() {
        let wide = plan(150, 20);
        assert_eq!(wide.len(), Column::ALL.len(), "{wide:?}");
        assert_eq!(used(&wide), 150);
        let order: Vec<Column> = wide.iter().map(|(c, _)| *c).collect();
        assert_eq!(order, Column::ALL);
    }

    #[test]
    fn a_hostile_name_never_pushes_the_rest_out() {
        let hostile = plan(78, 10_000);
        assert_eq!(
            hostile.len(),
            4,
            "name, user, OS and the verdict: {hostile:?}"
        );
        assert_eq!(used(&hostile), 78);
        assert_eq!(plan(5, 30), vec![(Column::Name, 5)]);
    }
}
