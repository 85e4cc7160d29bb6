//! HTTP handlers, one module per resource.

pub mod audit;
pub mod devices;
pub mod facilities;
pub mod health;
pub mod units;
pub mod users;
