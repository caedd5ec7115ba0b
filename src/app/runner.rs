//! Performs effects on tokio tasks; each answers with messages. Never touches the model.

use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::gated::{GatedSender, TenantEpoch};
use super::msg::{Msg, SignInState};
use super::{Effect, UiError};
use crate::assist::{self, Polling};
use crate::audit::{Activity, Entry, Outcome};
use crate::auth::StaticToken;
use crate::clock::Clock;
use crate::graph::DeviceQuery;
use crate::services::Services;
use crate::teamviewer::{SessionFilter, TeamViewerClient};

/// Runs IO effects against the services of the tenant shown, and follows sessions with the
/// services of the tenant each was started in.
pub struct Runner {
    services: Services,
    /// The services of tenant profiles shown before, by profile name: their sessions are
    /// still followed.
    others: std::collections::HashMap<String, Services>,
    /// Which tenant is shown; answers for another are dropped.
    epoch: TenantEpoch,
    tx: UnboundedSender<Msg>,
    polling: Polling,
    clock: Clock,
    device_load: Option<JoinHandle<()>>,
    sign_in: Option<JoinHandle<()>>,
    /// The tenant search for the filter being typed; a newer one aborts it.
    search: Option<JoinHandle<()>>,
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.stop_tenant_work();
    }
}

impl Runner {
    /// A runner that answers on `tx`; its tasks run on `clock`.
    pub fn new(
        services: Services,
        tx: UnboundedSender<Msg>,
        polling: Polling,
        clock: Clock,
    ) -> Self {
        Runner {
            services,
            others: std::collections::HashMap::new(),
            epoch: TenantEpoch::default(),
            tx,
            polling,
            clock,
            device_load: None,
            sign_in: None,
            search: None,
        }
    }

    /// Stops the long work done for the tenant shown: the device listing, a sign-in, a
    /// search of the tenant.
    fn stop_tenant_work(&mut self) {
        for task in [
            self.device_load.take(),
            self.sign_in.take(),
            self.search.take(),
        ]
        .into_iter()
        .flatten()
        {
            task.abort();
        }
    }

    /// Runs work for the tenant shown; its answers are dropped if another is shown by then.
    fn spawn<F>(&self, work: impl FnOnce(Services, GatedSender) -> F) -> JoinHandle<()>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let tx = GatedSender::for_current(self.tx.clone(), &self.epoch);
        self.clock.spawn(work(self.services.clone(), tx))
    }

    /// Runs work on a session of tenant profile `tenant` (`None`: a configuration without
    /// profiles), whichever tenant is shown.
    fn spawn_for_session<F>(
        &self,
        tenant: Option<&str>,
        work: impl FnOnce(Services, GatedSender) -> F,
    ) -> JoinHandle<()>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let services = tenant
            .filter(|t| self.services.config.profile.as_deref() != Some(*t))
            .and_then(|t| self.others.get(t))
            .unwrap_or(&self.services)
            .clone();
        let tx = GatedSender::always(self.tx.clone(), &self.epoch);
        self.clock.spawn(work(services, tx))
    }

    /// Shows tenant profile `profile`: its services become the runner's, the ones shown
    /// before keep following their sessions, and work still running for them is stopped.
    fn switch_tenant(&mut self, profile: String) {
        if self.services.config.profile.as_deref() == Some(profile.as_str()) {
            let _ = self
                .tx
                .send(Msg::TenantSwitched(Ok(self.services.config.label())));
            return;
        }
        let next = match self.others.remove(&profile) {
            Some(services) => Ok(services),
            None => self.services.for_profile(&profile),
        };
        let next = match next {
            Ok(next) => next,
            Err(e) => {
                let _ = self.tx.send(Msg::TenantSwitched(Err(UiError::other(e.0))));
                return;
            }
        };
        self.stop_tenant_work();
        self.epoch.advance();
        let label = next.config.label();
        let before = std::mem::replace(&mut self.services, next);
        if let Some(name) = before.config.profile.clone() {
            self.others.insert(name, before);
        }
        let _ = self.tx.send(Msg::TenantSwitched(Ok(label)));
    }

    /// Starts the work an effect asks for. Effects for the terminal (copy, open, quit) are
    /// the front end's and are ignored here.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Start => {
                self.spawn(|s, tx| async move {
                    let account = match &s.microsoft {
                        Some(auth) if s.config.graph_token.is_none() => {
                            auth.account().await.ok().flatten()
                        }
                        _ => None,
                    };
                    if account.is_some() || s.config.graph_token.is_some() {
                        load_inventory(&s, &tx).await;
                    }
                    let teamviewer = s.config.teamviewer_token.is_some()
                        || s.teamviewer_auth
                            .sign_in_kind()
                            .await
                            .ok()
                            .flatten()
                            .is_some();
                    let _ = tx.send(Msg::Started(SignInState {
                        account,
                        graph_token_given: s.config.graph_token.is_some(),
                        can_sign_in: s.microsoft.is_some(),
                        teamviewer,
                        store: s.store.kind().to_string(),
                        store_warning: s.store.warning().map(str::to_string),
                    }));
                });
            }
            Effect::LoadDevices { generation } => {
                if let Some(previous) = self.device_load.take() {
                    previous.abort();
                }
                self.device_load = Some(self.spawn(move |s, tx| async move {
                    let inventory = s.inventory().await;
                    let mut writer = inventory.as_ref().and_then(|i| match i.writer() {
                        Ok(writer) => Some(writer),
                        Err(e) => {
                            let _ = tx.send(Msg::Log(format!(
                                "warning: the inventory cache cannot be written: {e}"
                            )));
                            None
                        }
                    });
                    let mut complete = false;
                    s.graph
                        .each_device_page(DeviceQuery::default(), |page| {
                            let msg = match page {
                                Ok(page) => {
                                    if let Some(w) = &mut writer
                                        && w.page(&page.devices).is_err()
                                    {
                                        writer = None;
                                    }
                                    complete = page.next.is_none();
                                    Msg::DevicesPage {
                                        generation,
                                        done: page.next.is_none(),
                                        devices: page.devices,
                                        total: page.total,
                                    }
                                }
                                Err(e) => Msg::DevicesFailed {
                                    generation,
                                    error: e.into(),
                                },
                            };
                            tx.send(msg).is_ok()
                        })
                        .await;
                    if let (Some(writer), true) = (writer, complete) {
                        let written = s.http.clock().wall();
                        let saved =
                            tokio::task::spawn_blocking(move || writer.finish(written)).await;
                        if let Ok(Err(e)) = saved {
                            let _ = tx.send(Msg::Log(format!(
                                "warning: the inventory cache was not saved: {e}"
                            )));
                        }
                    }
                }));
            }
            Effect::FindDevice { text } => {
                self.spawn(move |s, tx| async move {
                    let result = s
                        .graph
                        .find_devices(&text)
                        .await
                        .map(Box::new)
                        .map_err(UiError::from);
                    let _ = tx.send(Msg::DeviceLookedUp { text, result });
                });
            }
            Effect::SearchTenant { seq, text } => {
                if let Some(previous) = self.search.take() {
                    previous.abort();
                }
                self.search = Some(self.spawn(move |s, tx| async move {
                    let result = s
                        .graph
                        .find_devices(&text)
                        .await
                        .map(|found| found.all())
                        .map_err(UiError::from);
                    let _ = tx.send(Msg::TenantSearched { seq, result });
                }));
            }
            Effect::LoadConnector => {
                self.spawn(|s, tx| async move {
                    let _ = tx.send(Msg::Connector(
                        s.graph.connector().await.map_err(UiError::from),
                    ));
                });
            }
            Effect::LoadCapabilities => {
                self.spawn(|s, tx| async move {
                    let _ = tx.send(Msg::Capabilities(
                        s.graph.capabilities().await.map_err(UiError::from),
                    ));
                });
            }
            Effect::LoadTeamViewerAccount => {
                self.spawn(|s, tx| async move {
                    let _ = tx.send(Msg::TeamViewerAccount(
                        s.teamviewer.account().await.map_err(UiError::from),
                    ));
                });
            }
            Effect::LoadAudit => {
                self.spawn(|s, tx| async move {
                    let audit = s.audit.clone();
                    let read = tokio::task::spawn_blocking(move || {
                        let path = audit.path().map(|p| p.display().to_string());
                        audit.read(None).map(|(mut entries, unreadable)| {
                            entries.reverse();
                            crate::app::msg::AuditView {
                                entries,
                                unreadable,
                                path,
                            }
                        })
                    })
                    .await;
                    let result = match read {
                        Ok(Ok(view)) => Ok(view),
                        Ok(Err(e)) => Err(UiError::other(e.to_string())),
                        Err(e) => Err(UiError::other(e.to_string())),
                    };
                    let _ = tx.send(Msg::AuditLoaded(result));
                });
            }
            Effect::LoadHistory => {
                let now = self.clock.wall();
                let since = now - time::Duration::days(crate::history::DEFAULT_DAYS);
                self.spawn(move |s, tx| async move {
                    let query = crate::history::HistoryQuery {
                        report: crate::teamviewer::ReportQuery {
                            from: Some(since),
                            to: Some(now),
                        },
                        device: None,
                        profile: s.config.profile.clone(),
                    };
                    let result = crate::history::load(&s.teamviewer, &s.audit, &query)
                        .await
                        .map_err(|error| match error {
                            crate::history::HistoryError::Report(api) => {
                                let mut ui = UiError::from(api.clone());
                                ui.message = crate::history::explain(&api);
                                ui
                            }
                            other => UiError::other(other.to_string()),
                        });
                    let _ = tx.send(Msg::HistoryLoaded(result));
                });
            }
            Effect::LoadSessions => {
                self.spawn(|s, tx| async move {
                    let result = s
                        .teamviewer
                        .sessions(SessionFilter::Open)
                        .await
                        .map_err(UiError::from);
                    let _ = tx.send(Msg::SessionsListed(result));
                });
            }
            Effect::SignIn => {
                if let Some(previous) = self.sign_in.take() {
                    previous.abort();
                }
                self.sign_in = Some(self.spawn(|s, tx| async move {
                    let Some(auth) = s.microsoft.clone() else {
                        let _ = tx.send(Msg::SignInFailed(UiError::other(
                            "no app registration is configured",
                        )));
                        return;
                    };
                    let login = match auth.start_device_login().await {
                        Ok(login) => login,
                        Err(e) => {
                            let _ = tx.send(Msg::SignInFailed(e.into()));
                            return;
                        }
                    };
                    let _ = tx.send(Msg::DeviceCode(login.prompt.clone()));
                    let _ = tx.send(match auth.finish_device_login(login).await {
                        Ok(account) => Msg::SignedIn(account),
                        Err(e) => Msg::SignInFailed(e.into()),
                    });
                }));
            }
            Effect::CancelSignIn => {
                if let Some(task) = self.sign_in.take() {
                    task.abort();
                }
            }
            Effect::SaveTeamViewerToken(token) => {
                self.spawn(move |s, tx| async move {
                    let secret = SecretString::from(token);
                    let candidate = TeamViewerClient::new(
                        s.http.clone(),
                        s.config.teamviewer_url.clone(),
                        StaticToken::shared(secret.clone()),
                    );
                    let result = match candidate.ping().await {
                        Ok(true) => match s.teamviewer_auth.save_script_token(secret).await {
                            Ok(()) => candidate.account().await.map_err(UiError::from),
                            Err(e) => Err(e.into()),
                        },
                        Ok(false) => Err(UiError::other(
                            "TeamViewer does not accept that token; create a script token in the Management Console",
                        )),
                        Err(e) => Err(e.into()),
                    };
                    let _ = tx.send(Msg::TeamViewerSaved(result));
                });
            }
            Effect::SignOut => {
                self.spawn(|s, tx| async move {
                    if let Some(dir) = &s.config.inventory_dir {
                        let _ = crate::inventory::delete_all(dir);
                    }
                    if let Some(auth) = &s.microsoft {
                        let _ = auth.sign_out().await;
                    }
                    let _ = s.teamviewer_auth.sign_out().await;
                    let _ = tx.send(Msg::SignedOut);
                });
            }
            Effect::EnableConnector { partner_id } => {
                self.spawn(move |s, tx| async move {
                    let entry =
                        |_: Option<&()>| Entry::new(Activity::ConnectorEnabled, Outcome::Succeeded);
                    let result = audited(&s, &tx, entry, s.enable_connector(partner_id)).await;
                    let result = match result {
                        Ok(()) => s.graph.connector().await.map_err(UiError::from),
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(Msg::ConnectorChanged(result));
                });
            }
            Effect::DisconnectConnector { partner_id } => {
                self.spawn(move |s, tx| async move {
                    let entry = |_: Option<&()>| {
                        Entry::new(Activity::ConnectorDisconnected, Outcome::Succeeded)
                    };
                    let result = audited(&s, &tx, entry, s.graph.disconnect(&partner_id)).await;
                    let result = match result {
                        Ok(()) => s.graph.connector().await.map_err(UiError::from),
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(Msg::ConnectorChanged(result));
                });
            }
            Effect::RequestSession {
                device,
                onboarded,
                ticket,
            } => {
                let polling = self.polling.clone();
                let clock = self.clock.clone();
                self.spawn(move |s, tx| async move {
                    let device_id = device.id().to_owned();
                    let notify = tx.clone();
                    let entry = |started: Option<&assist::StartedSession>| {
                        Entry::session_requested(&device, started).ticket(ticket.as_ref())
                    };
                    let request =
                        s.session_starter(&polling, &clock)
                            .start(&device, onboarded, |via| {
                                let _ = notify.send(Msg::SessionRequested {
                                    device_id: device.id().to_owned(),
                                    via,
                                });
                            });
                    let result = audited(&s, &tx, entry, request).await;
                    let _ = tx.send(match result {
                        Ok(started) => Msg::SessionStarted {
                            device_id,
                            started: Box::new(started),
                            ticket: ticket.clone(),
                        },
                        Err(error) => Msg::SessionFailed { device_id, error },
                    });
                });
            }
            Effect::ObserveSession { code, tenant } => {
                self.spawn_for_session(tenant.as_deref(), move |s, tx| async move {
                    let result = s.teamviewer.observe(&code).await.map_err(UiError::from);
                    let _ = tx.send(Msg::SessionObserved { code, result });
                });
            }
            Effect::CloseSession {
                code,
                tenant,
                device_id,
                device_name,
            } => {
                self.spawn_for_session(tenant.as_deref(), move |s, tx| async move {
                    let entry = |_: Option<&()>| {
                        Entry::new(Activity::SessionClosed, Outcome::Succeeded)
                            .device(&device_id, &device_name)
                            .session(&code)
                    };
                    let result = audited(&s, &tx, entry, s.teamviewer.close_session(&code)).await;
                    let _ = tx.send(Msg::SessionClosed { code, result });
                });
            }
            Effect::SyncDevice {
                device_id,
                device_name,
            } => {
                self.spawn(move |s, tx| async move {
                    let entry = |_: Option<&()>| {
                        Entry::new(Activity::DeviceSynced, Outcome::Succeeded)
                            .device(&device_id, &device_name)
                    };
                    let result = audited(&s, &tx, entry, s.graph.sync_device(&device_id)).await;
                    let _ = tx.send(Msg::SyncSent { device_id, result });
                });
            }
            Effect::ReadLastSync { device_id } => {
                self.spawn(move |s, tx| async move {
                    let result = s.graph.last_sync(&device_id).await.map_err(UiError::from);
                    let _ = tx.send(Msg::LastSyncRead { device_id, result });
                });
            }
            Effect::ExportHistory {
                dir,
                file_name,
                csv,
            } => {
                self.spawn(move |_, tx| async move {
                    let written = tokio::task::spawn_blocking(move || {
                        crate::history::csv::write_new_file(dir, &file_name, &csv)
                    })
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r);
                    let _ = tx.send(Msg::HistoryExported(written.map_err(UiError::other)));
                });
            }
            Effect::SwitchTenant { profile } => self.switch_tenant(profile),
            Effect::LoadTenants => {
                self.spawn(|s, tx| async move {
                    let result = crate::tenants::all_sign_ins(&s)
                        .await
                        .map_err(UiError::other);
                    let _ = tx.send(Msg::TenantsLoaded(result));
                });
            }
            Effect::Copy(_) | Effect::OpenUrl(_) | Effect::Notify { .. } | Effect::Quit => {}
        }
    }
}

/// Shows the cached inventory of the signed-in account, if there is one; a file that cannot
/// be used is set aside with a log line.
async fn load_inventory(services: &Services, tx: &GatedSender) {
    let Some(inventory) = services.inventory().await else {
        return;
    };
    let loading = inventory.clone();
    match tokio::task::spawn_blocking(move || loading.load()).await {
        Ok(Ok(Some(cached))) => {
            let _ = tx.send(Msg::InventoryLoaded(Box::new(cached)));
        }
        Ok(Ok(None)) => {}
        Ok(Err(reason)) => {
            let _ = tx.send(Msg::Log(format!(
                "warning: the inventory cache was ignored ({reason}); it is rebuilt after this listing"
            )));
            let _ = inventory.delete();
        }
        Err(e) => {
            let _ = tx.send(Msg::Log(format!(
                "warning: reading the inventory cache failed: {e}"
            )));
        }
    }
}

/// Runs a change through [`Services::audited`] and tells the dashboard how recording went.
async fn audited<T, E>(
    services: &Services,
    tx: &GatedSender,
    entry: impl FnOnce(Option<&T>) -> Entry,
    change: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, UiError>
where
    E: std::fmt::Display,
    UiError: From<E>,
{
    let done = services
        .audited(entry, change)
        .await
        .map_err(|e| UiError::other(format!("{e}; nothing was changed")))?;
    let _ = tx.send(match done.recorded {
        Ok(()) => Msg::Audited,
        Err(e) => Msg::Log(format!("error: the change was made, but {e}")),
    });
    done.outcome.map_err(UiError::from)
}
