//! A device asked to check in (Graph's `syncDevice`): whether it has, and how long to wait.

use std::time::Duration;

use time::OffsetDateTime;

/// How long a sync is watched for the device to check in before it is said that it has not.
pub const CHECK_IN_WAIT: Duration = Duration::from_secs(120);

/// Where a sync stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncState {
    /// Being sent to Intune.
    Sending,
    /// Intune took it; the device has not checked in yet.
    Waiting,
    /// The device checked in at this time.
    CheckedIn(OffsetDateTime),
    /// No check-in within [`CHECK_IN_WAIT`] (the device may be off or offline).
    NotYet,
    /// Intune refused it, or it could not be sent.
    Failed(String),
}

/// A sync and the device's last check-in before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncWatch {
    pub device_id: String,
    /// The device's `lastSyncDateTime` when the sync was sent.
    pub before: Option<OffsetDateTime>,
    /// When the sync was sent.
    pub sent_at: OffsetDateTime,
    pub state: SyncState,
}

impl SyncWatch {
    /// A sync of `device_id` sent at `now`, the device last seen at `before`.
    pub fn new(device_id: &str, before: Option<OffsetDateTime>, now: OffsetDateTime) -> Self {
        SyncWatch {
            device_id: device_id.to_string(),
            before,
            sent_at: now,
            state: SyncState::Sending,
        }
    }

    /// Takes the device's `lastSyncDateTime` as read at `now`: checked in when it moved past
    /// what it was, given up once [`CHECK_IN_WAIT`] has passed.
    pub fn observe(&mut self, last_sync: Option<OffsetDateTime>, now: OffsetDateTime) {
        if !matches!(self.state, SyncState::Waiting) {
            return;
        }
        match last_sync {
            Some(at) if self.before.is_none_or(|before| at > before) => {
                self.state = SyncState::CheckedIn(at);
            }
            _ if self.expired(now) => self.state = SyncState::NotYet,
            _ => {}
        }
    }

    /// Whether the wait for a check-in is over at `now`.
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        now - self.sent_at >= CHECK_IN_WAIT
    }

    /// Whether the device is still being watched.
    pub fn watching(&self) -> bool {
        matches!(self.state, SyncState::Sending | SyncState::Waiting)
    }

    /// How the sync went, to follow the word "Sync".
    pub fn describe(&self, now: OffsetDateTime) -> String {
        match &self.state {
            SyncState::Sending => "asking Intune…".into(),
            SyncState::Waiting => format!(
                "sent {}; waiting for the device to check in ({} s left)",
                crate::format::ago(Some(self.sent_at), now),
                (CHECK_IN_WAIT.as_secs() as i64 - (now - self.sent_at).whole_seconds()).max(0)
            ),
            SyncState::CheckedIn(at) => format!(
                "the device checked in at {}",
                crate::format::clock(Some(*at))
            ),
            SyncState::NotYet => format!(
                "sent, but the device has not checked in within {} min (it may be off or \
                 offline; it syncs when it is next online)",
                CHECK_IN_WAIT.as_secs() / 60
            ),
            SyncState::Failed(why) => format!("failed: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_check_in_is_a_last_sync_that_moved() {
        let t0 = datetime!(2026-12-01 9:00 UTC);
        let mut watch = SyncWatch::new("d1", Some(t0 - time::Duration::hours(19)), t0);
        watch.state = SyncState::Waiting;
        watch.observe(
            Some(t0 - time::Duration::hours(19)),
            t0 + time::Duration::seconds(10),
        );
        assert_eq!(watch.state, SyncState::Waiting, "not moved yet");
        let at = t0 + time::Duration::seconds(15);
        watch.observe(Some(at), t0 + time::Duration::seconds(20));
        assert_eq!(watch.state, SyncState::CheckedIn(at));
        assert!(!watch.watching());
    }

    #[test]
    fn two_minutes_without_a_check_in_is_said() {
        let t0 = datetime!(2026-12-01 9:00 UTC);
        let mut watch = SyncWatch::new("d1", None, t0);
        watch.state = SyncState::Waiting;
        watch.observe(None, t0 + time::Duration::seconds(119));
        assert_eq!(watch.state, SyncState::Waiting);
        watch.observe(None, t0 + time::Duration::seconds(120));
        assert_eq!(watch.state, SyncState::NotYet);
        assert!(
            watch
                .describe(t0)
                .contains("has not checked in within 2 min")
        );
    }
}
