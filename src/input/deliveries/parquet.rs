//! A specialised, exact counter for the big table in Parquet: deliveries
//! grouped by (time key, segment values, count text), one row group at a
//! time. Only the byte ranges of the needed column chunks are read (into
//! owned buffers, so the file is never memory-mapped and its pages do not
//! count against our memory), decoded by polars' Parquet decoder, and counted
//! by value numbers instead of a general group-by. Threads take row groups in
//! turn. Measured against the polars streaming scan in BENCHMARKS.md.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
#[cfg(test)]
use chrono::NaiveDateTime;
use chrono::{Days, NaiveDate};
use foldhash::HashMap;
use polars::io::parquet::read::_internal::to_deserializer;
use polars::io::parquet::read::{FileMetadata, ParquetReader, infer_schema};
use polars::prelude::*;
use polars_arrow::array::Array;

use super::fast_csv::{Counted, Group, KeyCut, cut_text};
use super::per_customer::{self, Batch};

/// How the time column becomes the group key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeRead {
    /// A typed date or datetime: its date (as polars casts it), as `yyyy-mm-dd`.
    Typed,
    /// Any other column, as text, cut like the CSV counter's key.
    Text(KeyCut),
}

/// The deliveries file's columns that the count reads, by name.
#[derive(Clone, Debug)]
pub struct Columns<'a> {
    pub time: &'a str,
    pub segments: &'a [String],
    pub count: Option<&'a str>,
    /// Also count rows per value of this column (deliveries per customer).
    pub customer: Option<&'a str>,
}

/// Count the groups of every file.
pub fn count(files: &[PathBuf], names: &Columns, time: TimeRead) -> Result<Counted> {
    let mut plans = Vec::with_capacity(files.len());
    for path in files {
        plans.push(FilePlan::open(path, names)?);
    }
    let work: Vec<(usize, usize)> = plans
        .iter()
        .enumerate()
        .flat_map(|(f, plan)| (0..plan.metadata.row_groups.len()).map(move |g| (f, g)))
        .collect();
    let next = AtomicUsize::new(0);
    let customers = names.customer.map(|_| per_customer::Counter::default());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(work.len()).max(1);
    let tallies: Vec<Result<Tally>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut tally = Tally::new(names);
                    let mut batch = customers.as_ref().map(per_customer::Counter::batch);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(f, g)) = work.get(i) else { break };
                        plans[f]
                            .count_row_group(g, names, time, &mut tally, batch.as_mut())
                            .with_context(|| format!("{}: row group {}", plans[f].path.display(), g + 1))?;
                    }
                    if let Some(batch) = batch {
                        batch.finish();
                    }
                    Ok(tally)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("a counting thread")).collect()
    });
    let mut total: std::collections::HashMap<GroupKey, u64> = Default::default();
    for tally in tallies {
        for (key, rows) in tally?.into_groups(time) {
            *total.entry(key).or_default() += rows;
        }
    }
    let mut groups: Vec<Group> =
        total.into_iter().map(|((key, segment, count), rows)| Group { key, segment, count, rows }).collect();
    groups.sort_by(|a, b| (&a.key, &a.segment, &a.count).cmp(&(&b.key, &b.segment, &b.count)));
    let per_customer = customers.map(per_customer::Counter::finish).transpose()?;
    Ok(Counted { groups, per_customer })
}

/// One file: its footer and the arrow fields of the needed columns.
struct FilePlan {
    path: PathBuf,
    file: File,
    metadata: std::sync::Arc<FileMetadata>,
    /// Time, segments, then count and customer.
    fields: Vec<ArrowField>,
}

impl FilePlan {
    fn open(path: &Path, names: &Columns) -> Result<FilePlan> {
        let file = File::open(path).with_context(|| format!("{}: cannot open the file", path.display()))?;
        let metadata =
            ParquetReader::new(file.try_clone()?).get_metadata().map_err(anyhow::Error::new)?.clone();
        let schema = infer_schema(&metadata).map_err(anyhow::Error::new)?;
        let wanted = std::iter::once(names.time)
            .chain(names.segments.iter().map(String::as_str))
            .chain(names.count)
            .chain(names.customer);
        let fields = wanted
            .map(|name| {
                schema.get(name).cloned().with_context(|| format!("{}: no column {name:?}", path.display()))
            })
            .collect::<Result<_>>()?;
        Ok(FilePlan { path: path.to_path_buf(), file, metadata, fields })
    }

    /// Decode one column of row group `g` (all nulls where the row group
    /// lacks it, as polars reads it).
    fn column(&self, g: usize, field: &ArrowField) -> Result<Series> {
        let group = &self.metadata.row_groups[g];
        let rows = group.num_rows();
        let Some(chunks) = group.columns_under_root_iter(&field.name) else {
            return Ok(Series::full_null(field.name.clone(), rows, &DataType::from_arrow_field(field)));
        };
        let mut columns = Vec::new();
        for chunk in chunks {
            let range = chunk.byte_range();
            let length = usize::try_from(range.end.saturating_sub(range.start))?;
            let mut bytes = vec![0u8; length];
            self.file.read_exact_at(&mut bytes, range.start)?;
            columns.push((chunk, bytes.into()));
        }
        let (arrays, _) = to_deserializer(columns, field.clone(), None).map_err(anyhow::Error::new)?;
        let decoded: usize = arrays.iter().map(|a| a.len()).sum();
        if decoded != rows {
            bail!("column {:?} has {decoded} values for {rows} rows", field.name.as_str());
        }
        Series::try_from((field, arrays)).map_err(anyhow::Error::new)
    }

    fn count_row_group(
        &self,
        g: usize,
        names: &Columns,
        time: TimeRead,
        tally: &mut Tally,
        customers: Option<&mut Batch>,
    ) -> Result<()> {
        let as_text = |s: Series| -> Result<StringChunked> { Ok(s.cast(&DataType::String)?.str()?.clone()) };
        let time_values = self.column(g, &self.fields[0])?;
        let segments = self.fields[1..1 + names.segments.len()]
            .iter()
            .map(|f| as_text(self.column(g, f)?))
            .collect::<Result<Vec<_>>>()?;
        let count = match names.count {
            Some(_) => Some(as_text(self.column(g, &self.fields[1 + names.segments.len()])?)?),
            None => None,
        };
        if let Some(batch) = customers {
            let field = self.fields.last().expect("the customer column");
            for value in as_text(self.column(g, field)?)?.iter().flatten() {
                batch.add(value.as_bytes());
            }
        }
        // Each row's key as one number, built a column at a time: the time's
        // number, then (key so far, next value's number) pairs numbered in turn.
        let mut keys: Vec<u32> = match time {
            TimeRead::Typed => {
                let dates = time_values.cast(&DataType::Date)?;
                dates.date()?.physical().iter().map(|day| tally.days.number(day)).collect()
            }
            TimeRead::Text(how) => {
                let text = as_text(time_values)?;
                text.iter().map(|value| tally.texts[0].number(value.map(|v| cut_text(v, how)))).collect()
            }
        };
        let others = segments.iter().chain(count.as_ref());
        let mut values = Vec::with_capacity(keys.len());
        for (k, column) in others.enumerate() {
            tally.texts[1 + k].numbers(column, &mut values);
            let pairs = &mut tally.pairs[k];
            for (key, &value) in keys.iter_mut().zip(&values) {
                *key = pairs.number(*key, value);
            }
        }
        for key in keys {
            let key = key as usize;
            if key >= tally.rows.len() {
                tally.rows.resize(key + 1, 0);
            }
            tally.rows[key] += 1;
        }
        Ok(())
    }
}

/// Numbers for the distinct days of a typed time column (`None` = null):
/// by the day's offset from the first day seen, within `DAY_SPAN` days of
/// it (a year's days without a hash), else by a hash.
#[derive(Default)]
struct DayNumbers {
    first: Option<i32>,
    near: Vec<u32>,
    of: HashMap<Option<i32>, u32>,
    values: Vec<Option<i32>>,
}

const DAY_SPAN: i64 = 1 << 16;
const NO_NUMBER: u32 = u32::MAX;

impl DayNumbers {
    fn number(&mut self, day: Option<i32>) -> u32 {
        let offset = match (day, *self.first.get_or_insert(day.unwrap_or(0))) {
            (Some(day), first) => i64::from(day) - i64::from(first) + DAY_SPAN,
            (None, _) => -1,
        };
        if (0..2 * DAY_SPAN).contains(&offset) {
            let offset = offset as usize;
            if offset >= self.near.len() {
                self.near.resize(offset + 1, NO_NUMBER);
            }
            if self.near[offset] == NO_NUMBER {
                self.near[offset] = self.new_number(day);
            }
            return self.near[offset];
        }
        match self.of.get(&day) {
            Some(&n) => n,
            None => {
                let n = self.new_number(day);
                self.of.insert(day, n);
                n
            }
        }
    }

    fn new_number(&mut self, day: Option<i32>) -> u32 {
        self.values.push(day);
        (self.values.len() - 1) as u32
    }
}

/// Numbers for the distinct texts of one column (`None` = null); the text
/// is copied only when it is new. Texts of up to 12 bytes, which polars
/// holds inside their views, are looked up by the view's bits.
#[derive(Default)]
struct TextNumbers {
    of: HashMap<Box<str>, u32>,
    inline: HashMap<u128, u32>,
    null: Option<u32>,
    values: Vec<Option<Box<str>>>,
}

/// The longest text polars holds inside its view.
const INLINE: u32 = 12;

impl TextNumbers {
    fn number(&mut self, value: Option<&str>) -> u32 {
        let known = match value {
            None => self.null,
            Some(v) => self.of.get(v).copied(),
        };
        if let Some(n) = known {
            return n;
        }
        let n = self.values.len() as u32;
        self.values.push(value.map(Box::from));
        match value {
            None => self.null = Some(n),
            Some(v) => {
                self.of.insert(Box::from(v), n);
            }
        }
        n
    }

    /// The number of each value of a column, into `out`.
    fn numbers(&mut self, column: &StringChunked, out: &mut Vec<u32>) {
        out.clear();
        for array in column.downcast_iter() {
            let (views, validity) = (array.views(), Array::validity(array));
            for i in 0..views.len() {
                if validity.is_some_and(|valid| !valid.get_bit(i)) {
                    out.push(self.number(None));
                    continue;
                }
                let view = views[i];
                if view.length > INLINE {
                    out.push(self.number(Some(array.value(i))));
                    continue;
                }
                // The length and the inline bytes; any bytes past the end masked off.
                let bits = 8 * (4 + view.length);
                let key = if bits >= 128 { view.as_u128() } else { view.as_u128() & ((1u128 << bits) - 1) };
                let n = match self.inline.get(&key) {
                    Some(&n) => n,
                    None => {
                        let n = self.number(Some(array.value(i)));
                        self.inline.insert(key, n);
                        n
                    }
                };
                out.push(n);
            }
        }
    }

    fn text(&self, n: u32) -> Option<String> {
        self.values[n as usize].as_deref().map(str::to_string)
    }
}

/// Numbers for (key so far, value number) pairs: in a grid of prefixes ×
/// values while it stays small (a year of days × a few regions), else by a
/// hash.
#[derive(Default)]
struct PairNumbers {
    /// `grid[prefix * width + value]`, `NO_NUMBER` where unseen.
    grid: Vec<u32>,
    width: usize,
    /// The grid grew past `GRID_CELLS`: numbered by `of`.
    hashed: bool,
    of: HashMap<u64, u32>,
    pairs: Vec<(u32, u32)>,
}

/// The largest grid (4 bytes a cell).
const GRID_CELLS: usize = 1 << 20;

impl PairNumbers {
    fn number(&mut self, prefix: u32, value: u32) -> u32 {
        if !self.hashed {
            let (p, v) = (prefix as usize, value as usize);
            if v >= self.width || (p + 1) * self.width > self.grid.len() {
                self.regrid(p, v);
            }
            if !self.hashed {
                let cell = &mut self.grid[p * self.width + v];
                if *cell == NO_NUMBER {
                    *cell = self.pairs.len() as u32;
                    self.pairs.push((prefix, value));
                }
                return *cell;
            }
        }
        let pair = u64::from(prefix) << 32 | u64::from(value);
        if let Some(&n) = self.of.get(&pair) {
            return n;
        }
        let n = self.pairs.len() as u32;
        self.pairs.push((prefix, value));
        self.of.insert(pair, n);
        n
    }

    /// A grid that holds (p, v) and every pair numbered so far, twice the
    /// prefixes seen; or the hash, when that passes `GRID_CELLS`.
    fn regrid(&mut self, p: usize, v: usize) {
        let seen =
            |f: fn(&(u32, u32)) -> u32| self.pairs.iter().map(|pair| f(pair) as usize + 1).max().unwrap_or(0);
        let width = seen(|pair| pair.1).max(v + 1).next_power_of_two().max(self.width);
        let rows = (2 * seen(|pair| pair.0).max(p + 1)).next_power_of_two();
        if width * rows > GRID_CELLS {
            self.hashed = true;
            self.grid = Vec::new();
            let key = |&(p, v): &(u32, u32)| u64::from(p) << 32 | u64::from(v);
            self.of = self.pairs.iter().enumerate().map(|(n, pair)| (key(pair), n as u32)).collect();
            return;
        }
        self.width = width;
        self.grid = vec![NO_NUMBER; width * rows];
        for (n, &(p, v)) in self.pairs.iter().enumerate() {
            self.grid[p as usize * width + v as usize] = n as u32;
        }
    }
}

/// One thread's counts: rows per key (time, segments, count), each key a
/// number made of the columns' value numbers.
struct Tally {
    days: DayNumbers,
    /// Time text (`TimeRead::Text` only), each segment, then the count.
    texts: Vec<TextNumbers>,
    /// `pairs[k]` numbers the keys of the first k + 2 columns.
    pairs: Vec<PairNumbers>,
    segments: usize,
    /// Rows per number of the whole key.
    rows: Vec<u64>,
}

type GroupKey = (Option<String>, Vec<Option<String>>, Option<String>);

impl Tally {
    fn new(names: &Columns) -> Tally {
        let columns = 1 + names.segments.len() + usize::from(names.count.is_some());
        Tally {
            days: DayNumbers::default(),
            texts: (0..columns).map(|_| TextNumbers::default()).collect(),
            pairs: (1..columns).map(|_| PairNumbers::default()).collect(),
            segments: names.segments.len(),
            rows: Vec::new(),
        }
    }

    fn into_groups(self, time: TimeRead) -> Vec<(GroupKey, u64)> {
        let mut groups = Vec::new();
        for (key, &rows) in self.rows.iter().enumerate() {
            if rows == 0 {
                continue;
            }
            // The value numbers of the key, last column first.
            let mut numbers = Vec::with_capacity(1 + self.pairs.len());
            let mut prefix = key as u32;
            for pairs in self.pairs.iter().rev() {
                let (before, value) = pairs.pairs[prefix as usize];
                numbers.push(value);
                prefix = before;
            }
            numbers.push(prefix);
            numbers.reverse();
            let time_key = match time {
                TimeRead::Typed => self.days.values[numbers[0] as usize].map(date_text),
                // A date part cut to nothing reads as missing (as in the CSV counter).
                TimeRead::Text(how) => {
                    self.texts[0].text(numbers[0]).filter(|k| !k.is_empty() || how == KeyCut::Whole)
                }
            };
            let segment = (1..=self.segments).map(|k| self.texts[k].text(numbers[k])).collect();
            let count = numbers.get(1 + self.segments).and_then(|&n| self.texts[1 + self.segments].text(n));
            groups.push(((time_key, segment, count), rows));
        }
        groups
    }
}

/// A date's days since 1970-01-01 as `yyyy-mm-dd` (as polars writes it).
fn date_text(days: i32) -> String {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    let date = if days >= 0 {
        epoch.checked_add_days(Days::new(days as u64))
    } else {
        epoch.checked_sub_days(Days::new(days.unsigned_abs() as u64))
    };
    date.map_or_else(|| days.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::super::fast_csv::{self, Fields};
    use super::*;

    /// Rows of (time text, region, count text), with missing values, values
    /// past 12 bytes, a non-ASCII region and times that do not parse.
    fn rows() -> Vec<(Option<String>, Option<&'static str>, Option<String>)> {
        let regions = [Some("North"), None, Some("Øst-Région-Longer-Than-Twelve"), Some("")];
        (0..500)
            .map(|i| {
                let time = match i % 37 {
                    0 => None,
                    1 => Some("not a time".to_string()),
                    _ => Some(format!("2024-{:02}-{:02} {:02}:15:00", 1 + i % 12, 1 + i % 28, i % 24)),
                };
                (time, regions[i % 4], (i % 11 != 0).then(|| (1 + i % 3).to_string()))
            })
            .collect()
    }

    fn write_parquet(path: &Path, typed: bool) {
        let rows = rows();
        let times = Column::new("when".into(), rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
        let times = if typed {
            // Unparseable text becomes null, as a typed export would hold it.
            let micros = rows.iter().map(|r| {
                let time =
                    r.0.as_deref().and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok());
                time.map(|t| t.and_utc().timestamp_micros())
            });
            Int64Chunked::from_iter(micros)
                .with_name("when".into())
                .into_datetime(TimeUnit::Microseconds, None)
                .into_column()
        } else {
            times
        };
        let mut frame = DataFrame::new_infer_height(vec![
            times,
            Column::new("region".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            Column::new("n".into(), rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>()),
        ])
        .unwrap();
        let file = File::create(path).unwrap();
        ParquetWriter::new(file).with_row_group_size(Some(7)).finish(&mut frame).unwrap();
    }

    #[test]
    fn text_times_give_the_csv_counters_groups() {
        let dir = tempfile::tempdir().unwrap();
        let parquet = dir.path().join("d.parquet");
        write_parquet(&parquet, false);
        let csv = dir.path().join("d.csv");
        let mut text = String::from("when,region,n\n");
        for (time, region, n) in rows() {
            let field = |v: Option<&str>| v.map(|v| format!("\"{v}\"")).unwrap_or_default();
            text.push_str(&format!("{},{},{}\n", field(time.as_deref()), field(region), field(n.as_deref())));
        }
        std::fs::write(&csv, text).unwrap();
        let segments = vec!["region".to_string()];
        for cut in [KeyCut::Whole, KeyCut::Prefix(10), KeyCut::DatePart] {
            let names = Columns { time: "when", segments: &segments, count: Some("n"), customer: None };
            let ours = count(std::slice::from_ref(&parquet), &names, TimeRead::Text(cut)).unwrap().groups;
            let fields = Fields { time: 0, segments: vec![1], count: Some(2), cut, customer: None };
            let expected = fast_csv::count(&[&csv], b',', &fields).unwrap();
            let rows: u64 = ours.iter().map(|g| g.rows).sum();
            assert_eq!(rows, 500);
            // The CSV counter reads an empty field as missing; Parquet keeps
            // "" (both are missing to the report).
            let mut merged = std::collections::BTreeMap::new();
            for g in ours {
                let segment: Vec<_> = g.segment.into_iter().map(|s| s.filter(|s| !s.is_empty())).collect();
                *merged.entry((g.key, segment, g.count)).or_insert(0) += g.rows;
            }
            let expected: std::collections::BTreeMap<_, _> =
                expected.groups.into_iter().map(|g| ((g.key, g.segment, g.count), g.rows)).collect();
            assert_eq!(merged, expected, "{cut:?}");
        }
    }

    #[test]
    fn typed_times_give_the_polars_group_by() {
        let dir = tempfile::tempdir().unwrap();
        let parquet = dir.path().join("d.parquet");
        write_parquet(&parquet, true);
        let segments = vec!["region".to_string()];
        let names = Columns { time: "when", segments: &segments, count: None, customer: None };
        let ours = count(&[parquet.clone(), parquet.clone()], &names, TimeRead::Typed).unwrap().groups;
        // The same count by a polars group-by over both files.
        let path = PlRefPath::new(parquet.to_string_lossy().as_ref());
        let frame =
            LazyFrame::scan_parquet_files([path.clone(), path].into_iter().collect(), Default::default())
                .unwrap()
                .group_by([col("when").cast(DataType::Date).cast(DataType::String), col("region")])
                .agg([len().cast(DataType::UInt64).alias("rows")])
                .collect()
                .unwrap();
        let mut expected = std::collections::BTreeMap::new();
        for i in 0..frame.height() {
            let key = frame.column("when").unwrap().str().unwrap().get(i).map(str::to_string);
            let region = frame.column("region").unwrap().str().unwrap().get(i).map(str::to_string);
            expected
                .insert((key, vec![region]), frame.column("rows").unwrap().u64().unwrap().get(i).unwrap());
        }
        let ours: std::collections::BTreeMap<_, _> =
            ours.into_iter().map(|g| ((g.key, g.segment), g.rows)).collect();
        assert_eq!(ours.values().sum::<u64>(), 1000);
        assert!(ours.keys().any(|(k, _)| k.is_none()), "null times are a group");
        assert!(ours.keys().filter(|(k, _)| k.is_some()).count() > 50, "dates are groups");
        assert_eq!(ours, expected);
    }

    #[test]
    fn a_missing_column_or_a_broken_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let parquet = dir.path().join("d.parquet");
        write_parquet(&parquet, false);
        let names = Columns { time: "nope", segments: &[], count: None, customer: None };
        assert!(count(std::slice::from_ref(&parquet), &names, TimeRead::Typed).is_err());
        let bytes = std::fs::read(&parquet).unwrap();
        let broken = dir.path().join("broken.parquet");
        // Column chunks overwritten, footer intact: the decoder must fail, not panic.
        let mut damaged = bytes.clone();
        for b in &mut damaged[4..bytes.len() / 2] {
            *b = 0xAB;
        }
        std::fs::write(&broken, damaged).unwrap();
        let names = Columns { time: "when", segments: &[], count: None, customer: None };
        assert!(count(&[broken], &names, TimeRead::Text(KeyCut::Whole)).is_err());
    }

    #[test]
    fn dates_as_polars_writes_them() {
        assert_eq!(date_text(0), "1970-01-01");
        assert_eq!(date_text(19_723), "2024-01-01");
        assert_eq!(date_text(-1), "1969-12-31");
    }
}
