//! HTTP handlers, one module per resource.

pub mod accountability;
pub mod assistant;
pub mod audit;
pub mod devices;
pub mod facilities;
pub mod health;
pub mod public_chat;
pub mod units;
pub mod users;
