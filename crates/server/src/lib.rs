//! The `binhyen` server: HTTP API and live feed (axum), alarm listeners, console assets and
//! the command line. It wires the pure `domain` and `dc09` crates to the `store`.
//!
//! Start reading at [`cli`] (commands), then [`app`] (state and router) and [`config`].

pub mod address_eval;
pub mod api;
pub mod app;
pub mod auth;
pub mod avl;
pub mod bench_avl;
pub mod bench_dispatch;
pub mod bench_water;
pub mod cli;
pub mod config;
pub mod error;
pub mod history;
pub mod http;
pub mod hygiene;
pub mod idempotency;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod quality;
pub mod receiver;
pub mod simulate;
pub mod tls;
pub mod web;

/// Reference units for unit tests: `BINHYEN_UNITS`, or the Hanoi data beside the repository.
#[cfg(test)]
pub(crate) fn test_units() -> std::sync::Arc<domain::units::UnitDirectory> {
    use std::path::PathBuf;
    use std::sync::{Arc, OnceLock};
    static UNITS: OnceLock<Arc<domain::units::UnitDirectory>> = OnceLock::new();
    UNITS
        .get_or_init(|| {
            let dir = std::env::var_os("BINHYEN_UNITS")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../../../shared/data/hanoi"
                    ))
                });
            Arc::new(domain::units::UnitDirectory::load(&dir).expect("reference units"))
        })
        .clone()
}
