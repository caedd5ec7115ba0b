//! Tapes: the text format of a scripted run, one command a line.
//!
//! ```text
//! # a comment
//! key Enter                 one key; several may follow: key Down Down Enter
//! key j*5                   a key five times
//! key ctrl-c                modifiers: ctrl-, alt-, shift-
//! type DESKTOP-7            the rest of the line, typed; quote it to keep spaces: type "  a"
//! wait-for "Connected" 30s  until the screen shows the text (default 10 s of app time)
//! wait-idle                 until nothing loads and no request is under way
//! sleep 2s                  let app time pass
//! resize 80x24              the terminal's new size
//! snapshot device-list      write the screen as NAME.txt (and .ansi or .svg)
//! ```

use std::collections::HashSet;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The default `wait-for` and `wait-idle` timeout, in app time.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most times one `key` may repeat a key.
const MAX_REPEAT: usize = 10_000;
/// The largest terminal a tape may ask for.
const MAX_SIZE: u16 = 1000;

/// One command of a tape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Keys(Vec<KeyEvent>),
    Type(String),
    WaitFor { text: String, timeout: Duration },
    WaitIdle { timeout: Duration },
    Sleep(Duration),
    Resize { width: u16, height: u16 },
    Snapshot(String),
}

/// A command and the line it came from (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    pub command: Command,
}

/// A parsed tape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tape {
    pub steps: Vec<Step>,
}

/// A line of a tape that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TapeError {
    pub line: usize,
    pub message: String,
}

impl Tape {
    /// Reads a tape; the first bad line is the error.
    pub fn parse(source: &str) -> Result<Tape, TapeError> {
        let mut steps = Vec::new();
        let mut names = HashSet::new();
        for (index, raw) in source.lines().enumerate() {
            let line = index + 1;
            let fail = |message: String| TapeError { line, message };
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (word, rest) = match trimmed.split_once(char::is_whitespace) {
                Some((word, rest)) => (word, rest.trim()),
                None => (trimmed, ""),
            };
            let command = match word {
                "key" => Command::Keys(parse_keys(rest).map_err(fail)?),
                "type" => {
                    let text = if rest.starts_with('"') {
                        let (text, after) = quoted(rest).map_err(fail)?;
                        if !after.trim().is_empty() {
                            return Err(fail(format!(
                                "unexpected `{}` after the text",
                                after.trim()
                            )));
                        }
                        text
                    } else {
                        rest.to_string()
                    };
                    if text.is_empty() {
                        return Err(fail("`type` needs the text to type".into()));
                    }
                    Command::Type(text)
                }
                "wait-for" => {
                    if !rest.starts_with('"') {
                        return Err(fail("`wait-for` needs the text in double quotes".into()));
                    }
                    let (text, after) = quoted(rest).map_err(fail)?;
                    if text.is_empty() {
                        return Err(fail("`wait-for` needs a text to wait for".into()));
                    }
                    Command::WaitFor {
                        text,
                        timeout: optional_duration(after).map_err(fail)?,
                    }
                }
                "wait-idle" => Command::WaitIdle {
                    timeout: optional_duration(rest).map_err(fail)?,
                },
                "sleep" => Command::Sleep(duration(rest).map_err(fail)?),
                "resize" => {
                    let (width, height) = size(rest).map_err(fail)?;
                    Command::Resize { width, height }
                }
                "snapshot" => {
                    let name = rest;
                    if name.is_empty()
                        || name.starts_with('.')
                        || !name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    {
                        return Err(fail(format!(
                            "snapshot name `{name}` must be letters, digits, `-`, `_` or `.`"
                        )));
                    }
                    if !names.insert(name.to_string()) {
                        return Err(fail(format!("snapshot `{name}` is taken twice")));
                    }
                    Command::Snapshot(name.to_string())
                }
                other => {
                    return Err(fail(format!(
                        "unknown command `{other}`: use key, type, wait-for, wait-idle, sleep, resize or snapshot"
                    )));
                }
            };
            steps.push(Step { line, command });
        }
        Ok(Tape { steps })
    }
}

/// A double-quoted string (with `\"` and `\\` escapes) and what follows it.
fn quoted(text: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &text[i + 1..])),
            '\\' => match chars.next() {
                Some((_, c @ ('"' | '\\'))) => out.push(c),
                Some((_, other)) => return Err(format!("unknown escape `\\{other}`")),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("the closing `\"` is missing".into())
}

fn optional_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        Ok(DEFAULT_TIMEOUT)
    } else {
        duration(text)
    }
}

/// `500ms`, `2s`, `1.5s`, `3m`.
pub fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("`{text}` is not a duration like 500ms, 2s or 1m");
    let (number, unit) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        return Err(bad());
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = value * unit;
    if !seconds.is_finite() || !(0.0..=86_400.0).contains(&seconds) {
        return Err(format!("`{text}` must be between 0 s and 24 h"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `120x40`.
pub fn size(text: &str) -> Result<(u16, u16), String> {
    let bad = || format!("`{text}` is not a size like 120x40");
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let width: u16 = w.parse().map_err(|_| bad())?;
    let height: u16 = h.parse().map_err(|_| bad())?;
    if width < 20 || height < 5 || width > MAX_SIZE || height > MAX_SIZE {
        return Err(format!(
            "`{text}`: sizes run from 20x5 to {MAX_SIZE}x{MAX_SIZE}"
        ));
    }
    Ok((width, height))
}

fn parse_keys(text: &str) -> Result<Vec<KeyEvent>, String> {
    if text.is_empty() {
        return Err("`key` needs a key, such as Enter, j or ctrl-c".into());
    }
    let mut keys = Vec::new();
    for word in text.split_whitespace() {
        let (name, repeat) = match word.rsplit_once('*') {
            Some((name, count)) if !name.is_empty() => {
                let count: usize = count
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_REPEAT).contains(n))
                    .ok_or_else(|| format!("`{word}`: repeat 1 to {MAX_REPEAT} times"))?;
                (name, count)
            }
            _ => (word, 1),
        };
        let key = parse_key(name)?;
        keys.extend(std::iter::repeat_n(key, repeat));
    }
    Ok(keys)
}

/// One key: a character, a named key, or either with `ctrl-`, `alt-` or `shift-` before it.
pub fn parse_key(word: &str) -> Result<KeyEvent, String> {
    let mut modifiers = KeyModifiers::NONE;
    let mut rest = word;
    loop {
        let lower = rest.to_ascii_lowercase();
        let (prefix, flag) = if lower.starts_with("ctrl-") {
            ("ctrl-", KeyModifiers::CONTROL)
        } else if lower.starts_with("alt-") {
            ("alt-", KeyModifiers::ALT)
        } else if lower.starts_with("shift-") {
            ("shift-", KeyModifiers::SHIFT)
        } else {
            break;
        };
        if rest.len() == prefix.len() {
            break;
        }
        modifiers |= flag;
        rest = &rest[prefix.len()..];
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => {
            if c.is_ascii_uppercase() {
                modifiers |= KeyModifiers::SHIFT;
            }
            KeyCode::Char(c)
        }
        _ => match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 => match f[1..].parse::<u8>() {
                Ok(n @ 1..=12) => KeyCode::F(n),
                _ => return Err(format!("unknown key `{word}`")),
            },
            _ => return Err(format!("unknown key `{word}`")),
        },
    };
    Ok(KeyEvent::new(code, modifiers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_command() {
        let tape = Tape::parse(
            "# comment\n\nkey Enter j*2 ctrl-c\ntype DESKTOP 7\ntype \"  a\\\"b\"\nwait-for \"Connected\" 30s\nwait-idle\nsleep 500ms\nresize 80x24\nsnapshot list-1\n",
        )
        .expect("parses");
        let commands: Vec<_> = tape.steps.iter().map(|s| s.command.clone()).collect();
        assert_eq!(
            commands,
            vec![
                Command::Keys(vec![
                    KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
                    KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE),
                    KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE),
                    KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                ]),
                Command::Type("DESKTOP 7".into()),
                Command::Type("  a\"b".into()),
                Command::WaitFor {
                    text: "Connected".into(),
                    timeout: Duration::from_secs(30)
                },
                Command::WaitIdle {
                    timeout: DEFAULT_TIMEOUT
                },
                Command::Sleep(Duration::from_millis(500)),
                Command::Resize {
                    width: 80,
                    height: 24
                },
                Command::Snapshot("list-1".into()),
            ]
        );
        assert_eq!(tape.steps[0].line, 3);
    }

    #[test]
    fn errors_name_the_line() {
        for (source, line, needle) in [
            ("key Entr", 1, "unknown key `Entr`"),
            ("\nwait-for Connected", 2, "double quotes"),
            ("wait-for \"x", 1, "closing"),
            ("wait-for \"x\" soon", 1, "not a duration"),
            ("resize 10x2", 1, "sizes run"),
            ("snapshot ../etc/passwd", 1, "must be letters"),
            ("snapshot a\nsnapshot a", 2, "taken twice"),
            ("jump", 1, "unknown command `jump`"),
            ("key j*0", 1, "repeat"),
            ("type", 1, "needs the text"),
        ] {
            let error = Tape::parse(source).expect_err(source);
            assert_eq!(error.line, line, "{source}");
            assert!(error.message.contains(needle), "{source}: {error}");
        }
    }

    #[test]
    fn keys_take_modifiers_and_names_in_any_case() {
        assert_eq!(
            parse_key("CTRL-Shift-tab"),
            Ok(KeyEvent::new(
                KeyCode::Tab,
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            ))
        );
        assert_eq!(
            parse_key("S"),
            Ok(KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT))
        );
        assert_eq!(
            parse_key("-"),
            Ok(KeyEvent::new(KeyCode::Char('-'), KeyModifiers::NONE))
        );
        assert_eq!(
            parse_key("F5"),
            Ok(KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE))
        );
        assert!(parse_key("F13").is_err());
    }
}
