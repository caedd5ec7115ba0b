//! Making untrusted text (anything that came over the network) safe to draw in a terminal.
//!
//! Every string from Graph or TeamViewer passes through [`sanitize`] once, when it becomes a
//! domain value. Escape sequences (CSI, OSC, DCS, SOS, PM, APC, in their 7-bit and 8-bit forms)
//! are removed whole, other control characters are dropped, line breaks and tabs become spaces,
//! bidi overrides and zero-width characters are dropped, and the result is bounded in length.

/// Longest display name kept, in characters; longer text is cut and ends with `…`.
pub const MAX_NAME_CHARS: usize = 256;
/// Longest URL kept, in characters.
pub const MAX_URL_CHARS: usize = 4096;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
const C1_ST: char = '\u{9c}';

/// Sanitises a display string, bounded to [`MAX_NAME_CHARS`].
pub fn sanitize(input: &str) -> String {
    sanitize_bounded(input, MAX_NAME_CHARS)
}

/// Sanitises a URL; any URL that had to be changed to be safe is dropped.
pub fn sanitize_url(input: &str) -> Option<String> {
    let clean = sanitize_bounded(input, MAX_URL_CHARS);
    let unchanged = clean == input;
    let web = clean.starts_with("https://") || clean.starts_with("http://");
    (unchanged && web && !clean.contains(' ')).then_some(clean)
}

/// Whether `link` is a plain web address (http or https, nothing to sanitise), the only kind
/// ever opened in a browser or made clickable.
pub fn is_web_link(link: &str) -> bool {
    sanitize_url(link).is_some()
}

/// Sanitises `input`, keeping at most `max_chars` characters (the last one `…` when cut).
pub fn sanitize_bounded(input: &str, max_chars: usize) -> String {
    let mut out = String::new();
    sanitize_into(&mut out, input, max_chars);
    out
}

/// Appends `input` sanitised to `out`, keeping at most `max_chars` characters of it.
pub fn sanitize_into(out: &mut String, input: &str, max_chars: usize) {
    // Text within bounds with nothing that may not be drawn (printable ASCII, the common
    // case, or accented letters and the like) is copied as it is.
    if input.len() <= max_chars && is_sanitized(input) {
        out.push_str(input);
        return;
    }
    out.reserve(input.len().min(max_chars * 4));
    let mut kept = 0usize;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        let replacement = match c {
            ESC => {
                skip_escape(&mut chars);
                continue;
            }
            '\u{9b}' => {
                skip_csi(&mut chars);
                continue;
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                skip_string(&mut chars);
                continue;
            }
            '\n' | '\r' | '\t' => ' ',
            c if is_invisible(c) => continue,
            c => c,
        };
        if kept == max_chars {
            out.pop();
            out.push('…');
            break;
        }
        out.push(replacement);
        kept += 1;
    }
}

/// Whether every byte is printable ASCII (space to `~`): text that is safe as it is.
///
/// Every byte is looked at (no early exit), which lets the check run on whole vectors.
pub fn is_printable_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |printable, b| printable & (0x20..0x7f).contains(b))
}

/// Whether [`sanitize`] leaves `text` (of at most [`MAX_NAME_CHARS`] characters) as it is:
/// nothing in it that may not be drawn.
pub fn is_sanitized(text: &str) -> bool {
    let bytes = text.as_bytes();
    if is_printable_ascii(bytes) {
        return true;
    }
    // No ASCII control, and whether any byte may start one of the others: each of those
    // starts with one of these bytes in UTF-8 (C1 controls, the Arabic letter mark, the
    // general punctuation block, the specials). Every byte is looked at, so both checks run
    // on whole vectors; text with accented letters alone has none of these bytes.
    let no_ascii_control = bytes
        .iter()
        .fold(true, |ok, &b| ok & (b >= 0x20) & (b != 0x7f));
    let may_hold_others = bytes.iter().fold(false, |may, &b| {
        may | (b == 0xc2) | (b == 0xd8) | (b == 0xe2) | (b == 0xef)
    });
    no_ascii_control
        && (!may_hold_others
            || bytes.iter().enumerate().all(|(at, &b)| {
                !matches!(b, 0xc2 | 0xd8 | 0xe2 | 0xef)
                    || !text
                        .get(at..)
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(is_invisible)
            }))
}

/// Control characters, bidi controls and zero-width characters, none of which may be drawn.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width space/joiners, LRM, RLM
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{061c}'              // Arabic letter mark
            | '\u{feff}'              // zero-width no-break space / BOM
            | '\u{fff9}'..='\u{fffb}' // interlinear annotations
        )
}

/// Skips what follows an ESC: a CSI, a string sequence (OSC, DCS, SOS, PM, APC), or one char.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-char sequences with an intermediate byte (e.g. ESC ( B) take one more char.
        Some(' '..='/') => {
            chars.next();
        }
        _ => {}
    }
}

/// Skips CSI parameters and intermediates up to and including the final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Not a valid CSI byte: the sequence is malformed; stop swallowing here.
            return;
        }
    }
}

/// Skips a control string up to its terminator (BEL, ESC \, or the 8-bit ST).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | C1_ST => return,
            ESC => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitized_text_is_told_without_sanitising_it() {
        for text in [
            "",
            "DESKTOP-1",
            "Büro-Łódź-端末 …",
            "tab\there",
            "esc\u{1b}[31m",
            "c1 \u{9b}31m",
            "bidi \u{202e}txt",
            "zero\u{200b}width",
            "del\u{7f}",
            "bom\u{feff}",
        ] {
            assert_eq!(is_sanitized(text), sanitize(text) == text, "{text:?}");
        }
        // Every character, alone and among others.
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = format!("a{c}é");
            assert_eq!(is_sanitized(&text), sanitize(&text) == text, "{c:?}");
        }
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(sanitize("DESKTOP-7F3K"), "DESKTOP-7F3K");
        assert_eq!(sanitize("Zoë 日本語 🙂"), "Zoë 日本語 🙂");
    }

    #[test]
    fn escape_sequences_are_removed_whole() {
        assert_eq!(sanitize("a\x1b[2Jb"), "ab");
        assert_eq!(sanitize("a\x1b[38;5;196mred\x1b[0m"), "ared");
        assert_eq!(sanitize("x\x1b]0;pwned\x07y"), "xy");
        assert_eq!(sanitize("x\x1b]52;c;ZXZpbA==\x1b\\y"), "xy");
        assert_eq!(
            sanitize("\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\"),
            "link"
        );
        assert_eq!(sanitize("a\x1bP1$qm\x1b\\b"), "ab");
        assert_eq!(sanitize("a\u{9b}2Jb"), "ab");
        assert_eq!(sanitize("a\u{9d}0;t\u{9c}b"), "ab");
        assert_eq!(sanitize("a\x1b(Bb"), "ab");
    }

    #[test]
    fn controls_bidi_and_zero_width_are_dropped() {
        assert_eq!(sanitize("a\nb\tc\rd"), "a b c d");
        assert_eq!(sanitize("a\x00\x07\x08\x7fb"), "ab");
        assert_eq!(sanitize("abc\u{202e}fed"), "abcfed");
        assert_eq!(sanitize("a\u{200b}b\u{feff}c\u{2066}d"), "abcd");
        assert_eq!(sanitize("a\u{85}b"), "ab");
    }

    #[test]
    fn unterminated_sequences_do_not_leak() {
        assert_eq!(sanitize("a\x1b]0;never ends"), "a");
        assert_eq!(sanitize("a\x1b["), "a");
        assert_eq!(sanitize("a\x1b"), "a");
    }

    #[test]
    fn long_text_is_bounded() {
        let long = "x".repeat(10_000);
        let clean = sanitize(&long);
        assert_eq!(clean.chars().count(), MAX_NAME_CHARS);
        assert!(clean.ends_with('…'));
        assert_eq!(sanitize_bounded("abc", 3), "abc");
        assert_eq!(sanitize_bounded("abcd", 3), "ab…");
    }

    #[test]
    fn urls_must_be_clean_web_urls() {
        assert_eq!(
            sanitize_url("https://get.teamviewer.com/v15/s1").as_deref(),
            Some("https://get.teamviewer.com/v15/s1")
        );
        assert_eq!(sanitize_url("https://x/\x1b]52;c;x\x07"), None);
        assert_eq!(sanitize_url("javascript:alert(1)"), None);
        assert_eq!(sanitize_url("https://a b"), None);
    }
}
