//! Sessions: requested, started, observed, closed and listed, and what may start one.

use super::*;

/// Moves every New Remote Assistance Session blade still requesting for `device_id` to
/// `stage`.
fn settle_request(model: &mut Model, device_id: &str, stage: SessionStage) {
    for blade in model.stack.iter_mut() {
        if let Blade::NewSession {
            device_id: d,
            stage: current,
            ..
        } = blade
            && d == device_id
            && *current == SessionStage::Requesting
        {
            *current = stage.clone();
        }
    }
}

pub(super) fn on_session(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::SessionRequested { device_id, via } => {
            let name = device_name(model, &device_id);
            let text = match via {
                crate::assist::StartedVia::Intune => {
                    format!("Intune is contacting TeamViewer for {name}…")
                }
                crate::assist::StartedVia::TeamViewer => {
                    format!("TeamViewer session created for {name}")
                }
            };
            log(model, text);
            Vec::new()
        }
        Msg::SessionStarted {
            device_id,
            started,
            ticket,
        } => {
            let requested_at = model
                .requesting
                .iter()
                .find(|(d, _)| *d == device_id)
                .map_or(model.now, |(_, at)| *at);
            model.requesting.retain(|(d, _)| *d != device_id);
            let name = device_name(model, &device_id);
            let mut live = started_session(model, *started, device_id.clone(), name, requested_at);
            live.ticket = ticket;
            let key = live.key.clone();
            log(
                model,
                format!("session {} created for {}", live.label(), live.device_name),
            );
            if let Some(why) = live.live.untracked() {
                log(
                    model,
                    format!(
                        "session {}: live state unavailable: {}",
                        live.label(),
                        why.reason()
                    ),
                );
            }
            model.sessions.retain(|s| s.key != key);
            model.sessions.push(live);
            settle_request(model, &device_id, SessionStage::Live { key });
            Vec::new()
        }
        Msg::SessionFailed { device_id, error } => {
            model.requesting.retain(|(d, _)| *d != device_id);
            log(model, format!("session request failed: {}", error.message));
            let failed = SessionStage::Failed {
                message: error.message.clone(),
            };
            settle_request(model, &device_id, failed);
            note_error(model, Service::Graph, &error);
            Vec::new()
        }
        Msg::SessionObserved { code, result } => {
            let now = model.now;
            let (min, max) = (model.options.poll_min, model.options.poll_max);
            let mut logged = Vec::new();
            let mut nudges = Vec::new();
            if let Some(live) = model.session_with_code_mut(&code) {
                live.poll.in_flight = false;
                match result {
                    Ok(session) => {
                        let mut changed = false;
                        for state in session.milestones() {
                            if !live.timeline.iter().any(|(s, _)| *s == state) {
                                live.timeline.push((state, now));
                                logged.push(format!("session {code}: {}", state.label()));
                                if state.worth_a_nudge() {
                                    nudges.push(format!("{}: {}", live.device_name, state.label()));
                                }
                                changed = true;
                            }
                        }
                        live.session = Some(match &live.session {
                            Some(old) => merge_session(old, session),
                            None => session,
                        });
                        live.error = None;
                        live.poll.interval = if changed {
                            min
                        } else {
                            (live.poll.interval * 2).min(max)
                        };
                    }
                    Err(error) => {
                        live.error = Some(error);
                        live.poll.interval = (live.poll.interval * 2).min(max);
                    }
                }
                live.poll.next_at = now + live.poll.interval;
            }
            for line in logged {
                log(model, line);
            }
            if !model.options.notify {
                return Vec::new();
            }
            // One nudge for what this observation brought: the latest milestone.
            nudges
                .pop()
                .map(|body| Effect::Notify {
                    title: "intune-assist".into(),
                    body,
                })
                .into_iter()
                .collect()
        }
        Msg::SessionClosed { code, result } => {
            let now = model.now;
            match result {
                Ok(()) => {
                    if let Some(live) = model.session_with_code_mut(&code) {
                        live.closing = false;
                        if let Some(session) = &mut live.session {
                            session.open = false;
                            session.end_user_online = false;
                        }
                        if !live
                            .timeline
                            .iter()
                            .any(|(s, _)| *s == SessionState::Closed)
                        {
                            live.timeline.push((SessionState::Closed, now));
                        }
                    }
                    flash(model, format!("Session {code} is closed"), false);
                }
                Err(error) => {
                    if let Some(live) = model.session_with_code_mut(&code) {
                        live.closing = false;
                    }
                    flash(model, error.message, true);
                }
            }
            Vec::new()
        }
        Msg::SessionsListed(result) => {
            match result {
                Ok(sessions) => {
                    for session in sessions {
                        let code = session.code.clone();
                        match model.session_with_code_mut(&code) {
                            // Intune's session, now seen by this account: followed from here.
                            Some(known) if known.session.is_none() => {
                                known.session = Some(session);
                                known.live = LiveState::Tracked;
                            }
                            Some(_) => {}
                            None => {
                                let live = listed_session(model, session);
                                model.sessions.push(live);
                            }
                        }
                    }
                    service_answered(model, Service::TeamViewer);
                }
                Err(error) => note_error(model, Service::TeamViewer, &error),
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Polling of a session just learnt of: at once, then at the fastest rate.
pub(super) fn first_poll(model: &Model) -> PollState {
    PollState {
        next_at: model.now,
        interval: model.options.poll_min,
        in_flight: false,
    }
}

/// A session TeamViewer listed that this run did not start.
pub(super) fn listed_session(model: &Model, session: Session) -> LiveSession {
    let now = model.now;
    let timeline = session
        .milestones()
        .into_iter()
        .map(|s| (s, session.created_at.unwrap_or(now)))
        .collect();
    LiveSession {
        key: session.code.clone(),
        code: Some(session.code.clone()),
        session_url: None,
        device_id: None,
        device_name: session
            .description
            .trim_start_matches("Intune remote assistance: ")
            .to_string(),
        tenant: model.options.profile.clone(),
        via: None,
        ticket: None,
        timeline,
        requested_at: None,
        poll: first_poll(model),
        error: None,
        closing: false,
        live: LiveState::Tracked,
        session: Some(session),
    }
}

/// A session this run started, from what starting it found out.
pub(super) fn started_session(
    model: &Model,
    started: crate::assist::StartedSession,
    device_id: String,
    device_name: String,
    requested_at: OffsetDateTime,
) -> LiveSession {
    let now = model.now;
    let mut timeline = vec![(SessionState::Requested, requested_at)];
    timeline.extend(
        started
            .session
            .iter()
            .flat_map(Session::milestones)
            .chain(started.session.is_none().then_some(SessionState::Created))
            .map(|state| (state, now)),
    );
    let key = started
        .code
        .clone()
        .or_else(|| started.session_url.clone())
        .unwrap_or_else(|| format!("{device_id}@{}", requested_at.unix_timestamp()));
    LiveSession {
        key,
        code: started.code,
        session_url: started.session_url,
        session: started.session,
        live: started.live,
        device_id: Some(device_id),
        device_name,
        tenant: model.options.profile.clone(),
        via: Some(started.via),
        ticket: None,
        timeline,
        requested_at: Some(requested_at),
        poll: first_poll(model),
        error: None,
        closing: false,
    }
}

/// Keeps what an observation cannot know (links come only from some responses).
pub(super) fn merge_session(old: &Session, mut new: Session) -> Session {
    new.supporter_link = new.supporter_link.or_else(|| old.supporter_link.clone());
    new.end_customer_link = new
        .end_customer_link
        .or_else(|| old.end_customer_link.clone());
    new.webclient_supporter_link = new
        .webclient_supporter_link
        .or_else(|| old.webclient_supporter_link.clone());
    new
}

/// Asks Intune (or TeamViewer) for a session with the device: the New Remote Assistance
/// Session blade, which names the device and says what will happen, is the confirmation.
pub(super) fn request_session(
    model: &mut Model,
    device_id: &str,
    ticket: Option<Ticket>,
) -> Vec<Effect> {
    let Some(device) = model.devices.get(device_id).map(DeviceRef::to_device) else {
        flash(model, "That device is no longer loaded", true);
        return Vec::new();
    };
    let onboarded = model
        .connector
        .value
        .as_ref()
        .is_some_and(|c| c.is_onboarded());
    model.requesting.push((device_id.to_string(), model.now));
    if let Blade::NewSession { stage, .. } = model.stack.top_mut() {
        *stage = SessionStage::Requesting;
    }
    vec![Effect::RequestSession {
        device: Box::new(device),
        onboarded,
        ticket,
    }]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn a_closed_observation_stops_the_polling() {
        let mut model = admin(20);
        live_session(&mut model, "s123-456-789");
        let mut closed = session("s123-456-789");
        closed.open = false;
        closed.closed_at = Some(model.now);
        let effects = send(
            &mut model,
            Msg::SessionObserved {
                code: "s123-456-789".into(),
                result: Ok(closed),
            },
        );
        assert!(effects.is_empty());
        assert_eq!(model.sessions[0].poll_code(), None);
        let later = model.now + time::Duration::seconds(30);
        assert!(send(&mut model, Msg::Tick(later)).is_empty());
    }

    #[test]
    fn a_session_link_that_is_no_web_address_is_copied_never_opened() {
        let mut model = admin(20);
        model.options.has_display = true;
        let device = connect_first_supported(&mut model);
        let link = "tvsupport://session/AbC123";
        send(
            &mut model,
            Msg::SessionStarted {
                device_id: device.id().to_owned(),
                started: Box::new(crate::assist::StartedSession {
                    via: crate::assist::StartedVia::Intune,
                    session_url: Some(link.into()),
                    code: None,
                    session: None,
                    live: crate::domain::LiveState::Unavailable(crate::domain::Untracked::NoCode),
                }),
                ticket: None,
            },
        );
        let opened = press(&mut model, KeyCode::Char('o'));
        assert!(
            !opened.iter().any(|e| matches!(e, Effect::OpenUrl(_))),
            "{opened:?}"
        );
        assert!(
            model
                .flash
                .as_ref()
                .is_some_and(|f| f.error && f.text.contains("not a web address")),
            "{:?}",
            model.flash
        );
        assert!(
            crate::ui::visible_links(&model).is_empty(),
            "never clickable"
        );
        let copied = press(&mut model, KeyCode::Char('c'));
        assert_eq!(copied, vec![Effect::Copy(link.into())]);
    }

    #[test]
    fn a_failed_request_settles_the_blade_with_the_reason() {
        let mut model = admin(20);
        let device = connect_first_supported(&mut model);
        let effects = send(
            &mut model,
            Msg::SessionFailed {
                device_id: device.id().to_owned(),
                error: UiError::other("Intune said no"),
            },
        );
        assert!(effects.is_empty());
        assert!(matches!(
            model.stack.top(),
            Blade::NewSession { stage: SessionStage::Failed { message }, .. } if message.contains("Intune said no")
        ));
    }

    #[test]
    fn the_end_user_coming_online_nudges_the_admin_once() {
        let mut model = admin(20);
        model.options.notify = true;
        live_session(&mut model, "s123-456-789");
        let mut online = session("s123-456-789");
        online.end_user_online = true;
        let observed = |model: &mut Model, session: Session| {
            send(
                model,
                Msg::SessionObserved {
                    code: "s123-456-789".into(),
                    result: Ok(session),
                },
            )
        };
        let effects = observed(&mut model, online.clone());
        let device = model.sessions[0].device_name.clone();
        assert_eq!(
            effects,
            vec![Effect::Notify {
                title: "intune-assist".into(),
                body: format!("{device}: end user online"),
            }]
        );
        assert!(observed(&mut model, online.clone()).is_empty(), "once");
        let mut quiet = admin(20);
        quiet.options.notify = false;
        live_session(&mut quiet, "s123-456-789");
        assert!(observed(&mut quiet, online).is_empty(), "--quiet");
    }
}
