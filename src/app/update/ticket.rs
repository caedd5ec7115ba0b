//! The ticket line of New Remote Assistance Session, typed with tui-input before Connect.

use super::*;
use crate::app::nav::TicketLine;
use crate::domain::Ticket;

/// The ticket line of the blade on top, when it is a New Remote Assistance Session still
/// waiting for Connect.
fn line_mut(model: &mut Model) -> Option<&mut TicketLine> {
    match model.stack.top_mut() {
        Blade::NewSession {
            stage: SessionStage::Review | SessionStage::Failed { .. },
            ticket,
            ..
        } => Some(ticket),
        _ => None,
    }
}

/// Whether keys type into the ticket line.
pub(super) fn is_editing(model: &Model) -> bool {
    matches!(
        model.stack.top(),
        Blade::NewSession {
            stage: SessionStage::Review | SessionStage::Failed { .. },
            ticket: TicketLine { editing: true, .. },
            ..
        }
    )
}

/// Starts typing in the ticket line, saying `error` when the text was refused.
pub(super) fn start_editing(model: &mut Model, error: Option<String>) {
    if let Some(line) = line_mut(model) {
        if !line.editing {
            line.before = line.input.value().to_string();
        }
        line.editing = true;
        line.error = error;
    }
}

/// A key while the ticket line is typed in: ⏎ keeps the ticket (when it will do), Esc puts
/// back what was there, other keys edit.
pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let required = model.options.ticket_required;
    let Some(line) = line_mut(model) else {
        return Vec::new();
    };
    match keys::action_in(Scope::TicketEditing, &key) {
        Some(KeyAction::Accept) => match Ticket::parse(line.input.value(), false) {
            Ok(ticket) => {
                line.input = Input::new(ticket.map(|t| t.to_string()).unwrap_or_default());
                line.editing = false;
                line.error = (required && line.input.value().is_empty())
                    .then(|| crate::domain::TicketError::Required.to_string());
            }
            Err(why) => line.error = Some(why.to_string()),
        },
        Some(KeyAction::Cancel) => {
            line.input = Input::new(std::mem::take(&mut line.before));
            line.editing = false;
            line.error = None;
        }
        _ => {
            line.input.handle_event(&crossterm::event::Event::Key(key));
            line.error = None;
        }
    }
    Vec::new()
}

/// Pasted text goes into the line being typed in, made safe first.
pub(super) fn on_paste(model: &mut Model, clean: &str) -> bool {
    if !is_editing(model) {
        return false;
    }
    if let Some(line) = line_mut(model) {
        line.input = Input::new(format!("{}{}", line.input.value(), clean.trim()));
    }
    true
}
