//! complaint-rate: complaint-rate analytics for customer-service and
//! operations managers. Data flows one way: `input` → `metrics` → `stats` →
//! `output` (`period` and `phases`: the calendar every layer shares); `report` holds the report's facts and sentences; `cmd` holds
//! one file per command that wires them together.

#![forbid(unsafe_code)]

pub mod cli;
pub mod cmd;
pub mod config;
pub mod guard;
pub mod input;
pub mod metrics;
pub mod output;
pub mod period;
pub mod phases;
pub mod report;
pub mod stats;
