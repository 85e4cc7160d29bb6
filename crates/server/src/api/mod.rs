//! HTTP handlers, one module per resource.

pub mod audit;
pub mod health;
pub mod units;
pub mod users;
