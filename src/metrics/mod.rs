//! Counting: deliveries per date × segment (polars), repeat contacts, and the
//! period table that the statistics and renderers work from.

pub mod customers;
pub mod dataset;
pub mod deliveries;
pub mod episodes;
pub mod fast_count;
pub mod parquet_count;
pub mod per_customer;
pub mod period;
pub mod period_table;
pub mod repeats;
