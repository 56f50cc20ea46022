//! What the report says: its facts, computed once and typed (`facts`), and
//! what is built from them alone — the sentences a manager reads
//! (`sentences`) and the machine-readable period table and summary
//! (`summary`). `cmd::report` wires them to the input and the output.

pub mod categories;
pub mod concentration;
pub mod contacts;
pub mod facts;
pub mod pictures;
pub mod segments;
pub mod sentences;
pub mod summary;

use serde_json::Value;

use crate::output::Grid;
use crate::output::chart::Figure;

/// What one part of the analysis says, for its command and for the HTML
/// report: sentences, a JSON summary, its tables and its picture.
pub struct View {
    pub title: String,
    pub headline: Vec<String>,
    pub summary: Value,
    pub main: Grid,
    pub extra: Vec<Grid>,
    pub figure: Option<Figure>,
    /// Cautions printed once, after the tables.
    pub notes: Vec<String>,
}
