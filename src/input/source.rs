//! Opening an input: a file, a glob or directory of same-shaped files, or `-`
//! for stdin. Format by extension (`.csv/.tsv/.txt`, `.parquet`, `.xlsx`,
//! `.ndjson/.jsonl`, each optionally `.gz`/`.zst`/`.bz2`/`.zip`); inputs polars cannot scan
//! directly are first turned into UTF-8 CSV (`decode`). The CSV delimiter is
//! sniffed, the header read, and the scan gives every column as text so each
//! value is parsed, and every failure ledgered, by this crate.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use super::TableOptions;
use super::decode::{self, Compression, extension};

/// Name of the row-number column added to every scan.
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

/// What the user's file is, before any conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Parquet,
    Xlsx,
    Ndjson,
}

impl Kind {
    fn of(path: &Path) -> Kind {
        let inner = match Compression::of(path) {
            Compression::None => path.to_path_buf(),
            _ => path.with_extension(""),
        };
        match extension(&inner).as_str() {
            "parquet" | "pq" => Kind::Parquet,
            "xlsx" | "xlsm" | "xls" | "ods" => Kind::Xlsx,
            "ndjson" | "jsonl" => Kind::Ndjson,
            _ => Kind::Csv,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Csv => "csv",
            Kind::Parquet => "parquet",
            Kind::Xlsx => "xlsx",
            Kind::Ndjson => "ndjson",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Source {
    /// As the user wrote it (a path, a glob, a directory or `-`).
    pub given: String,
    /// The files it names, in order.
    pub files: Vec<PathBuf>,
    pub kind: Kind,
    pub format: Format,
    /// The text encoding read (for `inspect`).
    pub encoding: String,
    pub columns: Vec<String>,
    /// What polars scans: the files, or their converted copies.
    physical: Vec<PathBuf>,
    _converted: Option<Arc<tempfile::TempDir>>,
    /// Each file's size and time when opened (see `check_unchanged`).
    stamps: Vec<Option<Stamp>>,
    /// About how many rows the text holds (`rows_estimate`).
    rows_about: Option<u64>,
}

/// A file's size and modification time.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp { len: meta.len(), modified: meta.modified().ok() })
}

const SNIFF_BYTES: usize = 64 * 1024;
const MAX_HEADER_BYTES: usize = 64 << 20;
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

impl Source {
    /// Open `given`, detect its format and read its column names.
    pub fn open(given: &Path, settings: &TableOptions) -> Result<Source> {
        let shown = given.display().to_string();
        let files = expand(given)?;
        let kind = Kind::of(&files[0]);
        if let Some(other) = files.iter().find(|f| Kind::of(f) != kind) {
            bail!(
                "{shown}: {} and {} are of different formats; pass same-shaped files",
                files[0].display(),
                other.display()
            );
        }
        if kind == Kind::Parquet {
            return open_parquet(shown, files);
        }

        let stdin = given == Path::new("-");
        let compression: Vec<Compression> =
            files.iter().map(|f| if stdin { Compression::None } else { Compression::detect(f) }).collect();
        let utf16 = files
            .iter()
            .zip(&compression)
            .any(|(f, c)| *c == Compression::None && !stdin && starts_with_utf16_bom(f));
        let convert = stdin
            || kind != Kind::Csv
            || settings.encoding.is_some_and(|e| e != encoding_rs::UTF_8)
            || utf16
            || compression.iter().any(|c| *c != Compression::None);
        let encoding = match (settings.encoding, utf16) {
            (Some(e), _) => e.name().to_ascii_lowercase(),
            (None, true) => "utf-16 (BOM)".into(),
            (None, false) => "utf-8".into(),
        };
        let (physical, converted) = if convert {
            let dir = tempfile::Builder::new().prefix("complaint-rate-").tempdir()?;
            crate::guard::remove_if_aborted(dir.path());
            let mut physical = Vec::with_capacity(files.len());
            for (i, file) in files.iter().enumerate() {
                let target = decode::temp_path(dir.path(), i);
                let shown_file = file.display();
                match (kind, compression[i]) {
                    (Kind::Xlsx, _) => decode::workbook_to_csv(file, settings.sheet.as_deref(), &target)?,
                    (Kind::Ndjson, _) => decode::ndjson_to_csv(file, &target)?,
                    (_, Compression::Zip) => {
                        decode::unzip_to(file, settings.encoding, settings.max_rows, &target)?
                    }
                    _ => decode::transcode(
                        decode::open_bytes(file, settings.max_rows)?,
                        settings.encoding,
                        &target,
                    )
                    .with_context(|| format!("{shown_file}: cannot read the file"))?,
                }
                physical.push(target);
            }
            (physical, Some(Arc::new(dir)))
        } else {
            (files.clone(), None)
        };

        let head = read_head(&physical[0])?;
        let first = &files[0];
        if head.iter().all(|b| b.is_ascii_whitespace()) {
            bail!("{} is empty: expected a header line and rows", first.display());
        }
        check_utf8(&head, head.len() < SNIFF_BYTES)
            .with_context(|| format!("{}: not UTF-8 text", first.display()))?;
        let text = String::from_utf8_lossy(&head);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (sep_line, text) = match excel_sep_line(text) {
            Some((sep, rest)) => (Some(sep), rest),
            None => (None, text),
        };
        let delimiter = settings.delimiter.or(sep_line).unwrap_or_else(|| sniff_delimiter(text));
        let columns = header(text, delimiter)
            .with_context(|| format!("{}: cannot read the header line", first.display()))?;
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = columns.iter().find(|c| !seen.insert(c.as_str())) {
            bail!("{}: the header names column {dup:?} twice; rename one of them", first.display());
        }
        for (file, path) in files.iter().zip(&physical).skip(1) {
            let head = read_head(path)?;
            let text = String::from_utf8_lossy(&head);
            let other = header(text.strip_prefix('\u{feff}').unwrap_or(&text), delimiter)?;
            if other != columns {
                bail!(
                    "{shown}: {} has columns {} but {} has {}; the files of one input must have the same columns",
                    file.display(),
                    other.join(", "),
                    first.display(),
                    columns.join(", ")
                );
            }
        }
        for (file, path) in files.iter().zip(&physical) {
            ends_inside_a_row(path, delimiter, columns.len())
                .with_context(|| format!("{}: the file ends inside a row (truncated?)", file.display()))?;
        }
        // From the text as read (after any decompression), whose head is
        // read above; a converted file was bounded while it was written.
        let rows_about = estimate_rows(&physical, &head);
        if converted.is_none()
            && let (Some(max), Some(rows)) = (settings.max_rows, rows_about)
        {
            check_rows_fit(&files[0], rows, max)?;
        }
        let skip_lines = usize::from(sep_line.is_some());
        Ok(Source {
            rows_about,
            stamps: files.iter().map(|f| if stdin { None } else { stamp(f) }).collect(),
            given: shown,
            files,
            kind,
            format: Format::Csv { delimiter, skip_lines },
            encoding,
            columns,
            physical,
            _converted: converted,
        })
    }

    /// About how many rows the input holds: a CSV's from its text's size
    /// (after any decompression), a Parquet file's from its footer.
    pub fn rows_estimate(&self) -> Option<u64> {
        self.rows_about
    }

    /// An error if a file's size or time is not what it was when opened:
    /// the export was still being written while it was read.
    pub fn check_unchanged(&self) -> Result<()> {
        for (file, before) in self.files.iter().zip(&self.stamps) {
            if before.is_some() && stamp(file) != *before {
                bail!(
                    "{}: the file changed while it was read; is the export still running? Run again once it is \
                     complete",
                    file.display()
                );
            }
        }
        Ok(())
    }

    pub fn display(&self) -> String {
        self.given.clone()
    }

    /// The files as plain UTF-8 CSV with their delimiter, when no `sep=`
    /// line precedes the header (for the specialised counter).
    pub fn plain_csv(&self) -> Option<(&[PathBuf], u8)> {
        match self.format {
            Format::Csv { delimiter, skip_lines: 0 } => Some((&self.physical, delimiter)),
            _ => None,
        }
    }

    /// The files, when they are Parquet (for the specialised counter).
    pub fn parquet_files(&self) -> Option<&[PathBuf]> {
        (self.format == Format::Parquet).then_some(&self.physical)
    }

    /// A lazy scan of all files, every column as text.
    pub fn scan(&self) -> Result<LazyFrame> {
        self.scan_as(None)
    }

    /// The scan with a row-number column `ROW` (header = row 1; with several
    /// files, records are numbered on across them). Numbering rows makes
    /// polars count lines before parsing, so only scans that name rows use it.
    pub fn scan_with_rows(&self) -> Result<LazyFrame> {
        self.scan_as(Some(RowIndex {
            name: ROW.into(),
            offset: match self.format {
                Format::Csv { skip_lines, .. } => 2 + skip_lines as IdxSize,
                Format::Parquet => 1,
            },
        }))
    }

    fn scan_as(&self, row_index: Option<RowIndex>) -> Result<LazyFrame> {
        let paths: Vec<PlRefPath> =
            self.physical.iter().map(|p| PlRefPath::new(p.to_string_lossy().as_ref())).collect();
        let frame = match self.format {
            Format::Csv { delimiter, skip_lines } => LazyCsvReader::new_paths(paths.into_iter().collect())
                .with_separator(delimiter)
                .with_skip_lines(skip_lines)
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .with_row_index(row_index)
                .with_glob(false)
                .finish(),
            Format::Parquet => {
                let args = ScanArgsParquet { row_index, glob: false, ..Default::default() };
                LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)
            }
        };
        frame.map_err(anyhow::Error::new).with_context(|| format!("{}: cannot read the file", self.display()))
    }

    /// The first record whose field count differs from the header's, as a
    /// sentence naming its row and the likely fix. `None` for Parquet or when
    /// every record fits.
    pub fn find_malformed_row(&self, polars_error: &str) -> Option<String> {
        let Format::Csv { delimiter, skip_lines } = self.format else { return None };
        let mut first_row = 2 + skip_lines as u64;
        for (file, physical) in self.files.iter().zip(&self.physical) {
            let name = if self.files.len() > 1 { format!("{}: ", file.display()) } else { String::new() };
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .flexible(true)
                .has_headers(false)
                .from_path(physical)
                .ok()?;
            let width = self.columns.len();
            let mut row = first_row;
            let mut last_multiline = None;
            for record in reader.records().skip(skip_lines + 1) {
                let Ok(record) = record else {
                    return Some(format!("{name}row {row} cannot be read as CSV"));
                };
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                let multiline = record.iter().any(|f| f.contains('\n'));
                if record.len() != width && !(record.len() == 1 && record[0].is_empty()) {
                    return Some(if multiline {
                        unclosed_quote(&name, row, line)
                    } else {
                        format!(
                            "{name}row {row} (line {line}) has {} fields but the header has {width}. A stray \
                             delimiter or an unquoted value containing one? Quote the value or fix the row",
                            record.len()
                        )
                    });
                }
                last_multiline = multiline.then_some((row, line));
                row += 1;
            }
            // A quote left open runs to the end of the file as one value.
            if let Some((row, line)) = last_multiline
                && polars_error.contains("escaped")
            {
                return Some(unclosed_quote(&name, row, line));
            }
            first_row = row;
        }
        None
    }

    /// The first byte that is not UTF-8: its file, line and value (one
    /// streaming pass, only on the error path).
    fn first_invalid_utf8(&self) -> Option<(PathBuf, u64, u8)> {
        for (file, physical) in self.files.iter().zip(&self.physical) {
            let mut reader = std::io::BufReader::new(File::open(physical).ok()?);
            let mut line = Vec::new();
            let mut row = 0u64;
            loop {
                line.clear();
                let n = std::io::BufRead::read_until(&mut reader, b'\n', &mut line).ok()?;
                if n == 0 {
                    break;
                }
                row += 1;
                if let Err(e) = std::str::from_utf8(&line) {
                    return Some((file.clone(), row, line[e.valid_up_to()]));
                }
            }
        }
        None
    }

    /// The file's name for a column, found like a role name.
    pub fn column(&self, name: &str) -> Option<&str> {
        super::roles::find_column(&self.columns, name).map(String::as_str)
    }
}

/// Turn a polars read error into advice where the cause is known: bytes
/// that are not UTF-8, or a row that does not fit the header (found again
/// with the csv crate so the message can name the row).
pub fn explain_read_error(source: &Source, error: anyhow::Error) -> anyhow::Error {
    let text = format!("{error:#}");
    if text.contains("utf-8") || text.contains("utf8") || text.contains("UTF-8") {
        if let Some((file, row, byte)) = source.first_invalid_utf8() {
            return anyhow::anyhow!(
                "{}: line {row} has byte 0x{byte:02X}, which is not UTF-8. \
                 The file is probably in a legacy encoding: pass --encoding windows-1252 (Western Europe), \
                 --encoding windows-1257 (Baltic) or another label",
                file.display()
            );
        }
        return anyhow::anyhow!(
            "{}: part of the file is not UTF-8 text. It is probably in a legacy encoding: pass \
             --encoding windows-1252 (Western Europe), --encoding windows-1257 (Baltic) or another label",
            source.display()
        );
    }
    if let Some(problem) = source.find_malformed_row(&text) {
        return anyhow::anyhow!(problem);
    }
    error
}

fn open_parquet(shown: String, files: Vec<PathBuf>) -> Result<Source> {
    if files.iter().any(|f| Compression::of(f) != Compression::None) {
        bail!("{shown}: Parquet is compressed inside already; pass the .parquet file itself");
    }
    let mut columns: Option<Vec<String>> = None;
    let mut rows = 0u64;
    for file in &files {
        // The footer's row count (exact).
        rows += std::fs::File::open(file)
            .map_err(anyhow::Error::new)
            .and_then(|f| ParquetReader::new(f).num_rows().map_err(anyhow::Error::new))
            .with_context(|| format!("{}: not a readable Parquet file", file.display()))?
            as u64;
        let schema =
            LazyFrame::scan_parquet(PlRefPath::new(file.to_string_lossy().as_ref()), Default::default())
                .and_then(|mut lf| lf.collect_schema())
                .map_err(anyhow::Error::new)
                .with_context(|| format!("{}: not a readable Parquet file", file.display()))?;
        let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        match &columns {
            Some(first) if *first != names => {
                bail!(
                    "{shown}: {} has other columns than {}; pass same-shaped files",
                    file.display(),
                    files[0].display()
                )
            }
            _ => columns = Some(names),
        }
    }
    Ok(Source {
        stamps: files.iter().map(|f| stamp(f)).collect(),
        rows_about: Some(rows),
        given: shown,
        physical: files.clone(),
        files,
        kind: Kind::Parquet,
        format: Format::Parquet,
        encoding: "binary".into(),
        columns: columns.unwrap_or_default(),
        _converted: None,
    })
}

/// A plain file too big to hold: its rows estimated from its size and the
/// length of its first lines, refused at once when they are half as many
/// again as fit (the memory limit stops the rest while it is read).
fn check_rows_fit(file: &Path, rows: u64, max: u64) -> Result<()> {
    if rows > max + max / 2 {
        bail!(
            "{}",
            crate::guard::too_many_rows(
                &format!("{}: about {rows} rows (from its size)", file.display()),
                max
            )
        );
    }
    Ok(())
}

/// About how many rows `files` hold: their size over the length of the
/// rows in `head` (their first bytes).
fn estimate_rows(files: &[PathBuf], head: &[u8]) -> Option<u64> {
    let size: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let lines = head.iter().filter(|&&b| b == b'\n').count() as u64;
    let first = head.iter().position(|&b| b == b'\n')?;
    let body = head.iter().rposition(|&b| b == b'\n').unwrap_or(first) - first;
    if lines < 2 || body == 0 {
        return None;
    }
    Some(size / (body as u64).div_ceil(lines - 1).max(1))
}

/// The files an input names: `-`, a glob, a directory, or one file.
fn expand(given: &Path) -> Result<Vec<PathBuf>> {
    let shown = given.display();
    if given == Path::new("-") {
        if std::io::stdin().is_terminal() {
            bail!(
                "-: reading from standard input, but it is a terminal; pipe a file in (… | complaint-rate …) or pass a path"
            );
        }
        return Ok(vec![given.to_path_buf()]);
    }
    let text = given.to_string_lossy();
    if text.contains(['*', '?', '[']) && !given.exists() {
        let mut files: Vec<PathBuf> = glob::glob(&text)
            .with_context(|| format!("{shown}: not a valid pattern"))?
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            bail!("{shown}: no file matches this pattern");
        }
        return Ok(files);
    }
    let meta = std::fs::metadata(given)
        .with_context(|| format!("{shown}: cannot open the file (does it exist? check the path)"))?;
    if meta.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(given)
            .with_context(|| format!("{shown}: cannot list the directory"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect();
        files.sort();
        if files.is_empty() {
            bail!("{shown}: the directory holds no files");
        }
        return Ok(files);
    }
    Ok(vec![given.to_path_buf()])
}

/// The first 64 KiB of a file, extended to the end of its first line when
/// the header is longer (a header of 100,000 columns).
fn read_head(path: &Path) -> Result<Vec<u8>> {
    let mut file = File::open(path).with_context(|| format!("{}: cannot open the file", path.display()))?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    loop {
        let before = head.len();
        (&mut file)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .with_context(|| format!("{}: cannot read the file", path.display()))?;
        if head.len() == before || head.contains(&b'\n') {
            return Ok(head);
        }
        if head.len() > MAX_HEADER_BYTES {
            bail!(
                "{}: the first line is longer than {} MiB; is this a CSV file?",
                path.display(),
                MAX_HEADER_BYTES >> 20
            );
        }
    }
}

/// An export cut off mid-row (still being written, or a broken transfer)
/// ends without a line end in a row shorter than the header: an error
/// naming that, not a row whose time is "missing".
fn ends_inside_a_row(path: &Path, delimiter: u8, width: usize) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let Ok(mut file) = File::open(path) else { return Ok(()) };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = size.saturating_sub(SNIFF_BYTES as u64);
    let mut tail = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut tail).is_err() {
        return Ok(());
    }
    if tail.is_empty() || matches!(tail.last(), Some(b'\n' | b'\r')) {
        return Ok(());
    }
    let Some(newline) = tail.iter().rposition(|&b| b == b'\n') else { return Ok(()) };
    let last = &tail[newline + 1..];
    let quotes = last.iter().filter(|&&b| b == b'"').count();
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(last);
    let fields = reader.records().next().and_then(|r| r.ok()).map(|r| r.len()).unwrap_or(0);
    if fields < width || quotes % 2 == 1 {
        bail!(
            "its last line has {fields} of {width} fields and no line end. Is the export still being written, or \
             was it cut off? Export it again"
        );
    }
    Ok(())
}

fn starts_with_utf16_bom(path: &Path) -> bool {
    let mut bom = [0u8; 2];
    File::open(path).and_then(|mut f| f.read_exact(&mut bom)).is_ok()
        && (bom == [0xFF, 0xFE] || bom == [0xFE, 0xFF])
}

fn header(text: &str, delimiter: u8) -> Result<Vec<String>> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    Ok(reader.headers()?.iter().map(|s| s.trim().to_string()).collect())
}

fn unclosed_quote(name: &str, row: u64, line: u64) -> String {
    format!(
        "{name}row {row} (line {line}) opens a quoted value that is never closed, so the rest of the \
         file reads as one value. Close the quote or remove it"
    )
}

/// An error naming the row of the first byte that is not UTF-8, and the fix.
fn check_utf8(bytes: &[u8], complete: bool) -> Result<()> {
    match std::str::from_utf8(bytes) {
        Ok(_) => Ok(()),
        // A character cut at the end of the sniffed block is not an error.
        Err(e) if !complete && e.error_len().is_none() => Ok(()),
        Err(e) => {
            let at = e.valid_up_to();
            let row = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            bail!(
                "line {row} has byte 0x{:02X}, which is not UTF-8. \
                 The file is probably in a legacy encoding: pass --encoding windows-1252 (Western \
                 Europe, also for iso-8859-1), --encoding windows-1257 (Baltic) or another label",
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
    fn utf8_errors_name_the_row_and_the_fix() {
        let err = check_utf8(b"a,b\n1,2\n3,\xE4\n", true).unwrap_err().to_string();
        assert!(err.starts_with("line 3 ") && err.contains("--encoding"), "{err}");
        assert!(check_utf8("a,ä\n".as_bytes(), true).is_ok());
        assert!(check_utf8(&"ä".as_bytes()[..1], false).is_ok());
    }

    #[test]
    fn kinds_by_extension() {
        assert_eq!(Kind::of(Path::new("a.csv.gz")), Kind::Csv);
        assert_eq!(Kind::of(Path::new("a.parquet")), Kind::Parquet);
        assert_eq!(Kind::of(Path::new("a.XLSX")), Kind::Xlsx);
        assert_eq!(Kind::of(Path::new("a.jsonl.zst")), Kind::Ndjson);
        assert_eq!(Kind::of(Path::new("a.txt")), Kind::Csv);
    }
}
