//! The receiver's counters: kept in atomics on the hot path and copied into the server's
//! `/metrics` registry once a second, with the connection gauge and the kernel's UDP drop
//! count for our ports (from `/proc/net/udp` and `/proc/net/udp6`).

use super::pipeline::Outcome;
use crate::metrics::Metrics;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Counter and gauge names.
pub const FRAMES_TOTAL: &str = "binhyen_dc09_frames_total";
pub const ACK_LATENCY: &str = "binhyen_dc09_ack_latency_seconds";
pub const CONNECTIONS: &str = "binhyen_dc09_connections";
pub const CONNECTIONS_REFUSED: &str = "binhyen_dc09_connections_refused_total";
pub const UDP_DROPS: &str = "binhyen_dc09_udp_kernel_drops";
pub const BATCHES: &str = "binhyen_dc09_commit_batches_total";
pub const COMMITTED_FRAMES: &str = "binhyen_dc09_commit_frames_total";
pub const DEVICES_OFFLINE: &str = "binhyen_dc09_devices_offline";
pub const SIGNAL_TO_ACTION: &str = "binhyen_dc09_signal_to_action_seconds";
pub const BACKLOG: &str = "binhyen_dc09_signals_waiting";

/// Hot-path counters.
#[derive(Default)]
pub struct Stats {
    outcomes: [AtomicU64; Outcome::ALL.len()],
    flushed: [AtomicU64; Outcome::ALL.len()],
    pub connections: AtomicI64,
    pub refused: AtomicU64,
    refused_flushed: AtomicU64,
    pub batches: AtomicU64,
    batches_flushed: AtomicU64,
    /// Frames written by those transactions (frames per commit = this / `batches`).
    pub committed: AtomicU64,
    committed_flushed: AtomicU64,
}

fn index(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

impl Stats {
    /// Counts one frame's outcome.
    pub fn count(&self, o: Outcome) {
        self.outcomes[index(o)].fetch_add(1, Ordering::Relaxed);
    }

    /// The count of one outcome so far.
    pub fn get(&self, o: Outcome) -> u64 {
        self.outcomes[index(o)].load(Ordering::Relaxed)
    }

    /// Copies what changed since the last flush into `metrics`.
    pub fn flush(&self, metrics: &Metrics, udp_ports: &[u16]) {
        for (i, o) in Outcome::ALL.iter().enumerate() {
            let now = self.outcomes[i].load(Ordering::Relaxed);
            let before = self.flushed[i].swap(now, Ordering::Relaxed);
            if now > before {
                let (result, reason) = o.labels();
                metrics.count(
                    FRAMES_TOTAL,
                    &[("result", result), ("reason", reason)],
                    now - before,
                );
            }
        }
        let delta = |a: &AtomicU64, b: &AtomicU64| {
            let now = a.load(Ordering::Relaxed);
            now.saturating_sub(b.swap(now, Ordering::Relaxed))
        };
        let refused = delta(&self.refused, &self.refused_flushed);
        if refused > 0 {
            metrics.count(CONNECTIONS_REFUSED, &[], refused);
        }
        let batches = delta(&self.batches, &self.batches_flushed);
        if batches > 0 {
            metrics.count(BATCHES, &[], batches);
        }
        let committed = delta(&self.committed, &self.committed_flushed);
        if committed > 0 {
            metrics.count(COMMITTED_FRAMES, &[], committed);
        }
        metrics.gauge(CONNECTIONS, &[], self.connections.load(Ordering::Relaxed));
        if !udp_ports.is_empty() {
            if let Some(drops) = udp_kernel_drops(udp_ports) {
                metrics.gauge(UDP_DROPS, &[], drops as i64);
            }
        }
    }
}

/// Describes the receiver's metrics.
pub fn describe(metrics: &Metrics) {
    metrics.describe(
        FRAMES_TOTAL,
        "DC-09 frames by result (ack, nak, duh, none, dropped) and reason.",
    );
    metrics.describe(
        ACK_LATENCY,
        "Time from reading a frame to writing its ACK, durable commit included.",
    );
    metrics.describe(CONNECTIONS, "Open DC-09 TCP connections.");
    metrics.describe(
        CONNECTIONS_REFUSED,
        "DC-09 TCP connections refused by the total or per-source limits.",
    );
    metrics.describe(
        UDP_DROPS,
        "Datagrams the kernel dropped on the DC-09 UDP sockets (from /proc/net/udp).",
    );
    metrics.describe(BATCHES, "Group-commit transactions of the DC-09 writer.");
    metrics.describe(
        COMMITTED_FRAMES,
        "Frames written by the DC-09 writer's transactions (divided by the batches: frames per commit).",
    );
    metrics.describe(
        DEVICES_OFFLINE,
        "Enabled devices currently offline, per unit.",
    );
    metrics.describe(
        SIGNAL_TO_ACTION,
        "Time from the arrival of an alarm or trouble frame until its incident or trouble is committed.",
    );
    metrics.describe(
        BACKLOG,
        "Stored alarm and trouble signals waiting to become incidents or troubles.",
    );
}

/// Sum of the `drops` column of `/proc/net/udp{,6}` for sockets bound to `ports`.
pub fn udp_kernel_drops(ports: &[u16]) -> Option<u64> {
    let mut total = None;
    for file in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let sum = parse_udp_drops(&text, ports);
        total = Some(total.unwrap_or(0) + sum);
    }
    total
}

/// Parses the text of `/proc/net/udp`: local address is field 1 (`HEXIP:HEXPORT`), drops the
/// last field.
pub fn parse_udp_drops(text: &str, ports: &[u16]) -> u64 {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?;
            let port = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
            if !ports.contains(&port) {
                return None;
            }
            fields.last()?.parse::<u64>().ok()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_drops_are_read_for_our_ports_only() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
  12: 0100007F:2710 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1234 2 0000000000000000 17\n\
  13: 0100007F:2711 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1235 2 0000000000000000 5\n";
        assert_eq!(parse_udp_drops(text, &[10000]), 17);
        assert_eq!(parse_udp_drops(text, &[10000, 10001]), 22);
        assert_eq!(parse_udp_drops(text, &[9]), 0);
    }

    #[test]
    fn outcomes_are_flushed_as_deltas() {
        let s = Stats::default();
        let m = Metrics::default();
        s.count(Outcome::AckNew);
        s.count(Outcome::AckNew);
        s.count(Outcome::NakCrc);
        s.flush(&m, &[]);
        s.count(Outcome::AckNew);
        s.batches.fetch_add(2, Ordering::Relaxed);
        s.committed.fetch_add(300, Ordering::Relaxed);
        s.flush(&m, &[]);
        s.committed.fetch_add(50, Ordering::Relaxed);
        s.flush(&m, &[]);
        assert_eq!(m.counter_value(BATCHES, &[]), 2);
        assert_eq!(m.counter_value(COMMITTED_FRAMES, &[]), 350);
        assert_eq!(
            m.counter_value(FRAMES_TOTAL, &[("result", "ack"), ("reason", "new")]),
            3
        );
        assert_eq!(
            m.counter_value(FRAMES_TOTAL, &[("result", "nak"), ("reason", "crc")]),
            1
        );
    }
}
