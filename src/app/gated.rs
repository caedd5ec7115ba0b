//! A sender for work done for one tenant: once the dashboard has switched to another tenant,
//! what that work answers is dropped rather than shown as the new tenant's.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc::UnboundedSender;

use super::msg::Msg;

/// Which tenant is shown: a number that changes with every switch.
#[derive(Clone, Debug, Default)]
pub struct TenantEpoch(Arc<AtomicU64>);

impl TenantEpoch {
    /// The tenant shown now.
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Another tenant is shown from now on.
    pub fn advance(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A message that was not delivered: its tenant is no longer shown, or the dashboard has
/// gone.
#[derive(Debug, PartialEq, Eq)]
pub struct Dropped;

/// Sends messages while the tenant they were sent for is the one shown; `always` sends
/// regardless (sessions, which are followed whichever tenant is shown).
#[derive(Clone, Debug)]
pub struct GatedSender {
    tx: UnboundedSender<Msg>,
    epoch: TenantEpoch,
    /// The tenant this work is for; `None` for work that outlives a switch.
    sent_for: Option<u64>,
}

impl GatedSender {
    /// A sender for work done for the tenant shown now.
    pub fn for_current(tx: UnboundedSender<Msg>, epoch: &TenantEpoch) -> Self {
        GatedSender {
            tx,
            sent_for: Some(epoch.current()),
            epoch: epoch.clone(),
        }
    }

    /// A sender whose messages always arrive.
    pub fn always(tx: UnboundedSender<Msg>, epoch: &TenantEpoch) -> Self {
        GatedSender {
            tx,
            sent_for: None,
            epoch: epoch.clone(),
        }
    }

    /// Sends `msg` unless the dashboard has switched tenants since this work began; `Err`
    /// when it was dropped or the dashboard has gone.
    pub fn send(&self, msg: Msg) -> Result<(), Dropped> {
        if self
            .sent_for
            .is_some_and(|epoch| epoch != self.epoch.current())
        {
            return Err(Dropped);
        }
        self.tx.send(msg).map_err(|_| Dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_for_a_tenant_no_longer_shown_are_dropped() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let epoch = TenantEpoch::default();
        let before = GatedSender::for_current(tx.clone(), &epoch);
        let sessions = GatedSender::always(tx, &epoch);
        assert!(before.send(Msg::Quit).is_ok());
        epoch.advance();
        assert!(
            before.send(Msg::Quit).is_err(),
            "the old tenant's answer is dropped"
        );
        assert!(
            sessions.send(Msg::Quit).is_ok(),
            "a session's answer still arrives"
        );
        assert!(matches!(rx.try_recv(), Ok(Msg::Quit)));
        assert!(matches!(rx.try_recv(), Ok(Msg::Quit)));
        assert!(rx.try_recv().is_err());
    }
}
