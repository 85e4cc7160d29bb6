//! HTTP handlers, one module per resource.

pub mod accountability;
pub mod alarm_queue;
pub mod assistant;
pub mod audit;
pub mod calls;
pub mod devices;
pub mod duplicates_check;
pub mod facilities;
pub mod feed;
pub mod fire_report;
pub mod health;
pub mod incident_casualties;
pub mod incident_classification;
pub mod incident_view;
pub mod incidents;
pub mod notifications;
pub mod public_chat;
pub mod public_reports;
pub mod records;
pub mod resources;
pub mod response_plans;
pub mod spooled_csv;
pub mod units;
pub mod users;
pub mod vocabulary;
pub mod water_sources;
