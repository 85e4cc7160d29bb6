//! The `binhyen` server: HTTP API and live feed (axum), alarm listeners, console assets and
//! the command line. It wires the pure `domain` and `dc09` crates to the `store`.
//!
//! Start reading at [`cli`] (commands), then [`app`] (state and router) and [`config`].

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod receiver;
pub mod simulate;
pub mod tls;
pub mod web;
