//! The server's integration tests, linked into one binary: each module starts the real server
//! (or the real `binhyen` process) on a free port and talks to it as a client would, on SQLite,
//! and on PostgreSQL when asked (`BINHYEN_TEST_PG=… cargo test -- --ignored`). One binary
//! instead of one per file keeps the link step and the build directory small;
//! `cargo test -p server --test api feed::` runs one module.

#[macro_use]
mod common;

mod accountability;
mod accounts;
mod alarm_queue;
mod api_foundation;
mod api_fuzz;
mod assistant;
mod calls;
mod cases;
mod casualties;
mod classification;
mod crash;
mod crime_reports;
mod duplicates_check;
mod error_bodies;
mod feed;
mod field;
mod fire_first;
mod hygiene;
mod incidents;
mod intake;
mod isolation;
mod lifecycle;
mod notifications;
mod ops_hardening;
mod plain_messages;
mod receiver;
mod records;
mod resources;
mod response_plans;
mod scope;
mod stats;
mod two_nodes;
mod vocabulary;
mod water_sources;
