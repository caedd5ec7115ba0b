//! The helpdesk ticket a session answers: free text, sanitised and bounded.

use serde::{Deserialize, Serialize};

/// Longest ticket reference, in characters.
pub const MAX_TICKET_CHARS: usize = 64;

/// A ticket reference: sanitised, trimmed, never empty, at most [`MAX_TICKET_CHARS`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ticket(String);

/// Why a ticket was not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error(
        "this profile requires a ticket for every session (ticket_required = true in the \
         configuration): name the ticket the session answers"
    )]
    Required,
    #[error("the ticket is {0} characters long; at most {MAX_TICKET_CHARS} are kept")]
    TooLong(usize),
}

impl Ticket {
    /// Reads what was typed: `None` when empty (refused when `required`). Control and escape
    /// sequences are removed before the length is checked.
    pub fn parse(text: &str, required: bool) -> Result<Option<Ticket>, TicketError> {
        let clean = crate::domain::text::sanitize_bounded(text, 4 * MAX_TICKET_CHARS);
        let clean = clean.trim();
        let chars = clean.chars().count();
        if chars > MAX_TICKET_CHARS {
            return Err(TicketError::TooLong(chars));
        }
        if clean.is_empty() {
            return if required {
                Err(TicketError::Required)
            } else {
                Ok(None)
            };
        }
        Ok(Some(Ticket(clean.to_string())))
    }

    /// A ticket read from a file this app wrote (the audit trail): sanitised again, cut to
    /// the bound rather than refused.
    pub fn from_stored(text: &str) -> Option<Ticket> {
        let clean = crate::domain::text::sanitize_bounded(text, MAX_TICKET_CHARS);
        let clean = clean.trim();
        (!clean.is_empty()).then(|| Ticket(clean.to_string()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_trimmed_and_made_safe() {
        let ticket = Ticket::parse("  INC-0042\u{1b}[31m\u{7}  ", false).expect("taken");
        assert_eq!(ticket.as_ref().map(Ticket::as_str), Some("INC-0042"));
    }

    #[test]
    fn empty_is_fine_unless_required() {
        assert_eq!(Ticket::parse("   ", false), Ok(None));
        assert_eq!(Ticket::parse("", true), Err(TicketError::Required));
        assert!(
            TicketError::Required
                .to_string()
                .contains("ticket_required")
        );
    }

    #[test]
    fn more_than_64_characters_is_refused_not_cut() {
        let long = "é".repeat(65);
        assert_eq!(Ticket::parse(&long, false), Err(TicketError::TooLong(65)));
        let exact = "é".repeat(64);
        assert!(Ticket::parse(&exact, true).is_ok_and(|t| t.is_some()));
    }

    #[test]
    fn a_stored_ticket_is_bounded_again() {
        let stored = Ticket::from_stored(&"x".repeat(100)).expect("kept");
        assert_eq!(stored.as_str().chars().count(), MAX_TICKET_CHARS);
        assert_eq!(Ticket::from_stored(" \u{1b}[2J "), None);
    }
}
