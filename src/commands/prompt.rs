//! Asking the person at the terminal: confirmations and hidden input.

use std::io::{BufRead, IsTerminal};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;

use super::{CommandError, output::Output};

/// Asks a yes/no question on the terminal; without a terminal, the answer is no.
pub fn confirm(question: &str, out: &mut Output<'_>) -> Result<bool, CommandError> {
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::usage(format!(
            "{question} (no terminal to ask on: pass --yes or --accept-license)"
        )));
    }
    out.note(format!("{question} [y/N] "));
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CommandError::usage(format!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Reads a secret: typed hidden on a terminal, or the first line of standard input otherwise.
pub fn read_secret(prompt: &str, out: &mut Output<'_>) -> std::io::Result<String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim().to_string());
    }
    let _ = write!(out.err, "{prompt}");
    let _ = out.err.flush();
    terminal::enable_raw_mode()?;
    let result = read_hidden();
    let restored = terminal::disable_raw_mode();
    let _ = writeln!(out.err);
    restored?;
    result
}

fn read_hidden() -> std::io::Result<String> {
    let mut secret = String::new();
    loop {
        if let Event::Key(key) = event::read()? {
            if key.kind != KeyEventKind::Press {
                continue;
            }
            match key.code {
                KeyCode::Enter => return Ok(secret.trim().to_string()),
                KeyCode::Esc => return Ok(String::new()),
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::Interrupted,
                        "cancelled",
                    ));
                }
                KeyCode::Backspace => {
                    secret.pop();
                }
                KeyCode::Char(c) => secret.push(c),
                _ => {}
            }
        }
    }
}
