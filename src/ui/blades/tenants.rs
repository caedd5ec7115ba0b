//! The Tenants blade: the configuration's tenant profiles, who is signed in to each, and
//! which is shown; ⏎ switches to the selected one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};

use crate::app::Model;
use crate::app::nav::Cursor;
use crate::auth::teamviewer::TeamViewerSignIn;
use crate::ui::theme::Theme;

/// Renders the profiles.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, cursor: &Cursor) {
    let block = Block::bordered().title(format!(" Tenants [{}] ", model.options.profiles.len()));
    if model.options.profiles.is_empty() {
        let lines = vec![
            Line::raw(""),
            Line::raw("No tenant profiles are configured."),
            Line::styled(
                "Add a [tenants.NAME] table to the configuration for each organisation you \
                 serve, then switch with :tenant NAME (see the README).",
                theme.dim(),
            ),
        ];
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
            area,
        );
        return;
    }
    let signed_in = model.tenants.value.as_deref().unwrap_or_default();
    let rows: Vec<Row> = model
        .options
        .profiles
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let shown = model.options.profile.as_deref() == Some(name.as_str());
            let known = signed_in
                .iter()
                .find(|r| r.profile.as_deref() == Some(name.as_str()));
            let microsoft = match known {
                None if model.tenants.loading => Line::styled("…", theme.dim()),
                None => Line::styled("—", theme.dim()),
                Some(r) if r.graph_token_from_environment => {
                    Line::raw("token from the environment")
                }
                Some(r) => match &r.microsoft {
                    Some(account) => Line::raw(account.username.clone()),
                    None => Line::styled("not signed in", theme.dim()),
                },
            };
            let teamviewer = match known.map(|r| r.teamviewer) {
                Some(Some(TeamViewerSignIn::ScriptToken)) => Line::raw("script token"),
                Some(Some(TeamViewerSignIn::OAuth)) => Line::raw("OAuth"),
                Some(None) => Line::styled("not signed in", theme.dim()),
                None => Line::styled("…", theme.dim()),
            };
            let tenant = known.map_or_else(String::new, |r| r.tenant.clone());
            super::selectable(
                Row::new(vec![
                    if shown {
                        Line::styled(theme.dot(), theme.ok())
                    } else {
                        Line::raw("")
                    },
                    Line::raw(name.clone()),
                    Line::raw(tenant),
                    microsoft,
                    teamviewer,
                ]),
                i == cursor.selected,
                theme,
            )
        })
        .collect();
    let header = super::column_titles(["", "Profile", "Tenant", "Microsoft", "TeamViewer"], theme);
    let widths = [
        Constraint::Length(2),
        Constraint::Fill(2),
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Length(14),
    ];
    let block = block.title_bottom(Line::styled(
        " ⏎ switches to the selected tenant; live sessions stay in the side pane ",
        theme.dim(),
    ));
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
