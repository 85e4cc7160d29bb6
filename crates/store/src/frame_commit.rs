//! The receiver's group commit on SQLite, run in one go on the writer connection's handle.
//!
//! Through sqlx every statement is a round trip to the connection's own thread, and every row a
//! `RETURNING` clause sends back is another. For a batch of hundreds of frames those hand-offs
//! cost more than SQLite's own work, so here the writer connection is locked once and the whole
//! transaction runs on the calling thread with prepared single-row statements: a new row's id
//! is `last_insert_rowid`, and a retransmission is an insert that changed nothing. PostgreSQL
//! keeps the multi-row statements of [`crate::Store::commit_frames`].
//!
//! The call blocks its thread for the length of the transaction (a few milliseconds); the
//! receiver runs its writer on a thread of its own.

use crate::alarms::{
    placeholders, signal_state, FrameOutcome, FrameRecord, Signal, INSERT_RAW_FRAMES,
    INSERT_SIGNALS,
};
use crate::{to_millis, Backend, Result};
use rusqlite::{params, Connection};
use sqlx::SqlitePool;

const PROBE: &str = "SELECT 1 FROM raw_frames WHERE dedup_key = ?1";

/// Commits `frames` in one transaction on the SQLite writer and says what became of each.
pub(crate) async fn commit_frames(
    pool: &SqlitePool,
    frames: &[FrameRecord],
) -> Result<Vec<FrameOutcome>> {
    let mut conn = pool.acquire().await?;
    let mut locked = conn.lock_handle().await?;
    let handle = locked.as_raw_handle();
    // SAFETY: while `locked` lives, sqlx makes no call on this handle or its statements. The
    // connection made from it does not close the handle, and it is dropped (finalizing the
    // statements it prepared) before `locked` is.
    let db = unsafe { Connection::from_handle(handle.as_ptr()) }?;
    let result = write(&db, frames);
    if result.is_err() && !db.is_autocommit() {
        let _ = db.execute_batch("ROLLBACK");
    }
    let left_open = !db.is_autocommit();
    drop(db);
    drop(locked);
    if left_open {
        // A transaction that cannot even be rolled back: never hand this connection out again.
        conn.close_on_drop();
    }
    result
}

fn write(db: &Connection, frames: &[FrameRecord]) -> Result<Vec<FrameOutcome>> {
    db.execute_batch("BEGIN IMMEDIATE")?;
    let mut probe = db.prepare(PROBE)?;
    let mut insert_frame = db.prepare(&format!(
        "{INSERT_RAW_FRAMES} {} ON CONFLICT (dedup_key) DO NOTHING",
        placeholders(Backend::Sqlite, 1, 9)
    ))?;
    let mut insert_signal = db.prepare(&format!(
        "{INSERT_SIGNALS} {}",
        placeholders(Backend::Sqlite, 1, 15)
    ))?;
    let mut outcomes = Vec::with_capacity(frames.len());
    for f in frames {
        // An earlier frame of this batch is already a row of this transaction, so the probe
        // and the unique key catch retransmissions within the batch as well as older ones.
        if let Some(p) = &f.dedup_probe {
            if probe.exists([p])? {
                outcomes.push(FrameOutcome::Duplicate);
                continue;
            }
        }
        let inserted = insert_frame.execute(params![
            to_millis(f.received_at),
            f.transport,
            f.peer,
            f.account,
            f.device_id,
            f.result,
            f.reason,
            f.frame,
            f.dedup_key,
        ])?;
        if f.dedup_key.is_none() {
            outcomes.push(FrameOutcome::Logged);
            continue;
        }
        if inserted == 0 {
            outcomes.push(FrameOutcome::Duplicate);
            continue;
        }
        let raw_frame_id = db.last_insert_rowid();
        let mut signals = Vec::with_capacity(f.signals.len());
        for s in &f.signals {
            insert_signal.execute(params![
                raw_frame_id,
                s.device_id,
                s.facility_id,
                s.unit_code,
                to_millis(f.received_at),
                s.code,
                s.category,
                s.family,
                i64::from(s.restore),
                s.zone,
                s.partition,
                s.text,
                s.meaning_vi,
                s.raw_event,
                signal_state(s),
            ])?;
            signals.push(Signal::stored(
                db.last_insert_rowid(),
                raw_frame_id,
                f.received_at,
                s,
            ));
        }
        outcomes.push(FrameOutcome::Stored {
            raw_frame_id,
            signals,
        });
    }
    drop((probe, insert_frame, insert_signal));
    db.execute_batch("COMMIT")?;
    Ok(outcomes)
}
