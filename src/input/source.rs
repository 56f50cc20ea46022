//! Opening an input file: format by extension, CSV delimiter sniffed from the
//! first lines, header read, and a polars lazy scan with every column as text
//! (values are parsed by this crate, so every failure can be ledgered).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use polars::prelude::*;

/// Name of the 1-based row-number column added to every scan.
pub const ROW: &str = "__row";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `skip_lines`: 1 when an Excel `sep=X` line precedes the header.
    Csv {
        delimiter: u8,
        skip_lines: usize,
    },
    Parquet,
}

impl Format {
    pub fn describe(&self) -> String {
        match self {
            Format::Csv { delimiter: b'\t', .. } => "csv (tab)".into(),
            Format::Csv { delimiter, .. } => format!("csv ({})", *delimiter as char),
            Format::Parquet => "parquet".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Source {
    pub path: PathBuf,
    pub format: Format,
    pub columns: Vec<String>,
}

const SNIFF_BYTES: usize = 64 * 1024;
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

impl Source {
    /// Open `path`, detect its format and read its column names.
    pub fn open(path: &Path, delimiter: Option<u8>) -> Result<Source> {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .with_context(|| format!("{shown}: cannot open the file (does it exist? check the path)"))?;
        if meta.is_dir() {
            bail!("{shown} is a directory; pass a file");
        }
        let extension =
            path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if extension == "parquet" || extension == "pq" {
            let schema =
                LazyFrame::scan_parquet(PlRefPath::new(path.to_string_lossy().as_ref()), Default::default())
                    .and_then(|mut lf| lf.collect_schema())
                    .map_err(anyhow::Error::new)
                    .with_context(|| format!("{shown}: not a readable Parquet file"))?;
            let columns = schema.iter_names().map(|n| n.to_string()).collect();
            return Ok(Source { path: path.to_path_buf(), format: Format::Parquet, columns });
        }
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        File::open(path)
            .with_context(|| format!("{shown}: cannot open the file"))?
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .with_context(|| format!("{shown}: cannot read the file"))?;
        if head.iter().all(|b| b.is_ascii_whitespace()) {
            bail!("{shown} is empty: expected a header line and rows");
        }
        check_utf8(&head, head.len() < SNIFF_BYTES).with_context(|| format!("{shown}: not UTF-8 text"))?;
        let text = String::from_utf8_lossy(&head);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (sep_line, text) = match excel_sep_line(text) {
            Some((sep, rest)) => (Some(sep), rest),
            None => (None, text),
        };
        let delimiter = delimiter.or(sep_line).unwrap_or_else(|| sniff_delimiter(text));
        let skip_lines = usize::from(sep_line.is_some());
        let mut reader =
            csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
        let columns: Vec<String> = reader
            .headers()
            .with_context(|| format!("{shown}: cannot read the header line"))?
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = columns.iter().find(|c| !seen.insert(c.as_str())) {
            bail!("{shown}: the header names column {dup:?} twice; rename one of them");
        }
        Ok(Source { path: path.to_path_buf(), format: Format::Csv { delimiter, skip_lines }, columns })
    }

    pub fn display(&self) -> String {
        self.path.display().to_string()
    }

    /// A lazy scan of the whole file, every column as text, with a row-number
    /// column `ROW` (header = row 1 for CSV; first record = row 1 for Parquet).
    pub fn scan(&self) -> Result<LazyFrame> {
        let path = PlRefPath::new(self.path.to_string_lossy().as_ref());
        let frame = match self.format {
            Format::Csv { delimiter, skip_lines } => LazyCsvReader::new(path)
                .with_separator(delimiter)
                .with_skip_lines(skip_lines)
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .with_row_index(Some(RowIndex { name: ROW.into(), offset: 2 + skip_lines as IdxSize }))
                .with_glob(false)
                .finish(),
            Format::Parquet => {
                let args = ScanArgsParquet {
                    row_index: Some(RowIndex { name: ROW.into(), offset: 1 }),
                    ..Default::default()
                };
                LazyFrame::scan_parquet(path, args)
            }
        };
        frame.map_err(anyhow::Error::new).with_context(|| format!("{}: cannot read the file", self.display()))
    }

    /// The file's name for a column, found like a role name.
    pub fn column(&self, name: &str) -> Option<&str> {
        super::roles::find_column(&self.columns, name).map(String::as_str)
    }
}

/// An error naming the row of the first byte that is not UTF-8, and the fix.
fn check_utf8(bytes: &[u8], complete: bool) -> Result<()> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        bail!("the file is UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)");
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => Ok(()),
        // A character cut at the end of the sniffed block is not an error.
        Err(e) if !complete && e.error_len().is_none() => Ok(()),
        Err(e) => {
            let at = e.valid_up_to();
            let row = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            bail!(
                "row {row} (counting the header as row 1) has byte 0x{:02X}, which is not UTF-8. \
                 The file is probably in a legacy encoding such as windows-1252 / iso-8859-1 (Western Europe) \
                 or windows-1257 (Baltic); re-save it as UTF-8",
                bytes[at]
            )
        }
    }
}

/// Excel's `sep=X` first line: the delimiter and the text after that line.
fn excel_sep_line(text: &str) -> Option<(u8, &str)> {
    let (first, rest) = text.split_once('\n')?;
    let sep = first.trim().strip_prefix("sep=")?;
    (sep.len() == 1).then(|| (sep.as_bytes()[0], rest))
}

/// The delimiter among `, ; \t |` whose count is the same, and largest, on the
/// first lines (quotes respected).
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().take(20).collect();
    // A cut-off last line would disagree; leave it out when there are others.
    let lines = if lines.len() > 2 { &lines[..lines.len() - 1] } else { &lines[..] };
    let counts = |d: u8| -> Vec<usize> {
        lines
            .iter()
            .map(|line| {
                let mut quoted = false;
                line.bytes()
                    .filter(|&b| {
                        if b == b'"' {
                            quoted = !quoted;
                        }
                        b == d && !quoted
                    })
                    .count()
            })
            .collect()
    };
    let score = |d: u8| {
        let c = counts(d);
        let header = c.first().copied().unwrap_or(0);
        let consistent = c.iter().filter(|&&n| n == header).count();
        (header > 0, consistent, header)
    };
    DELIMITERS.iter().copied().max_by_key(|&d| score(d)).filter(|&d| score(d).0).unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), b'|');
        assert_eq!(excel_sep_line("sep=;\na,b;c\n"), Some((b';', "a,b;c\n")));
        assert_eq!(sniff_delimiter("\"x;y\",b\n\"1;2\",3\n"), b',');
        assert_eq!(sniff_delimiter("single\n1\n"), b',');
    }

    #[test]
    fn utf8_errors_name_the_row() {
        let err = check_utf8(b"a,b\n1,2\n3,\xE4\n", true).unwrap_err().to_string();
        assert!(err.starts_with("row 3 "), "{err}");
        assert!(check_utf8("a,ä\n".as_bytes(), true).is_ok());
        assert!(check_utf8(&"ä".as_bytes()[..1], false).is_ok());
    }
}
