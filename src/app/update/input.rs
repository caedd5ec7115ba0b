//! Keys, mouse, paste and resizes: into overlays, the filter, or the key registry's actions.

use super::*;

pub(super) fn on_resize(model: &mut Model, w: u16, h: u16) -> Vec<Effect> {
    model.size = (w, h);
    super::data::rescroll(model);
    Vec::new()
}

pub(super) fn on_paste(model: &mut Model, text: &str) -> Vec<Effect> {
    let clean: String = crate::domain::text::sanitize_bounded(text, 4096);
    let input = match &mut model.overlay {
        Overlay::Command { input, .. } | Overlay::TeamViewerToken { input } => Some(input),
        _ => None,
    };
    if let Some(input) = input {
        let value = format!("{}{}", input.value(), clean.trim());
        *input = Input::new(value);
        return Vec::new();
    }
    if let Blade::AllDevices(list) = model.stack.top_mut()
        && list.editing
    {
        let value = format!("{}{}", list.filter.value(), clean.trim());
        list.filter = Input::new(value);
        refresh_device_lists(model);
    }
    Vec::new()
}

pub(super) fn on_mouse(model: &mut Model, mouse: MouseEvent) -> Vec<Effect> {
    match mouse.kind {
        MouseEventKind::ScrollDown => perform(model, Action::Down),
        MouseEventKind::ScrollUp => perform(model, Action::Up),
        MouseEventKind::Down(crossterm::event::MouseButton::Left) => {
            let kind = model.stack.top().kind();
            let first = crate::app::layout::first_list_row(kind);
            let row = usize::from(mouse.row);
            if row < first || !matches!(model.overlay, Overlay::None) {
                return Vec::new();
            }
            let clicked = row - first;
            let size = model.size;
            let len = list_len(model);
            if let Some(cursor) = cursor_mut(model) {
                let index = cursor.offset + clicked;
                if index < len {
                    let already = cursor.selected == index;
                    cursor.go_to(index, len, list_rows(size, kind));
                    if already {
                        return perform(model, Action::Open);
                    }
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        model.quit = true;
        return vec![Effect::Quit];
    }
    if let Some(effects) = on_overlay_key(model, key) {
        return effects;
    }
    if let Blade::AllDevices(list) = model.stack.top_mut()
        && list.editing
    {
        let mut typed = false;
        match key.code {
            KeyCode::Enter | KeyCode::Down | KeyCode::Up => list.editing = false,
            KeyCode::Esc => {
                list.editing = false;
                list.filter.reset();
            }
            _ => {
                let before = list.filter.value().to_string();
                list.filter.handle_event(&crossterm::event::Event::Key(key));
                typed = list.filter.value() != before;
            }
        }
        refresh_device_lists(model);
        if typed && let Blade::AllDevices(list) = model.stack.top_mut() {
            // Typing a filter selects its best match, as a search box does.
            list.cursor = Cursor::default();
        }
        return Vec::new();
    }
    let kind = model.stack.top().kind();
    match keys::action_for(kind, &key, model.options.read_only) {
        Some(action) => perform(model, action),
        None => Vec::new(),
    }
}

/// Keys for an open overlay; `None` when no overlay is open.
pub(super) fn on_overlay_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    let overlay = std::mem::take(&mut model.overlay);
    let (overlay, effects) = match overlay {
        Overlay::None => return None,
        Overlay::Help { scroll } => match key.code {
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => {
                (Overlay::None, Vec::new())
            }
            KeyCode::Down | KeyCode::Char('j') => (
                Overlay::Help {
                    scroll: scroll.saturating_add(1),
                },
                Vec::new(),
            ),
            KeyCode::Up | KeyCode::Char('k') => (
                Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                },
                Vec::new(),
            ),
            _ => (Overlay::Help { scroll }, Vec::new()),
        },
        Overlay::Confirm { pending } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                (Overlay::None, confirmed(model, pending))
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                (Overlay::None, Vec::new())
            }
            _ => (Overlay::Confirm { pending }, Vec::new()),
        },
        Overlay::Command {
            mut input,
            history_index,
        } => match key.code {
            KeyCode::Esc => (Overlay::None, Vec::new()),
            KeyCode::Enter => {
                let text = input.value().trim().to_string();
                if !text.is_empty() {
                    model.command_history.retain(|h| *h != text);
                    model.command_history.push(text.clone());
                }
                (Overlay::None, run_command(model, &text))
            }
            KeyCode::Up | KeyCode::Down => {
                let len = model.command_history.len();
                if len == 0 {
                    (
                        Overlay::Command {
                            input,
                            history_index,
                        },
                        Vec::new(),
                    )
                } else {
                    let index = match (key.code, history_index) {
                        (KeyCode::Up, None) => len - 1,
                        (KeyCode::Up, Some(i)) => i.saturating_sub(1),
                        (_, None) => len - 1,
                        (_, Some(i)) => (i + 1).min(len - 1),
                    };
                    let text = model.command_history[index].clone();
                    (
                        Overlay::Command {
                            input: Input::new(text),
                            history_index: Some(index),
                        },
                        Vec::new(),
                    )
                }
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                (
                    Overlay::Command {
                        input,
                        history_index,
                    },
                    Vec::new(),
                )
            }
        },
        Overlay::TeamViewerToken { mut input } => match key.code {
            KeyCode::Esc => (Overlay::None, Vec::new()),
            KeyCode::Enter => {
                let token = input.value().trim().to_string();
                if token.is_empty() {
                    (Overlay::TeamViewerToken { input }, Vec::new())
                } else {
                    // The overlay stays until TeamViewer answers.
                    (
                        Overlay::TeamViewerToken {
                            input: Input::default(),
                        },
                        vec![Effect::SaveTeamViewerToken(token)],
                    )
                }
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                (Overlay::TeamViewerToken { input }, Vec::new())
            }
        },
        Overlay::DeviceLogin { prompt } => match key.code {
            KeyCode::Esc => {
                flash(model, "Sign-in cancelled", false);
                (Overlay::None, vec![Effect::CancelSignIn])
            }
            KeyCode::Char('c') => match &prompt {
                Some(p) => {
                    let code = p.user_code.clone();
                    flash(model, "Code copied", false);
                    (Overlay::DeviceLogin { prompt }, vec![Effect::Copy(code)])
                }
                None => (Overlay::DeviceLogin { prompt }, Vec::new()),
            },
            KeyCode::Char('o') => match &prompt {
                Some(p) => {
                    let url = p.verification_uri.clone();
                    (Overlay::DeviceLogin { prompt }, vec![Effect::OpenUrl(url)])
                }
                None => (Overlay::DeviceLogin { prompt }, Vec::new()),
            },
            _ => (Overlay::DeviceLogin { prompt }, Vec::new()),
        },
    };
    model.overlay = overlay;
    Some(effects)
}

pub(super) fn list_len(model: &Model) -> usize {
    match model.stack.top() {
        Blade::Home(_) => HomeItem::ALL.len(),
        Blade::Devices(_) => DevicesItem::ALL.len(),
        Blade::AllDevices(list) => list.rows.len(),
        Blade::Device { more: Some(_), .. } => MoreItem::ALL.len(),
        Blade::Sessions(_) => model.sessions.len(),
        Blade::Accounts(_) => AccountItem::ALL.len(),
        Blade::Logs(_) => model.logs.len(),
        Blade::Audit(_) => model.audit.value.as_ref().map_or(0, |a| a.entries.len()),
        _ => 0,
    }
}

pub(super) fn cursor_mut(model: &mut Model) -> Option<&mut Cursor> {
    match model.stack.top_mut() {
        Blade::AllDevices(list) => Some(&mut list.cursor),
        Blade::Sessions(cursor) | Blade::Logs(cursor) | Blade::Audit(cursor) => Some(cursor),
        _ => None,
    }
}

pub(super) fn menu_mut(model: &mut Model) -> Option<&mut Menu> {
    match model.stack.top_mut() {
        Blade::Home(menu) | Blade::Devices(menu) | Blade::Accounts(menu) => Some(menu),
        Blade::Device {
            more: Some(menu), ..
        } => Some(menu),
        _ => None,
    }
}

pub(super) fn move_selection(model: &mut Model, delta: isize, to_end: Option<bool>) {
    let len = list_len(model);
    let kind = model.stack.top().kind();
    let height = list_rows(model.size, kind);
    if let Some(cursor) = cursor_mut(model) {
        match to_end {
            Some(false) => cursor.go_to(0, len, height),
            Some(true) => cursor.go_to(len.saturating_sub(1), len, height),
            None => cursor.move_by(delta, len, height),
        }
    } else if let Some(menu) = menu_mut(model) {
        let last = len.saturating_sub(1) as isize;
        menu.selected = match to_end {
            Some(false) => 0,
            Some(true) => last as usize,
            None => (menu.selected as isize + delta).clamp(0, last) as usize,
        };
    }
}
