//! Writing results for people (aligned text) or scripts (JSON).

use std::io::Write;

use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Where results and messages go.
pub struct Output<'a> {
    pub out: &'a mut (dyn Write + Send),
    pub err: &'a mut (dyn Write + Send),
    pub json: bool,
}

impl Output<'_> {
    /// Writes a line of text to standard output.
    pub fn line(&mut self, text: impl AsRef<str>) {
        let _ = writeln!(self.out, "{}", text.as_ref());
    }

    /// Writes a note for the person at the terminal (standard error, so JSON stays clean).
    pub fn note(&mut self, text: impl AsRef<str>) {
        let _ = writeln!(self.err, "{}", text.as_ref());
        let _ = self.err.flush();
    }

    /// Writes text to standard output as it is (CSV, with its own line ends).
    pub fn raw(&mut self, bytes: &[u8]) {
        let _ = self.out.write_all(bytes);
        let _ = self.out.flush();
    }

    /// Writes terminal control bytes to standard error as they are (a bell, a notification).
    pub fn raw_err(&mut self, bytes: &str) {
        let _ = self.err.write_all(bytes.as_bytes());
        let _ = self.err.flush();
    }

    /// Writes a value as pretty JSON.
    pub fn json(&mut self, value: &impl Serialize) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => self.line(text),
            Err(e) => self.note(format!("cannot write JSON: {e}")),
        }
    }

    /// Writes a value as one JSON line (for streams of events).
    pub fn json_line(&mut self, value: &impl Serialize) {
        match serde_json::to_string(value) {
            Ok(text) => {
                self.line(text);
                let _ = self.out.flush();
            }
            Err(e) => self.note(format!("cannot write JSON: {e}")),
        }
    }
}

/// Cuts `text` to at most `width` columns, ending with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Lays out rows under headers, each column as wide as its widest cell (up to its limit).
pub fn table(headers: &[(&str, usize)], rows: &[Vec<String>]) -> Vec<String> {
    let widths = column_widths(headers, rows);
    let mut lines = vec![render_row(
        &widths,
        headers.iter().map(|(h, _)| h.to_string()).collect(),
    )];
    lines.extend(rows.iter().map(|r| render_row(&widths, r.clone())));
    lines
}

/// Each column as wide as its widest cell or title, at most its limit.
pub fn column_widths(headers: &[(&str, usize)], rows: &[Vec<String>]) -> Vec<usize> {
    headers
        .iter()
        .enumerate()
        .map(|(i, (h, max))| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.width()))
                .chain([h.width()])
                .max()
                .unwrap_or(0)
                .min(*max)
        })
        .collect()
}

/// One line of a table with columns `widths` wide, two spaces apart.
pub fn render_row(widths: &[usize], cells: Vec<String>) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let width = widths.get(i).copied().unwrap_or(0);
        let cell = fit(cell, width);
        line.push_str(&cell);
        if i + 1 < cells.len() {
            line.push_str(&" ".repeat(width.saturating_sub(cell.width()) + 2));
        }
    }
    line.trim_end().to_string()
}

pub use crate::format::{ago, clock};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_wide_characters() {
        let lines = table(
            &[("NAME", 10), ("USER", 20)],
            &[
                vec!["東京".into(), "a".into()],
                vec!["DESKTOP-VERY-LONG".into(), "b".into()],
            ],
        );
        assert_eq!(lines[0], "NAME        USER");
        assert_eq!(lines[1], "東京        a");
        assert_eq!(lines[2], "DESKTOP-V…  b");
    }
}
