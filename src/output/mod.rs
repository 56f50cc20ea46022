//! Output: a command builds a `Document`; one renderer per format turns it
//! into bytes; the writer sends them to stdout or, atomically, to a file.

pub mod chart;
pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod progress;
pub mod table;
pub mod writer;
pub mod xlsx;

use std::path::Path;

use anyhow::{Result, bail};
use chrono::NaiveDate;

use crate::input::ledger::Ledger;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Csv,
    Tsv,
    Json,
    Ndjson,
    Markdown,
    Xlsx,
    Html,
}

impl OutputFormat {
    /// The format named by an output file's extension.
    pub fn from_path(path: &Path) -> Result<OutputFormat> {
        let extension =
            path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        Ok(match extension.as_str() {
            "csv" => OutputFormat::Csv,
            "tsv" | "tab" => OutputFormat::Tsv,
            "json" => OutputFormat::Json,
            "ndjson" | "jsonl" => OutputFormat::Ndjson,
            "md" | "markdown" => OutputFormat::Markdown,
            "txt" => OutputFormat::Table,
            "xlsx" => OutputFormat::Xlsx,
            "html" | "htm" => OutputFormat::Html,
            _ => bail!(
                "{}: cannot tell the output format from the extension; use .csv, .tsv, .json, .ndjson, .md, \
                 .txt, .xlsx or .html, or pass --format",
                path.display()
            ),
        })
    }

    /// Formats that are not text and must not go to a terminal.
    pub fn is_binary(self) -> bool {
        self == OutputFormat::Xlsx
    }

    /// `--format` wins; else the output file's extension; else a table on a
    /// terminal and CSV into a pipe or file.
    pub fn choose(
        explicit: Option<OutputFormat>,
        output: Option<&Path>,
        stdout_is_terminal: bool,
    ) -> Result<Self> {
        if let Some(format) = explicit {
            return Ok(format);
        }
        if let Some(path) = output {
            return OutputFormat::from_path(path);
        }
        Ok(if stdout_is_terminal { OutputFormat::Table } else { OutputFormat::Csv })
    }
}

/// One value of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Date(NaiveDate),
    /// A period's first day, shown to people by its name (`2025-W10`,
    /// `2025-03`); machine formats write the date.
    Period {
        start: NaiveDate,
        label: String,
    },
    Int(u64),
    /// A rate as a plain fraction; shown as a percentage on a terminal.
    Fraction(Option<f64>),
    /// Any other real number (per 1,000, z, …).
    Number(Option<f64>),
    /// A number that cannot be known here (it needs a column the input
    /// lacks, e.g. repeats without customers): empty, never 0.
    Missing,
    /// A row's signal or flag (`above`, `shift`, `partial`, `high`…): plain
    /// text in machine formats; `alarm` marks the row out of line for
    /// people (highlighted in HTML).
    Signal {
        text: String,
        alarm: bool,
    },
}

impl Cell {
    /// A signal cell; empty text for none.
    pub fn signal(text: &str, alarm: bool) -> Cell {
        Cell::Signal { text: text.to_string(), alarm }
    }

    /// Whether this cell marks its row as out of line.
    pub fn is_alarm(&self) -> bool {
        matches!(self, Cell::Signal { alarm: true, .. })
    }

    /// The value as machine formats write it: ISO dates, no thousands
    /// separators, shortest exact decimal for reals, empty when undefined.
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Signal { text: s, .. } => s.clone(),
            Cell::Date(d) | Cell::Period { start: d, .. } => d.to_string(),
            Cell::Int(n) => n.to_string(),
            Cell::Fraction(v) | Cell::Number(v) => v.map(|x| x.to_string()).unwrap_or_default(),
            Cell::Missing => String::new(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Text(s) | Cell::Signal { text: s, .. } if s.is_empty() => serde_json::Value::Null,
            Cell::Text(s) | Cell::Signal { text: s, .. } => s.clone().into(),
            Cell::Date(d) | Cell::Period { start: d, .. } => d.to_string().into(),
            Cell::Int(n) => (*n).into(),
            Cell::Fraction(v) | Cell::Number(v) => {
                v.map(serde_json::Value::from).unwrap_or(serde_json::Value::Null)
            }
            Cell::Missing => serde_json::Value::Null,
        }
    }
}

/// A named grid of cells with fixed columns: what every renderer draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Everything a command reports, for any renderer.
#[derive(Clone, Debug)]
pub struct Document {
    /// What the document is, for titles (HTML).
    pub title: String,
    /// The verdict, when the command gives one (colours the first headline line).
    pub verdict: Option<crate::stats::verdict::Verdict>,
    /// The picture of the main table, for `--chart` and HTML.
    pub figure: Option<chart::Figure>,
    /// Plain sentences leading the report.
    pub headline: Vec<String>,
    /// Lines only a terminal shows after the headline (the sparkline; the
    /// other formats have the picture or the table).
    pub terminal_extra: Vec<String>,
    /// The whole JSON document, where a command's JSON is not the usual
    /// object (inspect: an array with one object per file).
    pub json_whole: Option<serde_json::Value>,
    /// The JSON object's members before the tables (summary, verdict…).
    pub json_head: Vec<(String, serde_json::Value)>,
    /// The main table: what CSV/TSV/NDJSON carry.
    pub main: Grid,
    /// Further tables (JSON members, shown after the main one on a terminal).
    pub extra: Vec<Grid>,
    /// Columns of `main` shown on a terminal, with short headers and how
    /// long each stays when the width runs out (None: all, leftmost kept
    /// longest).
    pub terminal_columns: Option<Vec<TerminalColumn>>,
    /// Cautions printed once, after the tables.
    pub notes: Vec<String>,
    /// Further parts of a full report, in reading order (HTML shows them
    /// between the picture and the main table; other formats leave them out).
    pub sections: Vec<Section>,
    pub ledgers: Vec<Ledger>,
    pub parameters: serde_json::Value,
}

/// A part of a full report: a heading, sentences, a picture, a table.
#[derive(Clone, Debug)]
pub struct Section {
    /// The HTML anchor (`segments`, `repeats`…).
    pub id: String,
    pub title: String,
    pub sentences: Vec<String>,
    pub figure: Option<chart::Figure>,
    pub table: Option<Grid>,
}

/// How a column shows on a terminal.
#[derive(Clone, Debug, PartialEq)]
pub struct TerminalColumn {
    /// The column's name in the table.
    pub name: String,
    /// Its header on a terminal (`rate` for `complaint_rate`).
    pub header: String,
    /// Higher stays longer when the terminal is too narrow for all.
    pub keep: u8,
}

impl TerminalColumn {
    pub fn new(name: &str, header: &str, keep: u8) -> TerminalColumn {
        TerminalColumn { name: name.to_string(), header: header.to_string(), keep }
    }
}

/// How to render beyond the format itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// The terminal's width to fit tables and sentences to (None: no limit).
    pub width: Option<usize>,
    /// ANSI colour in the terminal table.
    pub color: bool,
    /// CSV for European Excel: `;`, decimal comma, UTF-8 BOM.
    pub excel: bool,
}

/// Render `document` in `format`.
pub fn render(document: &Document, format: OutputFormat, options: RenderOptions) -> Result<Vec<u8>> {
    match format {
        OutputFormat::Table => Ok(table::render(document, options.width, options.color).into_bytes()),
        OutputFormat::Csv if options.excel => csv::render_excel(&document.main),
        OutputFormat::Csv => csv::render(&document.main, b','),
        OutputFormat::Tsv => csv::render(&document.main, b'\t'),
        OutputFormat::Json => json::render(document),
        OutputFormat::Ndjson => json::render_lines(&document.main),
        OutputFormat::Markdown => Ok(markdown::render(document).into_bytes()),
        OutputFormat::Xlsx => xlsx::render(document),
        OutputFormat::Html => Ok(html::render(document, &document.title).into_bytes()),
    }
}
