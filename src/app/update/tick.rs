//! The clock moving: flashes expire, watched sessions and an onboarding connector are polled.

use super::*;

pub(super) fn on_tick(model: &mut Model, now: OffsetDateTime) -> Vec<Effect> {
    model.now = now;
    model.frame = model.frame.wrapping_add(1);
    if model.flash.as_ref().is_some_and(|f| f.until <= now) {
        model.flash = None;
    }
    let mut effects: Vec<Effect> = due_search(model, now).into_iter().collect();
    effects.extend(super::sync::due_reads(model, now));
    // Sessions are polled only while someone watches them, and only those TeamViewer shows.
    let watched_on_top = match model.stack.top() {
        Blade::Session { key } => Some(key.clone()),
        Blade::NewSession {
            stage: SessionStage::Live { key },
            ..
        } => Some(key.clone()),
        _ => None,
    };
    let pane = model.side_panes_visible();
    for live in model.sessions.iter_mut() {
        let watched = pane || watched_on_top.as_deref() == Some(live.key.as_str());
        let Some(code) = live.poll_code().map(str::to_string) else {
            continue;
        };
        if watched && !live.poll.in_flight && live.poll.next_at <= now {
            live.poll.in_flight = true;
            effects.push(Effect::ObserveSession {
                code,
                tenant: live.tenant.clone(),
            });
        }
    }
    let onboarding = model
        .connector
        .value
        .as_ref()
        .is_some_and(|c| c.onboarding_status == OnboardingStatus::Onboarding);
    if onboarding
        && model.stack.top().kind() == BladeKind::Connector
        && !model.connector.loading
        && model.frame.is_multiple_of(ticks(CONNECTOR_POLL))
    {
        model.connector.start();
        effects.push(Effect::LoadConnector);
    }
    effects
}

/// Ticks in `every` at the driver's tick rate (250 ms).
pub(super) fn ticks(every: Duration) -> u64 {
    (every.as_millis() / crate::app::msg::TICK.as_millis()).max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn a_watched_session_is_polled_once_at_a_time() {
        let mut model = admin(20);
        live_session(&mut model, "s123-456-789");
        let later = model.now + time::Duration::seconds(30);
        assert_eq!(
            send(&mut model, Msg::Tick(later)),
            vec![Effect::ObserveSession {
                code: "s123-456-789".into(),
                tenant: None,
            }]
        );
        assert!(
            send(&mut model, Msg::Tick(later)).is_empty(),
            "not again while a poll is in flight"
        );
    }

    #[test]
    fn an_unwatched_session_is_not_polled() {
        let mut model = admin(20);
        live_session(&mut model, "s123-456-789");
        model.size = (80, 24); // too narrow for the side pane
        press(&mut model, KeyCode::Esc);
        press(&mut model, KeyCode::Esc);
        let later = model.now + time::Duration::seconds(30);
        assert!(send(&mut model, Msg::Tick(later)).is_empty());
    }
}
