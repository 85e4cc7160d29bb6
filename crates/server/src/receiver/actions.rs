//! After the commit: turns stored signals into incidents (alarms, through the incident seam)
//! or facility troubles (fire trouble, supervisory, power, battery, communication), and
//! restores into restored alarms or cleared troubles, in the order of the [`Backlog`] (fire
//! and life safety first, a storm coalesced per facility). Each signal is marked processed
//! once done; at start, every signal still pending (the process died between commit and
//! action) is loaded into the backlog again, which is safe because every step is idempotent.

use super::backlog::{Backlog, Order, Turn, TURN_BUDGET};
use super::incidents::incident_for_signal;
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
    sweep(&store, &mut backlog).await;
    let mut open = true;
    loop {
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
            None if open => match rx.recv().await {
                Some(signals) => push_all(&mut backlog, signals),
                None => open = false,
            },
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

/// Loads every signal still pending in the store (start-up): the process died between the
/// commit and the action, or the action failed every retry.
pub async fn sweep(store: &Store, backlog: &mut Backlog) {
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
        total += page.len();
        push_all(backlog, page);
    }
    if total > 0 {
        tracing::info!(
            count = total,
            "processing alarm signals left pending by the last run"
        );
    }
}

/// One turn: the signals of one facility and kind, in arrival order, for at most
/// [`TURN_BUDGET`]; returns the signals it had no time for (they go back to the backlog). The
/// facility is read once for the turn and each device once.
async fn process_turn(store: &Store, turn: Turn, metrics: &Metrics) -> Vec<Signal> {
    let started = Instant::now();
    let mut facility: Option<Facility> = None;
    let mut accounts: HashMap<i64, Option<String>> = HashMap::new();
    let mut signals = turn.signals.into_iter();
    for s in signals.by_ref() {
        let s = &s;
        if opens_incident(&s.family) && facility.is_none() {
            match store.facility(turn.facility_id).await {
                Ok(Some(f)) => facility = Some(f),
                Ok(None) => {
                    tracing::error!(
                        signal = s.id,
                        facility = turn.facility_id,
                        "alarm signal not processed: facility not found; it stays pending"
                    );
                    continue;
                }
                Err(e) => {
                    tracing::error!(signal = s.id, error = %e, "alarm signal not processed; it stays pending for the next start");
                    continue;
                }
            }
        }
        process(store, s, facility.as_ref(), &mut accounts, metrics).await;
        if started.elapsed() >= TURN_BUDGET {
            break;
        }
    }
    signals.collect()
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
