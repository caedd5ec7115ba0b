//! Screens as files: plain text, ANSI-styled text and SVG, each from a rendered buffer.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// How styled snapshots are written, besides the plain text every snapshot gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text only.
    #[default]
    Txt,
    /// Plain text, and text with ANSI colour and attribute sequences.
    Ansi,
    /// Plain text, and an SVG picture.
    Svg,
}

impl Format {
    /// The extension of the styled file, if this format writes one.
    pub fn styled_extension(self) -> Option<&'static str> {
        match self {
            Format::Txt => None,
            Format::Ansi => Some("ansi"),
            Format::Svg => Some("svg"),
        }
    }

    /// The styled rendering of `buffer`, if this format has one.
    pub fn styled(self, buffer: &Buffer) -> Option<String> {
        match self {
            Format::Txt => None,
            Format::Ansi => Some(ansi(buffer)),
            Format::Svg => Some(svg(buffer)),
        }
    }
}

/// The screen as plain text, one line a row, trailing spaces trimmed, ending with a newline.
pub fn text(buffer: &Buffer) -> String {
    let mut out = crate::ui::buffer_text(buffer);
    out.push('\n');
    out
}

/// The cells of one row that start a character (the columns a wide character covers after
/// its first are left out), with their column.
fn row_cells(buffer: &Buffer, y: u16) -> Vec<(u16, &Cell)> {
    let area = buffer.area;
    let mut cells = Vec::with_capacity(usize::from(area.width));
    let mut skip = 0usize;
    for x in area.left()..area.right() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let cell = &buffer[(x, y)];
        skip = cell.symbol().width().saturating_sub(1);
        cells.push((x, cell));
    }
    cells
}

/// The screen with SGR sequences for colours and attributes; each row ends reset.
pub fn ansi(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in buffer.area.top()..buffer.area.bottom() {
        let mut current: Option<(Color, Color, Modifier)> = None;
        for (_, cell) in row_cells(buffer, y) {
            let style = (cell.fg, cell.bg, cell.modifier);
            if current != Some(style) {
                out.push_str(&sgr(cell.fg, cell.bg, cell.modifier));
                current = Some(style);
            }
            out.push_str(cell.symbol());
        }
        out.push_str("\x1b[0m\n");
    }
    out
}

fn sgr(fg: Color, bg: Color, modifier: Modifier) -> String {
    let mut codes = vec!["0".to_string()];
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if modifier.contains(flag) {
            codes.push(code.into());
        }
    }
    if let Some(code) = color_code(fg, false) {
        codes.push(code);
    }
    if let Some(code) = color_code(bg, true) {
        codes.push(code);
    }
    format!("\x1b[{}m", codes.join(";"))
}

fn color_code(color: Color, background: bool) -> Option<String> {
    let base = if background { 40 } else { 30 };
    let bright = if background { 100 } else { 90 };
    let code = match color {
        Color::Reset => return None,
        Color::Black => base,
        Color::Red => base + 1,
        Color::Green => base + 2,
        Color::Yellow => base + 3,
        Color::Blue => base + 4,
        Color::Magenta => base + 5,
        Color::Cyan => base + 6,
        Color::Gray => base + 7,
        Color::DarkGray => bright,
        Color::LightRed => bright + 1,
        Color::LightGreen => bright + 2,
        Color::LightYellow => bright + 3,
        Color::LightBlue => bright + 4,
        Color::LightMagenta => bright + 5,
        Color::LightCyan => bright + 6,
        Color::White => bright + 7,
        Color::Indexed(i) => return Some(format!("{};5;{i}", base + 8)),
        Color::Rgb(r, g, b) => return Some(format!("{};2;{r};{g};{b}", base + 8)),
    };
    Some(code.to_string())
}

/// Cell size in the SVG, in pixels.
const CELL_WIDTH: f32 = 8.4;
const CELL_HEIGHT: u16 = 18;
const PADDING: u16 = 12;
const FOREGROUND: &str = "#d4d4d4";
const BACKGROUND: &str = "#1e1e1e";

/// The colour of `color` in the SVG's palette (a dark terminal theme).
fn rgb(color: Color) -> Option<String> {
    let hex = match color {
        Color::Reset => return None,
        Color::Black => "#000000",
        Color::Red => "#cd3131",
        Color::Green => "#0dbc79",
        Color::Yellow => "#e5e510",
        Color::Blue => "#2472c8",
        Color::Magenta => "#bc3fbc",
        Color::Cyan => "#11a8cd",
        Color::Gray => "#e5e5e5",
        Color::DarkGray => "#767676",
        Color::LightRed => "#f14c4c",
        Color::LightGreen => "#23d18b",
        Color::LightYellow => "#f5f543",
        Color::LightBlue => "#3b8eea",
        Color::LightMagenta => "#d670d6",
        Color::LightCyan => "#29b8db",
        Color::White => "#ffffff",
        Color::Rgb(r, g, b) => return Some(format!("#{r:02x}{g:02x}{b:02x}")),
        Color::Indexed(i) => return Some(indexed(i)),
    };
    Some(hex.into())
}

/// The xterm 256-colour palette.
fn indexed(i: u8) -> String {
    const BASIC: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match i {
        0..=15 => rgb(BASIC[usize::from(i)]).unwrap_or_else(|| FOREGROUND.into()),
        16..=231 => {
            let n = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(n / 36),
                level((n / 6) % 6),
                level(n % 6)
            )
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

/// Escapes text for XML.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One run of cells sharing a style on a row.
struct Run {
    x: u16,
    columns: u16,
    text: String,
    fg: String,
    bg: Option<String>,
    modifier: Modifier,
}

fn runs(buffer: &Buffer, y: u16) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (x, cell) in row_cells(buffer, y) {
        let reversed = cell.modifier.contains(Modifier::REVERSED);
        let (mut fg, mut bg) = (rgb(cell.fg), rgb(cell.bg));
        if reversed {
            (fg, bg) = (
                Some(bg.unwrap_or_else(|| BACKGROUND.into())),
                Some(fg.unwrap_or_else(|| FOREGROUND.into())),
            );
        }
        let fg = fg.unwrap_or_else(|| FOREGROUND.into());
        let width = cell.symbol().width().max(1) as u16;
        let modifier = cell.modifier - Modifier::REVERSED;
        match runs.last_mut() {
            Some(run) if run.fg == fg && run.bg == bg && run.modifier == modifier => {
                run.text.push_str(cell.symbol());
                run.columns += width;
            }
            _ => runs.push(Run {
                x,
                columns: width,
                text: cell.symbol().to_string(),
                fg,
                bg,
                modifier,
            }),
        }
    }
    runs
}

/// The screen as an SVG picture: a terminal window with the cells drawn in their colours.
pub fn svg(buffer: &Buffer) -> String {
    let area = buffer.area;
    let width = f32::from(area.width) * CELL_WIDTH + f32::from(PADDING * 2);
    let height = area.height * CELL_HEIGHT + PADDING * 2;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height}" viewBox="0 0 {width:.0} {height}" font-family="'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace" font-size="14">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" rx="6" fill="{BACKGROUND}"/>"#
    );
    for y in area.top()..area.bottom() {
        let top = PADDING + (y - area.top()) * CELL_HEIGHT;
        let row = runs(buffer, y);
        for run in &row {
            if let Some(bg) = &run.bg {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{top}" width="{:.1}" height="{CELL_HEIGHT}" fill="{bg}"/>"#,
                    f32::from(PADDING) + f32::from(run.x - area.left()) * CELL_WIDTH,
                    f32::from(run.columns) * CELL_WIDTH,
                );
            }
        }
        for run in &row {
            if run.text.trim().is_empty() {
                continue;
            }
            let mut attributes = format!(r#" fill="{}""#, run.fg);
            if run.modifier.contains(Modifier::BOLD) {
                attributes.push_str(r#" font-weight="bold""#);
            }
            if run.modifier.contains(Modifier::ITALIC) {
                attributes.push_str(r#" font-style="italic""#);
            }
            if run.modifier.contains(Modifier::DIM) {
                attributes.push_str(r#" opacity="0.6""#);
            }
            if run.modifier.contains(Modifier::UNDERLINED) {
                attributes.push_str(r#" text-decoration="underline""#);
            }
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{}" textLength="{:.1}" lengthAdjust="spacingAndGlyphs" xml:space="preserve"{attributes}>{}</text>"#,
                f32::from(PADDING) + f32::from(run.x - area.left()) * CELL_WIDTH,
                top + CELL_HEIGHT - 5,
                f32::from(run.columns) * CELL_WIDTH,
                xml(&run.text),
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    fn sample() -> Buffer {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 12, 2));
        buffer.set_string(0, 0, "ok <b>", Style::new().fg(Color::Green));
        buffer.set_string(
            0,
            1,
            "名前 x",
            Style::new().add_modifier(Modifier::REVERSED),
        );
        buffer
    }

    #[test]
    fn text_is_plain() {
        assert_eq!(text(&sample()), "ok <b>\n名前 x\n");
    }

    #[test]
    fn ansi_carries_colours_and_resets_each_row() {
        let out = ansi(&sample());
        assert!(out.starts_with("\x1b[0;32mok <b>"), "{out:?}");
        assert!(out.contains("\x1b[0;7m名前 x"), "{out:?}");
        assert_eq!(out.matches("\x1b[0m\n").count(), 2);
    }

    #[test]
    fn svg_escapes_text_and_draws_reversed_cells_with_a_background() {
        let out = svg(&sample());
        assert!(out.contains("ok &lt;b&gt;"), "{out}");
        assert!(!out.contains("<b>"));
        assert!(out.contains(&format!(r#"fill="{FOREGROUND}"/>"#)), "{out}");
        assert!(out.ends_with("</svg>\n"));
    }
}
