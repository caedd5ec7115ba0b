//! The audit trail: every action that changes something in the tenant, as JSON lines in the
//! state directory, synced to disk before the action is reported done.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What was done (the trail's `action` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activity {
    #[serde(rename = "session.requested")]
    SessionRequested,
    #[serde(rename = "session.closed")]
    SessionClosed,
    #[serde(rename = "connector.enabled")]
    ConnectorEnabled,
    #[serde(rename = "connector.disconnected")]
    ConnectorDisconnected,
    #[serde(rename = "device.synced")]
    DeviceSynced,
}

impl Activity {
    /// How the action reads in a list.
    pub fn label(self) -> &'static str {
        match self {
            Activity::SessionRequested => "session requested",
            Activity::SessionClosed => "session closed",
            Activity::ConnectorEnabled => "connector enabled",
            Activity::ConnectorDisconnected => "connector disconnected",
            Activity::DeviceSynced => "device sync requested",
        }
    }
}

/// How it went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Succeeded,
    Failed,
}

/// One line of the trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub action: Activity,
    pub outcome: Outcome,
    /// The signed-in admin, or how the app was authorised.
    pub admin: String,
    pub tenant: String,
    /// The tenant profile the change was made in, when the configuration has profiles.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub profile: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub device_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub device_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_code: String,
    /// Intune's link to the session (`remoteAssistanceSessionUrl`), as it was given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_url: String,
    /// The helpdesk ticket the session answers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ticket: String,
    /// Why it failed, or what else is worth knowing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Entry {
    /// An entry for `action` now; who and where are filled in when it is recorded.
    pub fn new(action: Activity, outcome: Outcome) -> Entry {
        Entry {
            time: OffsetDateTime::now_utc(),
            action,
            outcome,
            admin: String::new(),
            tenant: String::new(),
            profile: String::new(),
            device_id: String::new(),
            device_name: String::new(),
            session_code: String::new(),
            session_url: String::new(),
            ticket: String::new(),
            detail: String::new(),
        }
    }
}

/// Why the trail could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the audit log {path}: {error}")]
pub struct AuditError {
    pub path: PathBuf,
    pub error: String,
}

/// Where the trail is kept.
#[derive(Clone, Debug)]
pub enum AuditLog {
    /// A JSON-lines file (created with owner-only permissions).
    File(PathBuf),
    /// In memory, for the demo and tests: simulated actions stay out of the real trail.
    Memory(Arc<Mutex<Vec<Entry>>>),
}

impl AuditLog {
    /// A trail in memory.
    pub fn memory() -> Self {
        AuditLog::Memory(Arc::default())
    }

    /// The file the trail is kept in, if it is a file.
    pub fn path(&self) -> Option<&Path> {
        match self {
            AuditLog::File(path) => Some(path),
            AuditLog::Memory(_) => None,
        }
    }

    fn fail(&self, error: impl ToString) -> AuditError {
        AuditError {
            path: self
                .path()
                .map_or_else(|| PathBuf::from("(memory)"), Path::to_path_buf),
            error: error.to_string(),
        }
    }

    /// Appends `entry` and waits until it is on disk.
    pub fn append(&self, entry: &Entry) -> Result<(), AuditError> {
        match self {
            AuditLog::Memory(entries) => {
                entries
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(entry.clone());
                Ok(())
            }
            AuditLog::File(path) => {
                let mut line = serde_json::to_vec(entry).map_err(|e| self.fail(e))?;
                line.push(b'\n');
                let mut file = open_for_append(path).map_err(|e| self.fail(e))?;
                file.write_all(&line).map_err(|e| self.fail(e))?;
                file.sync_data().map_err(|e| self.fail(e))
            }
        }
    }

    /// Checks the trail can be written, before an action that must be recorded.
    pub fn check_writable(&self) -> Result<(), AuditError> {
        match self {
            AuditLog::Memory(_) => Ok(()),
            AuditLog::File(path) => open_for_append(path).map(drop).map_err(|e| self.fail(e)),
        }
    }

    /// Every entry at or after `since`, oldest first. Lines that cannot be read are skipped
    /// and counted.
    pub fn read(&self, since: Option<OffsetDateTime>) -> Result<(Vec<Entry>, usize), AuditError> {
        let keep = |e: &Entry| since.is_none_or(|s| e.time >= s);
        match self {
            AuditLog::Memory(entries) => Ok((
                entries
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .iter()
                    .filter(|e| keep(e))
                    .cloned()
                    .collect(),
                0,
            )),
            AuditLog::File(path) => {
                let text = match std::fs::read(path) {
                    Ok(bytes) => bytes,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                    Err(e) => return Err(self.fail(e)),
                };
                let mut entries = Vec::new();
                let mut unreadable = 0;
                for line in text
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.trim_ascii().is_empty())
                {
                    match serde_json::from_slice::<Entry>(line) {
                        // The file is outside the app's control: its text is made safe again.
                        Ok(entry) if keep(&entry) => entries.push(entry.sanitized()),
                        Ok(_) => {}
                        Err(_) => unreadable += 1,
                    }
                }
                Ok((entries, unreadable))
            }
        }
    }
}

fn open_for_append(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The default trail file: `audit.jsonl` in the state directory.
pub fn default_path() -> Option<PathBuf> {
    crate::logging::state_dir().map(|dir| dir.join("audit.jsonl"))
}

impl Entry {
    fn sanitized(mut self) -> Entry {
        use crate::domain::text::sanitize;
        for field in [
            &mut self.admin,
            &mut self.tenant,
            &mut self.profile,
            &mut self.device_id,
            &mut self.device_name,
            &mut self.session_code,
            &mut self.detail,
        ] {
            *field = sanitize(field);
        }
        self.session_url = crate::domain::text::sanitize_bounded(
            &self.session_url,
            crate::domain::text::MAX_URL_CHARS,
        );
        self.ticket = crate::domain::Ticket::from_stored(&self.ticket)
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        self
    }

    /// With the device it concerns.
    pub fn device(mut self, id: &str, name: &str) -> Entry {
        self.device_id = id.to_string();
        self.device_name = name.to_string();
        self
    }

    /// With the session it concerns.
    pub fn session(mut self, code: &str) -> Entry {
        self.session_code = code.to_string();
        self
    }

    /// A session requested for `device`, with what was started when it was (`None` when the
    /// request failed).
    pub fn session_requested(
        device: &crate::domain::Device,
        started: Option<&crate::assist::StartedSession>,
    ) -> Entry {
        let entry = Entry::new(Activity::SessionRequested, Outcome::Succeeded)
            .device(device.id(), device.name());
        match started {
            Some(started) => entry.started(started),
            None => entry,
        }
    }

    /// With the session that was started: its code and Intune's link to it, as known.
    pub fn started(mut self, started: &crate::assist::StartedSession) -> Entry {
        if let Some(code) = &started.code {
            self.session_code = code.clone();
        }
        if let Some(url) = &started.session_url {
            self.session_url = url.clone();
        }
        self
    }

    /// With the helpdesk ticket it answers, when one was given.
    pub fn ticket(mut self, ticket: Option<&crate::domain::Ticket>) -> Entry {
        self.ticket = ticket.map(|t| t.as_str().to_string()).unwrap_or_default();
        self
    }

    /// Intune's link to the session: the field, or the detail older versions wrote it in.
    pub fn link(&self) -> Option<&str> {
        if !self.session_url.is_empty() {
            return Some(&self.session_url);
        }
        self.detail.strip_prefix("session link ")
    }

    /// Failed, for `reason`.
    pub fn failed(mut self, reason: impl ToString) -> Entry {
        self.outcome = Outcome::Failed;
        self.detail = reason.to_string();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: Activity, minutes: i64) -> Entry {
        Entry {
            time: time::macros::datetime!(2026-11-24 09:00 UTC) + time::Duration::minutes(minutes),
            device_id: "d1".into(),
            device_name: "DESKTOP-1".into(),
            session_code: "s123-456-789".into(),
            admin: "admin@contoso.com".into(),
            tenant: "contoso".into(),
            ..Entry::new(action, Outcome::Succeeded)
        }
    }

    #[test]
    fn appends_lines_that_read_back_and_filter_by_time() {
        let dir = tempfile::tempdir().expect("dir");
        let log = AuditLog::File(dir.path().join("state/audit.jsonl"));
        log.append(&entry(Activity::SessionRequested, 0))
            .expect("append");
        log.append(&entry(Activity::SessionClosed, 10))
            .expect("append");
        let (all, bad) = log.read(None).expect("read");
        assert_eq!((all.len(), bad), (2, 0));
        assert_eq!(all[1].action, Activity::SessionClosed);
        let since = time::macros::datetime!(2026-11-24 09:05 UTC);
        let (later, _) = log.read(Some(since)).expect("read");
        assert_eq!(later.len(), 1);
        let text = std::fs::read_to_string(log.path().expect("path")).expect("text");
        assert!(
            text.lines()
                .next()
                .is_some_and(|l| l.contains("\"action\":\"session.requested\""))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log.path().expect("path"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_line_is_skipped_and_counted() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::File(path.clone());
        log.append(&entry(Activity::ConnectorEnabled, 0))
            .expect("append");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{\"time\": trunc\n"))
            .expect("damage");
        let (entries, bad) = log.read(None).expect("read");
        assert_eq!((entries.len(), bad), (1, 1));
    }
}
