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
        Overlay::CommandLine { input, .. } | Overlay::TeamViewerToken { input } => Some(input),
        _ => None,
    };
    if let Some(input) = input {
        let value = format!("{}{}", input.value(), clean.trim());
        *input = Input::new(value);
        return Vec::new();
    }
    if super::ticket::on_paste(model, &clean) {
        return Vec::new();
    }
    if let Blade::AllDevices(list) = model.stack.top_mut()
        && list.editing
    {
        let value = format!("{}{}", list.filter.value(), clean.trim());
        list.filter = Input::new(value);
        refresh_device_lists(model);
        filter_changed(model);
    }
    Vec::new()
}

pub(super) fn on_mouse(model: &mut Model, mouse: MouseEvent) -> Vec<Effect> {
    match mouse.kind {
        MouseEventKind::ScrollDown => perform(model, KeyAction::Down),
        MouseEventKind::ScrollUp => perform(model, KeyAction::Up),
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
                        return perform(model, KeyAction::Open);
                    }
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// While `:device` searches the tenant, only Esc (stop), `?` (help) and Ctrl-C act: keys
/// typed ahead (`m ⏎ ⏎`) would otherwise act on the blade underneath, not on the device the
/// search opens.
fn on_key_while_searching(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match keys::action_in(Scope::Searching, &key) {
        Some(KeyAction::Cancel) => {
            model.lookup = None;
            flash(model, "Stopped searching the tenant".to_string(), false);
            Vec::new()
        }
        Some(KeyAction::Help) => perform(model, KeyAction::Help),
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
    if model.lookup.is_some() {
        return on_key_while_searching(model, key);
    }
    if super::ticket::is_editing(model) {
        return super::ticket::on_key(model, key);
    }
    if let Blade::AllDevices(list) = model.stack.top_mut()
        && list.editing
    {
        let mut typed = false;
        match keys::action_in(Scope::FilterEditing, &key) {
            Some(KeyAction::Accept) => list.editing = false,
            Some(KeyAction::Cancel) => {
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
        filter_changed(model);
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
    use KeyAction as A;
    let action = keys::action_in(Scope::Overlay(model.overlay.kind()?), &key);
    let overlay = std::mem::take(&mut model.overlay);
    let (overlay, effects) = match (overlay, action) {
        (Overlay::None, _) => return None,
        (Overlay::Help { .. }, Some(A::Cancel)) => (Overlay::None, Vec::new()),
        (Overlay::Help { scroll }, Some(A::Down)) => (
            Overlay::Help {
                scroll: scroll.saturating_add(1),
            },
            Vec::new(),
        ),
        (Overlay::Help { scroll }, Some(A::Up)) => (
            Overlay::Help {
                scroll: scroll.saturating_sub(1),
            },
            Vec::new(),
        ),
        (Overlay::Confirm { pending }, Some(A::Accept)) => {
            (Overlay::None, confirmed(model, pending))
        }
        (Overlay::Confirm { .. }, Some(A::Cancel)) => (Overlay::None, Vec::new()),
        (Overlay::CommandLine { .. }, Some(A::Cancel)) => (Overlay::None, Vec::new()),
        (Overlay::CommandLine { input, .. }, Some(A::Accept)) => {
            let text = input.value().trim().to_string();
            if !text.is_empty() {
                model.command_history.retain(|h| *h != text);
                model.command_history.push(text.clone());
            }
            (Overlay::None, run_command(model, &text))
        }
        (
            Overlay::CommandLine {
                input,
                history_index,
            },
            Some(step @ (A::Up | A::Down)),
        ) => (
            recall(model, input, history_index, step == A::Up),
            Vec::new(),
        ),
        (
            Overlay::CommandLine {
                mut input,
                history_index,
            },
            _,
        ) => {
            input.handle_event(&crossterm::event::Event::Key(key));
            (
                Overlay::CommandLine {
                    input,
                    history_index,
                },
                Vec::new(),
            )
        }
        (Overlay::TeamViewerToken { .. }, Some(A::Cancel)) => (Overlay::None, Vec::new()),
        (Overlay::TeamViewerToken { input }, Some(A::Accept)) => {
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
        (Overlay::TeamViewerToken { mut input }, _) => {
            input.handle_event(&crossterm::event::Event::Key(key));
            (Overlay::TeamViewerToken { input }, Vec::new())
        }
        (Overlay::DeviceLogin { .. }, Some(A::Cancel)) => {
            flash(model, "Sign-in cancelled", false);
            (Overlay::None, vec![Effect::CancelSignIn])
        }
        (Overlay::DeviceLogin { prompt: Some(p) }, Some(A::Copy)) => {
            let code = p.user_code.clone();
            flash(model, "Code copied", false);
            (
                Overlay::DeviceLogin { prompt: Some(p) },
                vec![Effect::Copy(code)],
            )
        }
        (Overlay::DeviceLogin { prompt: Some(p) }, Some(A::OpenBrowser)) => {
            let url = p.verification_uri.clone();
            (
                Overlay::DeviceLogin { prompt: Some(p) },
                vec![Effect::OpenUrl(url)],
            )
        }
        // Any other key leaves the overlay as it is.
        (overlay, _) => (overlay, Vec::new()),
    };
    model.overlay = overlay;
    Some(effects)
}

/// The command line after ↑ (`earlier`) or ↓: the previous or next command from history.
fn recall(model: &Model, input: Input, history_index: Option<usize>, earlier: bool) -> Overlay {
    let len = model.command_history.len();
    if len == 0 {
        return Overlay::CommandLine {
            input,
            history_index,
        };
    }
    let index = match (earlier, history_index) {
        (true, None) => len - 1,
        (true, Some(i)) => i.saturating_sub(1),
        (false, None) => len - 1,
        (false, Some(i)) => (i + 1).min(len - 1),
    };
    Overlay::CommandLine {
        input: Input::new(model.command_history[index].clone()),
        history_index: Some(index),
    }
}

pub(super) fn list_len(model: &Model) -> usize {
    match model.stack.top() {
        Blade::Home(_) => HomeItem::ALL.len(),
        Blade::Devices(_) => DevicesItem::ALL.len(),
        Blade::AllDevices(list) => list.rows.len(),
        Blade::Device { more: Some(_), .. } => MoreItem::shown(model.options.read_only).len(),
        Blade::Sessions(_) => model.sessions.len(),
        Blade::Accounts(_) => AccountItem::ALL.len(),
        Blade::Logs(_) => model.logs.len(),
        Blade::Audit(_) => model.audit.value.as_ref().map_or(0, |a| a.entries.len()),
        Blade::History(_) => model.history.value.as_ref().map_or(0, |h| h.sessions.len()),
        Blade::Tenants(_) => model.options.profiles.len(),
        _ => 0,
    }
}

pub(super) fn cursor_mut(model: &mut Model) -> Option<&mut Cursor> {
    match model.stack.top_mut() {
        Blade::AllDevices(list) => Some(&mut list.cursor),
        Blade::Sessions(cursor)
        | Blade::Logs(cursor)
        | Blade::Audit(cursor)
        | Blade::History(cursor)
        | Blade::Tenants(cursor) => Some(cursor),
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn enter_on_a_confirmation_sends_the_request() {
        let mut model = admin(20);
        let device_id = live_session(&mut model, "s123-456-789");
        assert!(
            press(&mut model, KeyCode::Char('x')).is_empty(),
            "asks first"
        );
        assert_eq!(
            press(&mut model, KeyCode::Enter),
            vec![Effect::CloseSession {
                code: "s123-456-789".into(),
                tenant: None,
                device_id,
                device_name: model.sessions[0].device_name.clone(),
            }]
        );
        assert!(matches!(model.overlay, Overlay::None));
        assert!(model.sessions[0].closing);
    }

    #[test]
    fn no_on_a_confirmation_changes_nothing() {
        let mut model = admin(20);
        live_session(&mut model, "s123-456-789");
        press(&mut model, KeyCode::Char('x'));
        assert!(press(&mut model, KeyCode::Char('n')).is_empty());
        assert!(matches!(model.overlay, Overlay::None));
        assert!(!model.sessions[0].closing);
    }

    #[test]
    fn letters_type_into_the_filter_and_esc_clears_it() {
        let mut model = admin(50);
        type_text(&mut model, ":devices");
        press(&mut model, KeyCode::Enter);
        press(&mut model, KeyCode::Char('/'));
        // `q` and `r` would quit and refresh outside the filter.
        assert!(type_text(&mut model, "qr").is_empty());
        let Blade::AllDevices(list) = model.stack.top() else {
            panic!("still on All devices");
        };
        assert_eq!(list.filter.value(), "qr");
        assert!(press(&mut model, KeyCode::Esc).is_empty());
        let Blade::AllDevices(list) = model.stack.top() else {
            panic!("still on All devices");
        };
        assert!(!list.editing && list.filter.value().is_empty());
    }

    /// `model` on All devices, `rows` below the top, editing the filter.
    fn filtering_below_the_top(mut model: Model, rows: usize) -> Model {
        type_text(&mut model, ":devices");
        press(&mut model, KeyCode::Enter);
        for _ in 0..rows {
            press(&mut model, KeyCode::Down);
        }
        press(&mut model, KeyCode::Char('/'));
        model
    }

    #[test]
    fn a_fuzzy_pattern_selects_its_best_match_and_ranks_rows_as_they_are_shown() {
        let mut model = filtering_below_the_top(admin(400), 5);
        type_text(&mut model, "~d");
        press(&mut model, KeyCode::Enter);
        let height = list_rows(model.size, BladeKind::AllDevices);
        let ranked_as_from_scratch = |model: &Model| {
            let mut fresh = DeviceList {
                filter: Input::new("~d".into()),
                ..DeviceList::default()
            };
            compute_rows(&mut fresh, &model.devices);
            rank_rows_to(&mut fresh, &model.devices, usize::MAX);
            fresh.rows
        };
        let Blade::AllDevices(list) = model.stack.top() else {
            panic!("still on All devices");
        };
        assert_eq!(list.cursor.selected, 0, "the best match is selected");
        let shown = list.ranked_rows();
        assert!(
            shown >= height && shown < list.rows.len(),
            "the rows shown are ranked, not all: {shown} of {}",
            list.rows.len()
        );
        assert_eq!(
            list.rows[..height],
            ranked_as_from_scratch(&model)[..height]
        );
        // Going to the end ranks the rest: every row where a ranking from scratch has it.
        press(&mut model, KeyCode::End);
        let Blade::AllDevices(list) = model.stack.top() else {
            panic!("still on All devices");
        };
        assert_eq!(list.ranked_rows(), list.rows.len());
        assert_eq!(list.cursor.selected, list.rows.len() - 1);
        assert_eq!(list.rows, ranked_as_from_scratch(&model));
    }

    #[test]
    fn a_pasted_fuzzy_pattern_selects_its_best_match() {
        let mut model = filtering_below_the_top(admin(100), 3);
        send(&mut model, Msg::Paste("~d".into()));
        let Blade::AllDevices(list) = model.stack.top() else {
            panic!("still on All devices");
        };
        assert_eq!(list.filter.value(), "~d");
        assert_eq!(list.cursor, Cursor::default());
        assert!(!list.rows.is_empty());
    }

    #[test]
    fn ctrl_c_quits_from_anywhere() {
        let mut model = admin(5);
        press(&mut model, KeyCode::Char(':'));
        let effects = send(
            &mut model,
            Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        );
        assert_eq!(effects, vec![Effect::Quit]);
        assert!(model.quit);
    }
}
