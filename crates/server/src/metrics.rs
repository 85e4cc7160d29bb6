//! Prometheus metrics without a global registry: counters, gauges and histograms keyed by name
//! and labels, rendered in the text exposition format at `/metrics`.
//!
//! Hot paths (the alarm receiver) bump counters through a short mutex section; at the rates we
//! target (tens of thousands of events per second) this costs well under a microsecond each.
//!
//! Callers pass label values from bounded sets (see `app::observe` and
//! [`crate::hygiene::method_label`]). As a second line, one metric holds at most
//! [`MAX_SERIES_PER_METRIC`] label sets: past that, new label sets are counted in one series
//! whose every label is `overflow`, so a missed unbounded label can never grow `/metrics`
//! (and the server's memory) without end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

type Key = (&'static str, Vec<(&'static str, String)>);

/// Label sets one metric may hold before new ones fold into the `overflow` series.
pub const MAX_SERIES_PER_METRIC: usize = 500;

/// The key for `name` and `pairs` in `map`: the label set itself while the metric has room or
/// already has it, otherwise the same label names with every value `overflow`.
fn bounded_key<V>(
    map: &BTreeMap<Key, V>,
    name: &'static str,
    pairs: &[(&'static str, &str)],
) -> Key {
    let key = (name, labels(pairs));
    if map.contains_key(&key) {
        return key;
    }
    let start = (name, Vec::new());
    let series = map
        .range(start..)
        .take_while(|((n, _), _)| *n == name)
        .take(MAX_SERIES_PER_METRIC)
        .count();
    if series < MAX_SERIES_PER_METRIC {
        return key;
    }
    let folded = pairs
        .iter()
        .map(|(k, _)| (*k, "overflow".to_owned()))
        .collect();
    (name, folded)
}

/// Upper bounds (seconds) of the latency histograms.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// The registry of one server.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<Key, u64>>,
    gauges: Mutex<BTreeMap<Key, i64>>,
    histograms: Mutex<BTreeMap<Key, Histogram>>,
    help: Mutex<BTreeMap<&'static str, &'static str>>,
}

fn labels(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

impl Metrics {
    /// Documents a metric (shown as `# HELP`).
    pub fn describe(&self, name: &'static str, help: &'static str) {
        if let Ok(mut h) = self.help.lock() {
            h.insert(name, help);
        }
    }

    /// Adds `by` to a counter.
    pub fn count(&self, name: &'static str, pairs: &[(&'static str, &str)], by: u64) {
        if let Ok(mut c) = self.counters.lock() {
            let key = bounded_key(&c, name, pairs);
            *c.entry(key).or_default() += by;
        }
    }

    /// Sets a gauge.
    pub fn gauge(&self, name: &'static str, pairs: &[(&'static str, &str)], value: i64) {
        if let Ok(mut g) = self.gauges.lock() {
            let key = bounded_key(&g, name, pairs);
            g.insert(key, value);
        }
    }

    /// Records one observation (seconds) in a histogram.
    pub fn observe(&self, name: &'static str, pairs: &[(&'static str, &str)], seconds: f64) {
        if let Ok(mut h) = self.histograms.lock() {
            let key = bounded_key(&h, name, pairs);
            let hist = h.entry(key).or_default();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    hist.counts[i] += 1;
                }
            }
            hist.sum += seconds;
            hist.count += 1;
        }
    }

    /// The value of a counter (for tests and the `bench` command).
    pub fn counter_value(&self, name: &'static str, pairs: &[(&'static str, &str)]) -> u64 {
        self.counters
            .lock()
            .ok()
            .and_then(|c| c.get(&(name, labels(pairs))).copied())
            .unwrap_or(0)
    }

    /// Renders every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let help = self.help.lock().map(|h| h.clone()).unwrap_or_default();
        let mut described = std::collections::BTreeSet::new();
        let mut header = |out: &mut String, name: &'static str, kind: &str| {
            if described.insert(name) {
                if let Some(text) = help.get(name) {
                    let _ = writeln!(out, "# HELP {name} {text}");
                }
                let _ = writeln!(out, "# TYPE {name} {kind}");
            }
        };
        if let Ok(counters) = self.counters.lock() {
            for ((name, l), v) in counters.iter() {
                header(&mut out, name, "counter");
                let _ = writeln!(out, "{name}{} {v}", fmt_labels(l, None));
            }
        }
        if let Ok(gauges) = self.gauges.lock() {
            for ((name, l), v) in gauges.iter() {
                header(&mut out, name, "gauge");
                let _ = writeln!(out, "{name}{} {v}", fmt_labels(l, None));
            }
        }
        if let Ok(histograms) = self.histograms.lock() {
            for ((name, l), h) in histograms.iter() {
                header(&mut out, name, "histogram");
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let le = bound.to_string();
                    let _ = writeln!(
                        out,
                        "{name}_bucket{} {}",
                        fmt_labels(l, Some(&le)),
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {}",
                    fmt_labels(l, Some("+Inf")),
                    h.count
                );
                let _ = writeln!(out, "{name}_sum{} {}", fmt_labels(l, None), h.sum);
                let _ = writeln!(out, "{name}_count{} {}", fmt_labels(l, None), h.count);
            }
        }
        out
    }
}

fn fmt_labels(pairs: &[(&'static str, String)], le: Option<&str>) -> String {
    let mut parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_histograms() {
        let m = Metrics::default();
        m.describe("dc09_frames_total", "DC-09 frames by result.");
        m.count("dc09_frames_total", &[("result", "ack")], 2);
        m.count(
            "dc09_frames_total",
            &[("result", "nak"), ("reason", "crc")],
            1,
        );
        m.gauge("devices", &[("status", "offline")], 3);
        m.observe("ack_seconds", &[], 0.003);
        let text = m.render();
        assert!(text.contains("# HELP dc09_frames_total DC-09 frames by result."));
        assert!(text.contains("dc09_frames_total{result=\"ack\"} 2"));
        assert!(text.contains("dc09_frames_total{result=\"nak\",reason=\"crc\"} 1"));
        assert!(text.contains("devices{status=\"offline\"} 3"));
        assert!(text.contains("ack_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("ack_seconds_bucket{le=\"0.001\"} 0"));
        assert!(text.contains("ack_seconds_count 1"));
        assert_eq!(
            m.counter_value("dc09_frames_total", &[("result", "ack")]),
            2
        );
    }

    #[test]
    fn series_per_metric_are_bounded() {
        let m = Metrics::default();
        m.count("other_metric", &[("k", "kept")], 1);
        for i in 0..(MAX_SERIES_PER_METRIC + 300) {
            m.count("requests", &[("path", &format!("/made-up/{i}"))], 1);
            m.gauge("level", &[("path", &format!("/made-up/{i}"))], 1);
            m.observe("latency", &[("path", &format!("/made-up/{i}"))], 0.01);
        }
        let text = m.render();
        let series = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(series("requests{"), MAX_SERIES_PER_METRIC + 1);
        assert_eq!(series("level{"), MAX_SERIES_PER_METRIC + 1);
        assert_eq!(series("latency_count{"), MAX_SERIES_PER_METRIC + 1);
        assert_eq!(m.counter_value("requests", &[("path", "overflow")]), 300);
        // A label set that was there before the cap keeps counting on its own.
        m.count("requests", &[("path", "/made-up/0")], 1);
        assert_eq!(m.counter_value("requests", &[("path", "/made-up/0")]), 2);
        // Other metrics are not affected.
        m.count("other_metric", &[("k", "kept")], 1);
        assert_eq!(m.counter_value("other_metric", &[("k", "kept")]), 2);
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::default();
        m.count("x", &[("v", "a\"b\\c\nd")], 1);
        assert!(m.render().contains(r#"x{v="a\"b\\c\nd"} 1"#));
    }
}
