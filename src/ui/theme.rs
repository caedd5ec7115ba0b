//! Semantic styles and symbols, honouring `NO_COLOR` and an ASCII mode. Nothing depends on
//! colour alone: every state also has a word or a symbol.

use ratatui::style::{Color, Modifier, Style};

/// Styles and symbols for one run.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

impl Theme {
    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn emphasis(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn link(&self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::UNDERLINED)
    }

    pub fn check(&self) -> &'static str {
        if self.ascii { "ok" } else { "✓" }
    }
    pub fn cross(&self) -> &'static str {
        if self.ascii { "x" } else { "✗" }
    }
    /// Marks a device found by a search that the listing has not brought yet.
    pub fn found(&self) -> &'static str {
        if self.ascii { "+" } else { "◇" }
    }
    /// The cursor at the end of a line being typed in.
    pub fn cursor(&self) -> &'static str {
        if self.ascii { "_" } else { "▏" }
    }
    pub fn dot(&self) -> &'static str {
        if self.ascii { "*" } else { "●" }
    }
    pub fn ellipsis(&self) -> &'static str {
        if self.ascii { "..." } else { "…" }
    }
    pub fn sep(&self) -> &'static str {
        if self.ascii { " > " } else { " › " }
    }
    pub fn arrow_up(&self) -> &'static str {
        if self.ascii { "^" } else { "↑" }
    }
    pub fn arrow_down(&self) -> &'static str {
        if self.ascii { "v" } else { "↓" }
    }
    pub fn pointer(&self) -> &'static str {
        if self.ascii { "> " } else { "▸ " }
    }
    /// A spinner frame for `frame`.
    pub fn spinner(&self, frame: u64) -> &'static str {
        const UNICODE: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        const ASCII: [&str; 4] = ["|", "/", "-", "\\"];
        if self.ascii {
            ASCII[(frame % 4) as usize]
        } else {
            UNICODE[(frame % 10) as usize]
        }
    }
    /// Replaces Unicode symbols in a registry label with ASCII when needed.
    pub fn label<'a>(&self, label: &'a str) -> &'a str {
        if !self.ascii {
            return label;
        }
        match label {
            "⏎" => "enter",
            "↑↓" => "up/down",
            other => other,
        }
    }
}
