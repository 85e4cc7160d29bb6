//! After the commit: turns stored signals into incidents (alarms, through the incident seam)
//! or facility troubles (fire trouble, supervisory, power, battery, communication), and
//! restores into restored alarms or cleared troubles, in the order of the [`Backlog`] (fire
//! and life safety first, a storm coalesced per facility). Each signal is marked processed
//! once done; at start, every signal still pending (the process died between commit and
//! action) is loaded into the backlog again, which is safe because every step is idempotent.

use super::backlog::{Backlog, Order, Turn, TURN_BUDGET};
use super::incidents::{incident_for_signal, incident_for_signals};
use super::stats::{BACKLOG, SIGNAL_TO_ACTION};
use crate::metrics::Metrics;
use chrono::Utc;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use store::{Facility, Signal, Store, TroubleInput};
use tokio::sync::mpsc;

/// Families whose signals go to an incident.
pub fn opens_incident(family: &str) -> bool {
    matches!(family, "fire_alarm" | "panic" | "medical" | "burglary")
}

/// The trouble kind of a trouble signal (or of its restore), from its code and family.
pub fn trouble_kind(code: &str, family: &str) -> &'static str {
    // Contact ID codes are written qualifier + three digits ("1301"); SIA codes are letters.
    let cid = if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        code[1..].parse::<u16>().ok()
    } else {
        None
    };
    match (cid, code) {
        (Some(301), _) | (None, "AT" | "AR") => "ac_loss",
        (Some(302 | 309 | 311 | 338 | 384 | 429), _) | (None, "YT" | "YR" | "XT" | "XR") => {
            "low_battery"
        }
        _ => match family {
            "fire_trouble" => "fire_trouble",
            "fire_supervisory" => "fire_supervisory",
            "communication" => "communication",
            _ => "other_trouble",
        },
    }
}

/// Vietnamese description of a trouble kind.
pub fn trouble_label_vi(kind: &str) -> &'static str {
    match kind {
        "device_offline" => "Thiết bị truyền tin mất liên lạc",
        "fire_trouble" => "Sự cố hệ thống báo cháy",
        "fire_supervisory" => "Giám sát hệ thống chữa cháy",
        "ac_loss" => "Mất điện lưới",
        "low_battery" => "Ắc quy yếu",
        "communication" => "Sự cố truyền tin",
        _ => "Sự cố khác",
    }
}

/// Processes signals as they are committed, after first loading those left pending, in the
/// order the [`Backlog`] gives: fire and life safety first, one facility's storm in batches.
///
/// Everything the writer committed meanwhile is taken into the backlog before each turn, so
/// a fire that arrives during a storm waits for one turn at most, not for the storm.
pub async fn run(
    store: Store,
    mut rx: mpsc::UnboundedReceiver<Vec<Signal>>,
    metrics: Arc<Metrics>,
    order: Order,
) {
    let mut backlog = Backlog::new(order);
    sweep(&store, &mut backlog, None).await;
    let mut open = true;
    let mut next_sweep = Instant::now() + RESWEEP_EVERY;
    loop {
        if Instant::now() >= next_sweep {
            // Signals another node stored and did not live to hand over (PostgreSQL), or
            // that failed every retry here.
            sweep(&store, &mut backlog, Some(RESWEEP_AGE)).await;
            next_sweep = Instant::now() + RESWEEP_EVERY;
        }
        while open {
            match rx.try_recv() {
                Ok(signals) => push_all(&mut backlog, signals),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => open = false,
            }
        }
        metrics.gauge(BACKLOG, &[], backlog.len() as i64);
        match backlog.next_turn(Instant::now()) {
            Some(turn) => {
                let rest = process_turn(&store, turn, &metrics).await;
                push_all(&mut backlog, rest);
            }
            None if open => {
                let wait = next_sweep.saturating_duration_since(Instant::now());
                match tokio::time::timeout(wait, rx.recv()).await {
                    Ok(Some(signals)) => push_all(&mut backlog, signals),
                    Ok(None) => open = false,
                    Err(_) => {}
                }
            }
            None => return,
        }
    }
}

fn push_all(backlog: &mut Backlog, signals: Vec<Signal>) {
    let now = Instant::now();
    for s in signals {
        backlog.push(s, now);
    }
}

/// How often signals left pending elsewhere are looked for, and how old they must be: younger
/// ones are still on their way through the node that stored them.
const RESWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
const RESWEEP_AGE: std::time::Duration = std::time::Duration::from_secs(30);

/// Loads every signal still pending in the store: at start-up (the process died between the
/// commit and the action), then every [`RESWEEP_EVERY`] those older than `older_than` (the
/// action failed every retry, or a node that stored them died without its takeover). A
/// signal already waiting here is not queued twice; one handed over twice is harmless, every
/// step being idempotent.
pub async fn sweep(store: &Store, backlog: &mut Backlog, older_than: Option<std::time::Duration>) {
    let cutoff = older_than
        .and_then(|age| chrono::Duration::from_std(age).ok())
        .map(|age| Utc::now() - age);
    let total = load_pending(store, cutoff, |page| push_all(backlog, page)).await;
    if total > 0 && older_than.is_none() {
        tracing::info!(
            count = total,
            "processing alarm signals left pending by the last run"
        );
    }
}

/// Reads the pending signals received before `cutoff` (all of them without one), a page at a
/// time, handing each page to `each`; returns how many there were.
pub async fn load_pending(
    store: &Store,
    cutoff: Option<chrono::DateTime<Utc>>,
    mut each: impl FnMut(Vec<Signal>),
) -> usize {
    let mut after = 0;
    let mut total = 0;
    loop {
        let page = match store.pending_signals(after, 500).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot read pending alarm signals");
                break;
            }
        };
        let Some(last) = page.last() else { break };
        after = last.id;
        let page: Vec<Signal> = match cutoff {
            Some(cutoff) => page
                .into_iter()
                .filter(|s| s.received_at < cutoff)
                .collect(),
            None => page,
        };
        total += page.len();
        if !page.is_empty() {
            each(page);
        }
    }
    total
}

/// One turn: the signals of one facility and kind, in arrival order, for at most
/// [`TURN_BUDGET`]; returns the signals it had no time for (they go back to the backlog). The
/// facility is read once for the turn and each device once.
async fn process_turn(store: &Store, turn: Turn, metrics: &Metrics) -> Vec<Signal> {
    let started = Instant::now();
    let mut facility: Option<Facility> = None;
    let mut accounts: HashMap<i64, Option<String>> = HashMap::new();
    let signals = turn.signals;
    let mut i = 0;
    while i < signals.len() {
        if i > 0 && started.elapsed() >= TURN_BUDGET {
            break;
        }
        let s = &signals[i];
        if opens_incident(&s.family) && facility.is_none() {
            match store.facility(turn.facility_id).await {
                Ok(Some(f)) => facility = Some(f),
                Ok(None) => {
                    tracing::error!(
                        signal = s.id,
                        facility = turn.facility_id,
                        "alarm signal not processed: facility not found; it stays pending"
                    );
                    i += 1;
                    continue;
                }
                Err(e) => {
                    tracing::error!(signal = s.id, error = %e, "alarm signal not processed; it stays pending for the next start");
                    i += 1;
                    continue;
                }
            }
        }
        // Alarms of one kind in a row (no restore between them) go to the incident together.
        let run = if opens_incident(&s.family) && !s.restore {
            signals[i..]
                .iter()
                .take_while(|x| x.family == s.family && !x.restore)
                .count()
        } else {
            1
        };
        if run > 1 {
            if let Some(f) = facility.as_ref() {
                if process_run(store, &signals[i..i + run], f, metrics).await {
                    i += run;
                    continue;
                }
            }
        }
        process(store, s, facility.as_ref(), &mut accounts, metrics).await;
        i += 1;
    }
    signals.into_iter().skip(i).collect()
}

/// A run of alarm signals of one facility and family, attached to its open incident in one
/// transaction and marked processed in another. `false` when there is no open incident yet
/// or the batch failed: the caller then handles the signals one by one (every step is
/// idempotent, so a batch that half-happened is safe to repeat).
async fn process_run(
    store: &Store,
    run: &[Signal],
    facility: &Facility,
    metrics: &Metrics,
) -> bool {
    let now = Utc::now();
    match incident_for_signals(store, run, facility, now).await {
        Ok(Some(incident)) => {
            let done: Vec<(i64, Option<i64>)> =
                run.iter().map(|s| (s.id, Some(incident))).collect();
            let at = Utc::now();
            for s in run {
                let waited = (at - s.received_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
                metrics.observe(SIGNAL_TO_ACTION, &[], waited.max(0.0));
            }
            match store.mark_signals_processed(&done, now).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(error = %e, signals = run.len(), "cannot mark a batch of alarm signals processed; retrying one by one");
                    false
                }
            }
        }
        Ok(None) => false,
        Err(e) => {
            tracing::warn!(error = %e, signals = run.len(), "a batch of alarm signals failed; retrying one by one");
            false
        }
    }
}

/// Tries a signal a few times: a busy database or a lost connection is usually over in a
/// moment, and a signal left pending waits for the next start.
async fn process(
    store: &Store,
    s: &Signal,
    facility: Option<&Facility>,
    accounts: &mut HashMap<i64, Option<String>>,
    metrics: &Metrics,
) {
    for attempt in 1..=3u64 {
        match attempt_once(store, s, facility, accounts, metrics).await {
            Ok(()) => return,
            Err(e) if attempt < 3 => {
                tracing::warn!(signal = s.id, attempt, error = %e, "alarm signal not processed yet; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
            }
            Err(e) => {
                tracing::error!(signal = s.id, error = %e, "alarm signal not processed; it stays pending for the next start");
            }
        }
    }
}

async fn attempt_once(
    store: &Store,
    s: &Signal,
    facility: Option<&Facility>,
    accounts: &mut HashMap<i64, Option<String>>,
    metrics: &Metrics,
) -> Result<(), String> {
    let now = Utc::now();
    let result: Result<Option<i64>, String> = if opens_incident(&s.family) {
        match facility {
            Some(facility) => {
                let account = match accounts.get(&s.device_id) {
                    Some(a) => a.clone(),
                    None => {
                        let a = store
                            .device(s.device_id)
                            .await
                            .map_err(|e| e.to_string())?
                            .map(|d| d.account);
                        accounts.insert(s.device_id, a.clone());
                        a
                    }
                };
                incident_for_signal(store, metrics, s, facility, account, now)
                    .await
                    .map_err(|e| e.to_string())
            }
            None => Err(format!("facility {} not found", s.facility_id)),
        }
    } else {
        let kind = trouble_kind(&s.code, &s.family);
        let zone = s.zone.clone().unwrap_or_default();
        let done = if s.restore {
            store.clear_trouble(s.device_id, kind, &zone, now).await
        } else {
            let detail = match &s.zone {
                Some(z) => format!("{}: {} (vùng {z})", trouble_label_vi(kind), s.meaning_vi),
                None => format!("{}: {}", trouble_label_vi(kind), s.meaning_vi),
            };
            store
                .open_trouble(
                    &TroubleInput {
                        facility_id: s.facility_id,
                        device_id: s.device_id,
                        unit_code: s.unit_code.clone(),
                        kind: kind.to_owned(),
                        zone,
                        code: Some(s.code.clone()),
                        detail,
                        signal_id: Some(s.id),
                    },
                    now,
                )
                .await
        };
        done.map(|_| None).map_err(|e| e.to_string())
    };
    match result {
        Ok(incident) => {
            // Measured once the incident or trouble is committed (and on the live feed).
            let waited = (Utc::now() - s.received_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
            metrics.observe(SIGNAL_TO_ACTION, &[], waited.max(0.0));
            store
                .mark_signal_processed(s.id, incident, now)
                .await
                .map(|_| ())
                .map_err(|e| format!("cannot mark the signal processed: {e}"))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trouble_kinds_pair_troubles_with_their_restores() {
        assert_eq!(trouble_kind("1301", "other_trouble"), "ac_loss");
        assert_eq!(trouble_kind("3301", "other_trouble"), "ac_loss");
        assert_eq!(trouble_kind("AT", "other_trouble"), "ac_loss");
        assert_eq!(trouble_kind("AR", "other_trouble"), "ac_loss");
        assert_eq!(trouble_kind("1302", "other_trouble"), "low_battery");
        assert_eq!(trouble_kind("YT", "other_trouble"), "low_battery");
        assert_eq!(trouble_kind("YR", "other_trouble"), "low_battery");
        assert_eq!(trouble_kind("1373", "fire_trouble"), "fire_trouble");
        assert_eq!(trouble_kind("FT", "fire_trouble"), "fire_trouble");
        assert_eq!(trouble_kind("FJ", "fire_trouble"), "fire_trouble");
        assert_eq!(trouble_kind("1350", "communication"), "communication");
        assert_eq!(trouble_kind("1200", "fire_supervisory"), "fire_supervisory");
        assert!(opens_incident("fire_alarm") && opens_incident("panic"));
        assert!(!opens_incident("fire_trouble"));
    }
}
