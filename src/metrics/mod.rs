//! Counting and linking what `input` hands over: complaints matched to
//! their deliveries and clipped to the days both exports cover (`dataset`),
//! repeat contacts, episodes, the period table, and concentration.

pub mod customers;
pub mod dataset;
pub mod episodes;
pub mod period_table;
pub mod repeats;
