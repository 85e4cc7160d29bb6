//! Domain rules of Bình Yên, the command information center for a city police force.
//!
//! This crate is pure logic: it knows the administrative units and who owns a point on the
//! map, what an incident is and which transitions it may take, how records are judged for
//! quality, and how statistics are defined. It opens no sockets, reads no clock (callers pass
//! `now`), and touches no database: the `store` crate persists what this crate decides, and the
//! `server` crate exposes it over HTTP.

pub mod access;
pub mod alarm_queue;
pub mod avl;
pub mod calls;
pub mod crime_report;
pub mod incident;
pub mod inspection;
pub mod notify;
pub mod photo;
pub mod records;
pub mod report;
pub mod stats;
pub mod tasks;
pub mod text;
pub mod units;
pub mod water;
