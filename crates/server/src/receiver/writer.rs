//! Group commit: one writer task takes the frames of every connection, commits whatever has
//! queued up as one transaction, and only then answers each waiting connection. While one
//! transaction is being made durable the next batch queues up, so the number of fsyncs per
//! second stays small while the number of frames per second grows with the load.
//!
//! The writer has its own thread; on SQLite the whole transaction runs on it in one call (see
//! the store's `commit_frames`).

use super::registry::Registry;
use super::stats::Stats;
use chrono::Utc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use store::{FrameOutcome, FrameRecord, Signal, Store};
use tokio::sync::{mpsc, oneshot};

/// Frames per transaction at most.
pub const MAX_BATCH: usize = 4096;

/// The answer a connection waits for: the frame's outcome once committed, or `Err` when the
/// transaction failed (the connection then NAKs, and the device retransmits).
pub type Committed = Result<FrameOutcome, ()>;

/// What became of a valid message offered to the writer.
pub enum Admission {
    /// Queued; resolves once committed.
    Queued(oneshot::Receiver<Committed>),
    /// The queue stayed full for the whole admission wait: answer NAK, the device retries.
    Full,
    /// The writer has stopped (shutting down).
    Stopped,
}

struct Job {
    record: FrameRecord,
    device_id: Option<i64>,
    reply: Option<oneshot::Sender<Committed>>,
}

/// The handle connections use.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer. Stored signals that need an incident or a trouble are sent on
    /// `actions` right after their commit.
    /// `queue` bounds the frames waiting for the writer.
    ///
    /// The writer runs on a thread of its own (a single-threaded runtime), not among the
    /// connection tasks: each step of a commit would otherwise wait its turn behind hundreds
    /// of busy connections, and the commit is what every device is waiting for.
    pub fn start(
        store: Store,
        registry: Arc<Registry>,
        stats: Arc<Stats>,
        actions: mpsc::UnboundedSender<Vec<Signal>>,
        queue: usize,
    ) -> std::io::Result<(Writer, tokio::task::JoinHandle<()>)> {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let task = tokio::task::spawn_blocking(move || {
            runtime.block_on(run(rx, store, registry, stats, actions));
        });
        Ok((Writer { tx }, task))
    }

    /// Queues a valid message, waiting at most `wait` for room in the queue (this delay is
    /// the first way an overloaded receiver slows its devices down); the returned receiver
    /// resolves once the message is durable (or the commit failed).
    pub async fn submit(&self, record: FrameRecord, device_id: i64, wait: Duration) -> Admission {
        let (reply, done) = oneshot::channel();
        let job = Job {
            record,
            device_id: Some(device_id),
            reply: Some(reply),
        };
        match self.tx.send_timeout(job, wait).await {
            Ok(()) => Admission::Queued(done),
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => Admission::Full,
            Err(mpsc::error::SendTimeoutError::Closed(_)) => Admission::Stopped,
        }
    }

    /// A handle whose writer is gone (every submission answers `Stopped`), for tests of
    /// what happens around it.
    #[cfg(test)]
    pub fn stopped() -> Writer {
        let (tx, _) = mpsc::channel(1);
        Writer { tx }
    }

    /// Queues a rejected frame for the forensic log without waiting; dropped when the queue
    /// is full (garbage must never hold back valid messages).
    pub fn log(&self, record: FrameRecord) -> bool {
        self.tx
            .try_send(Job {
                record,
                device_id: None,
                reply: None,
            })
            .is_ok()
    }
}

async fn run(
    mut rx: mpsc::Receiver<Job>,
    store: Store,
    registry: Arc<Registry>,
    stats: Arc<Stats>,
    actions: mpsc::UnboundedSender<Vec<Signal>>,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // The records go to the store; who waits for them stays here (no copy of a frame).
        let mut records: Vec<FrameRecord> = Vec::with_capacity(batch.len());
        let mut waiting = Vec::with_capacity(batch.len());
        for job in batch.drain(..) {
            records.push(job.record);
            waiting.push((job.device_id, job.reply));
        }
        let result = commit_with_retry(&store, &records).await;
        stats.batches.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(outcomes) => {
                stats
                    .committed
                    .fetch_add(records.len() as u64, Ordering::Relaxed);
                // Every valid message, new or retransmitted, proves the device is alive.
                let at = Utc::now().timestamp_millis();
                registry.saw(waiting.iter().filter_map(|(device, _)| *device), at);
                let pending: Vec<Signal> = outcomes
                    .iter()
                    .flat_map(|o| match o {
                        FrameOutcome::Stored { signals, .. } => signals
                            .iter()
                            .filter(|s| s.state == "pending")
                            .cloned()
                            .collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                if !pending.is_empty() {
                    let _ = actions.send(pending);
                }
                for ((_, reply), outcome) in waiting.into_iter().zip(outcomes) {
                    if let Some(reply) = reply {
                        let _ = reply.send(Ok(outcome));
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, frames = records.len(), "committing dc09 frames failed; answering NAK");
                for (_, reply) in waiting {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(()));
                    }
                }
            }
        }
    }
    tracing::debug!("dc09 writer stopped");
}

/// A transient failure (a busy database) is retried a few times before the batch is NAKed.
async fn commit_with_retry(
    store: &Store,
    records: &[FrameRecord],
) -> store::Result<Vec<FrameOutcome>> {
    let mut attempt = 0;
    loop {
        match store.commit_frames(records).await {
            Ok(o) => return Ok(o),
            Err(e) if attempt < 2 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "dc09 commit failed; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}
