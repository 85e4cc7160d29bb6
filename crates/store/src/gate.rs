//! The alarm writer's priority over bulk writes.
//!
//! SQLite has one writer at a time, and a long transaction there makes every alarm wait for it
//! (a panel gives up on its ACK after seconds). Bulk writes (imports, seeds, generated
//! history, quality runs) therefore commit in short chunks, and before each chunk they wait
//! here while an alarm commit is waiting or running: the alarm writer waits at most for the
//! one chunk already under way, never behind a queue of them.

use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Notify;

/// Rows a bulk write commits per transaction: a few milliseconds of work on either back end.
pub(crate) const BULK_ROWS: usize = 500;

#[derive(Default)]
pub(crate) struct WriteGate {
    /// Alarm commits waiting for the writer or running on it.
    alarms: AtomicUsize,
    /// Woken when the last of them is done.
    idle: Notify,
}

/// Held by the alarm writer from before it asks for the write connection until its commit is
/// done.
pub(crate) struct AlarmTurn<'a>(&'a WriteGate);

impl Drop for AlarmTurn<'_> {
    fn drop(&mut self) {
        if self.0.alarms.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl WriteGate {
    /// Announces an alarm commit: bulk writers start no new chunk until it is dropped.
    pub(crate) fn alarm(&self) -> AlarmTurn<'_> {
        self.alarms.fetch_add(1, Ordering::AcqRel);
        AlarmTurn(self)
    }

    /// Waits until no alarm commit is waiting or running; a bulk writer calls this before
    /// each chunk.
    pub(crate) async fn bulk(&self) {
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.alarms.load(Ordering::Acquire) == 0 {
                return;
            }
            idle.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn bulk_waits_for_the_alarm_writer() {
        let gate = Arc::new(WriteGate::default());
        gate.bulk().await;
        let turn = gate.alarm();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.bulk().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        drop(turn);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("bulk writer released")
            .expect("task");
    }
}
