//! `--ascii`: every cell redrawn as one ASCII character.

use ratatui::buffer::Buffer;

/// Redraws every cell in ASCII, for terminals and fonts that lack anything else: box-drawing
/// and block characters (borders, the QR code) and the app's own marks by their ASCII forms,
/// and text from the services transliterated (`’` → `'`, `é` → `e`) where one ASCII character
/// stands for it, else `?` — one column for one column, so the layout holds.
pub fn redraw(buffer: &mut Buffer) {
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let ascii = ascii_symbol(symbol);
        cell.set_symbol(ascii);
    }
}

/// The one ASCII character drawn for a cell's symbol.
fn ascii_symbol(symbol: &str) -> &'static str {
    let mut chars = symbol.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        let mark = match c {
            '─' | '━' | '═' | '╌' | '┄' => Some("-"),
            '│' | '┃' | '║' | '╎' | '┆' => Some("|"),
            '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╯' | '╰' | '┏'
            | '┓' | '┗' | '┛' | '╔' | '╗' | '╚' | '╝' => Some("+"),
            '█' | '▀' | '▄' => Some("#"),
            // The app's own marks and separators, in running text.
            '…' => Some("."),
            '›' | '▸' => Some(">"),
            '●' => Some("*"),
            '—' | '–' | '·' => Some("-"),
            _ => None,
        };
        if let Some(mark) = mark {
            return mark;
        }
    }
    let transliterated = deunicode::deunicode(symbol);
    let mut chars = transliterated.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_graphic() || c == ' ' => {
            let at = usize::from(c as u8 - b' ');
            PRINTABLE.get(at..=at).unwrap_or("?")
        }
        _ => "?",
    }
}

/// The printable ASCII characters, from the space on, to lend cells a `&'static str`.
const PRINTABLE: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

#[cfg(test)]
mod ascii_tests {
    use super::ascii_symbol;

    #[test]
    fn every_cell_becomes_one_ascii_character() {
        for (symbol, ascii) in [
            ("’", "'"),
            ("é", "e"),
            ("e\u{301}", "e"),
            ("—", "-"),
            ("·", "-"),
            ("┌", "+"),
            ("漢", "?"),
            ("“", "\""),
        ] {
            assert_eq!(ascii_symbol(symbol), ascii, "{symbol:?}");
        }
    }

    #[test]
    fn the_printable_table_lends_each_character_itself() {
        for c in ' '..='~' {
            let at = usize::from(c as u8 - b' ');
            assert_eq!(super::PRINTABLE.get(at..=at), Some(c.to_string().as_str()));
        }
    }
}
