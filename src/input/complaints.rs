//! The complaints table as typed records: one per used complaint row (or
//! per counted row, for complaints that arrive already counted), with its
//! local time, customer, channel (case-folded), order, category and the
//! values of the `--by` columns. What is read is decided by the table's
//! plan (`input::plan`); this is the reading.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;
use rayon::prelude::*;

use super::keys::{Key, Keys};
use super::ledger::{Ledger, Note, Reason};
use super::plan::TablePlan;
use super::roles::Role;
use super::source::{ROW, Source, explain_read_error};
use super::time::plausible_year;
use super::{Attribution, DatasetOptions, RepeatKey, RowFilter, parse_count, present, same};

#[derive(Clone, Debug, PartialEq)]
pub struct Complaint {
    /// Row number in the file (header = row 1).
    pub row: u64,
    pub time: NaiveDateTime,
    /// The customer's code in `ComplaintTable::customers`.
    pub customer: Option<Key>,
    /// The channel's code in `ComplaintTable::channels`: trimmed and
    /// case-folded (and renamed by `--channel`), so `Phone` and `phone `
    /// are one channel, one code.
    pub channel: Option<Key>,
    /// The order's code in `ComplaintTable::orders`; `None` also when no
    /// order id is needed (see `Needs`).
    pub order: Option<Key>,
    /// The category's code in `ComplaintTable::categories`.
    pub category: Option<Key>,
    /// Values of the `--by` columns; `None` where the complaints file lacks
    /// the column (it then comes from the delivery, through the order).
    /// Complaints with the same values share one list.
    pub segment: SegmentValues,
    /// The day whose period counts this complaint: its own date, or its
    /// delivery's date with `--attribute delivery`.
    pub bucket_date: NaiveDate,
    /// How many complaints the row stands for: 1, or the row's count when
    /// the complaints arrive counted (0 adds nothing).
    pub weight: u32,
    /// Counted in the report. Outside `--from`/`--to` (or without a needed
    /// delivery) a complaint is context for repeats only.
    pub counted: bool,
}

// Millions of complaints are held: one takes 64 bytes (it took 88 with its
// channel and category as shared texts).
const _: () = assert!(std::mem::size_of::<Complaint>() <= 64);

/// A complaint's values of the `--by` columns, shared.
pub type SegmentValues = Arc<[Option<Arc<str>>]>;

/// A customer or order id that stands for "none" (`0`, `unknown`, `guest`,
/// or one value carrying a large share of complaints): taken as missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub role: Role,
    pub value: String,
    pub rows: u64,
    /// Complaint rows read (used).
    pub of_rows: u64,
}

/// Counted complaints' repeats and switches, from the table's own columns
/// (the `sql complaints` result).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GivenContacts {
    pub repeats: u32,
    pub switches: u32,
}

pub struct ComplaintTable {
    pub records: Vec<Complaint>,
    /// The customer ids, each held once; records carry their codes.
    pub customers: Keys,
    /// The order ids, likewise.
    pub orders: Keys,
    /// The channels (as folded) and the categories, likewise: a code takes
    /// 4 bytes of each of millions of complaints, a shared text 16.
    pub channels: Keys,
    pub categories: Keys,
    pub ledger: Ledger,
    /// How the table was read: its columns, roles, time and layout.
    pub plan: TablePlan,
    /// The customer comes from each complaint's delivery (the complaints
    /// have an order id but no customer column).
    pub customers_from_orders: bool,
    /// Ids that stand for no customer or order, taken as missing.
    pub placeholders: Vec<Placeholder>,
    /// `--keep-id` values: real ids that look like placeholders.
    pub kept_ids: Vec<String>,
    /// For counted complaints with repeat and switch columns: per record.
    pub given: Option<Vec<GivenContacts>>,
}

impl ComplaintTable {
    /// Whether complaints can have a customer: repeats and concentration.
    pub fn has_customers(&self) -> bool {
        !self.is_counted() && (self.plan.roles.get(Role::Customer).is_some() || self.customers_from_orders)
    }

    /// The complaints arrive counted (a count column): one row is not one
    /// contact, so repeats, switches and concentration need their columns.
    pub fn is_counted(&self) -> bool {
        self.plan.count().is_some()
    }

    /// The complaints have no time of their own: each takes its delivery's.
    pub fn time_from_order(&self) -> bool {
        self.plan.time.is_none()
    }

    /// Customer ids that stand for no customer, among the deliveries' too:
    /// the complaints' placeholders and the usual ones (`0`, `guest`…), but
    /// those kept with `--keep-id`.
    pub fn not_customers(&self) -> Vec<&str> {
        let found = self.placeholders.iter().filter(|p| p.role == Role::Customer).map(|p| p.value.as_str());
        let usual = PLACEHOLDERS.iter().copied().filter(|v| !self.kept_ids.iter().any(|k| k.trim() == *v));
        let mut out: Vec<&str> = found.chain(usual).collect();
        out.dedup();
        out
    }

    /// A complaint's customer id.
    pub fn customer(&self, complaint: &Complaint) -> Option<&str> {
        complaint.customer.map(|k| self.customers.text(k))
    }
}

/// What the complaints need from their deliveries, through the order id:
/// decided once, from the plan, for the reading and for the join.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// No time of their own.
    pub time: bool,
    /// A `--by` column the complaints lack.
    pub segments: bool,
    /// No customer column, and an order id to find the customer by.
    pub customer: bool,
    /// Counted in the period of their delivery (`--attribute delivery`).
    pub delivery_date: bool,
    /// The order id itself is part of the repeat key.
    pub order_key: bool,
    /// The categories are read (by the command, or for the repeat key).
    pub categories: bool,
}

impl Needs {
    pub fn of(plan: &TablePlan, options: &DatasetOptions) -> Needs {
        let has_order = plan.roles.get(Role::Order).is_some();
        Needs {
            time: plan.time.is_none(),
            segments: plan.segments.iter().any(Option::is_none),
            customer: plan.roles.get(Role::Customer).is_none() && has_order,
            delivery_date: options.attribution == Attribution::Delivery,
            order_key: options.repeat_key == RepeatKey::CustomerOrder,
            categories: options.categories || options.repeat_key == RepeatKey::CustomerCategory,
        }
    }

    /// Some complaint must be matched to its delivery.
    pub fn join(&self) -> bool {
        self.time || self.segments || self.customer || self.delivery_date
    }

    /// The order ids are read (millions of texts: only when needed).
    pub fn order_ids(&self) -> bool {
        self.join() || self.order_key
    }
}

/// Values that stand for "no id" in exports (lower case).
const PLACEHOLDERS: [&str; 12] = [
    "0",
    "-1",
    "unknown",
    "anonymous",
    "anon",
    "guest",
    "none",
    "nobody",
    "not available",
    "not provided",
    "no customer",
    "undefined",
];

fn placeholder_text(value: &str) -> bool {
    let v = value.trim();
    (!v.is_empty() && v.bytes().all(|b| b == b'0')) || PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(v))
}

/// Codes whose text is a placeholder, or that carry a dominant share of the
/// rows (over 5% of them and over 20 times the next code, and 30 or more).
fn placeholders(keys: &Keys, rows_per_code: &[u64]) -> Vec<Key> {
    let total: u64 = rows_per_code.iter().sum();
    // The two codes with the most rows (the first of equals first).
    let (mut top, mut next): (Option<usize>, Option<usize>) = (None, None);
    for (k, &rows) in rows_per_code.iter().enumerate() {
        if top.is_none_or(|t| rows > rows_per_code[t]) {
            (top, next) = (Some(k), top);
        } else if next.is_none_or(|n| rows > rows_per_code[n]) {
            next = Some(k);
        }
    }
    let dominant = match (top, next) {
        (Some(top), Some(next)) => {
            let (top_rows, next_rows) = (rows_per_code[top], rows_per_code[next]);
            (top_rows >= 30 && top_rows * 20 > total && top_rows > 20 * next_rows).then_some(top)
        }
        _ => None,
    };
    (0..keys.len())
        .into_par_iter()
        .filter(|&k| rows_per_code[k] > 0)
        .filter(|&k| placeholder_text(keys.text(Key::of(k))) || Some(k) == dominant)
        .map(Key::of)
        .collect()
}

/// The columns to read: the row number, the time's, each role's that the
/// run needs (`needs`, decided once with `join_orders`), the segments', the
/// filters' and the given repeat and switch counts', each once; and the time
/// column when the file types it itself.
struct ToRead {
    /// Every column, each once.
    columns: Vec<String>,
    /// The time's (one, or a date and a time of day).
    time: Vec<String>,
    /// The columns read for anything but the time.
    others: Vec<String>,
    /// The time column, when the file types it itself.
    typed: Option<String>,
}

fn columns_to_read(plan: &TablePlan, needs: &Needs) -> ToRead {
    let optional = [Role::Customer, Role::Channel, Role::Order, Role::Category, Role::Id, Role::Count]
        .into_iter()
        .filter(|&role| role != Role::Order || needs.order_ids())
        .filter(|&role| role != Role::Category || needs.categories);
    let time: Vec<String> = plan.time.iter().flat_map(|t| t.names()).map(str::to_string).collect();
    let mut others: Vec<String> = optional.filter_map(|r| plan.roles.get(r).map(str::to_string)).collect();
    others.extend(plan.segments.iter().flatten().cloned());
    others.extend(plan.filters.iter().map(|(_, c)| c.clone()));
    others.extend(plan.given_repeats.iter().chain(&plan.given_switches).cloned());
    let mut columns: Vec<String> = vec![ROW.to_string()];
    columns.extend(time.iter().chain(&others).cloned());
    let mut unique = std::collections::HashSet::new();
    columns.retain(|c| unique.insert(c.clone()));
    let typed = plan.typed_time.then(|| time[0].clone());
    ToRead { columns, time, others, typed }
}

/// Each row's time, and the text of the rows whose text gives none (or an
/// implausible one), by row.
#[derive(Default)]
struct Times {
    values: Vec<Option<NaiveDateTime>>,
    failed: HashMap<usize, String>,
}

/// The complaints' times (typed, or parsed from their text on both cores)
/// and the text of each row whose text gives no plausible time, to name
/// the reason. The time's columns are then let go unless another role
/// reads them: a text time is the frame's largest column.
fn read_times(frame: &mut DataFrame, plan: &TablePlan, to_read: &ToRead) -> Result<Times> {
    let Some(time) = plan.time.as_ref() else {
        return Ok(Times::default());
    };
    let columns: Vec<Column> = to_read
        .time
        .iter()
        .map(|name| match to_read.others.contains(name) {
            true => frame.column(name).cloned(),
            false => frame.drop_in_place(name),
        })
        .collect::<PolarsResult<_>>()?;
    if to_read.typed.is_some() {
        return Ok(Times { values: naive_times(&columns[0])?, failed: HashMap::new() });
    }
    let texts: Vec<&StringChunked> = columns.iter().map(|c| c.str()).collect::<PolarsResult<_>>()?;
    // The text of row i's time: one column, or two joined.
    let text = |i: usize| {
        let values: Vec<Option<&str>> = texts.iter().map(|c| c.get(i)).collect();
        time.text(&values)
    };
    let parsed: Vec<Option<NaiveDateTime>> = (0..frame.height())
        .into_par_iter()
        .map(|i| text(i).and_then(|raw| plan.parser.parse(&raw)))
        .collect();
    let failed = (parsed.iter().enumerate())
        .filter(|(_, time)| !time.is_some_and(plausible_year))
        .filter_map(|(i, _)| Some((i, text(i)?.into_owned())))
        .collect();
    Ok(Times { values: parsed, failed })
}

/// The columns read by polars into one frame, one chunk per column: the
/// row loop's `get(i)` is then a lookup, not a walk over the chunks.
fn read_frame(source: &Source, wanted: &[String], typed_column: Option<&String>) -> Result<DataFrame> {
    let mut frame = source
        .scan_with_rows()?
        .select(
            wanted
                .iter()
                .map(|c| match c {
                    c if c == ROW => col(c.as_str()).cast(DataType::UInt64),
                    c if typed_column == Some(c) => col(c.as_str()),
                    c => col(c.as_str()).cast(DataType::String),
                })
                .collect::<Vec<_>>(),
        )
        .collect()
        .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))
        .with_context(|| format!("{}: cannot read the complaints", source.display()))?;
    // The views are copied, the text is not, a column on each core (each
    // column held twice only while it is copied).
    frame.rechunk_mut_par();
    Ok(frame)
}

/// Read and type the complaints file by its plan, reading what `needs`
/// says. Rows a `--where` filter drops, rows without a usable time or count
/// and later events of a complaint id already seen (of the same customer)
/// are rejected in the ledger; the rest are `used` and `counted` until
/// `metrics::dataset` applies `--from/--to` and the coverage.
pub fn load(
    source: &Source,
    plan: TablePlan,
    needs: &Needs,
    options: &DatasetOptions,
) -> Result<ComplaintTable> {
    let file = source.display();
    let roles = &plan.roles;
    let to_read = columns_to_read(&plan, needs);
    // The values are read where polars holds them; only used rows are copied.
    let mut frame = read_frame(source, &to_read.columns, to_read.typed.as_ref())?;
    let times = read_times(&mut frame, &plan, &to_read)?;

    let column = |name: &str| -> Result<&StringChunked> { Ok(frame.column(name)?.str()?) };
    // The row numbers (never missing) as a slice: read for every row.
    let rows = frame.column(ROW)?.u64()?.rechunk();
    let rows = rows.cont_slice()?;
    let role_column =
        |role: Role| -> Result<Option<&StringChunked>> { roles.get(role).map(column).transpose() };
    let customers = role_column(Role::Customer)?;
    let channels = role_column(Role::Channel)?;
    let orders = if needs.order_ids() { role_column(Role::Order)? } else { None };
    let categories = if needs.categories { role_column(Role::Category)? } else { None };
    let ids = role_column(Role::Id)?;
    let counts = role_column(Role::Count)?;
    let given: Option<[&StringChunked; 2]> = match (&plan.given_repeats, &plan.given_switches) {
        (Some(r), Some(s)) if counts.is_some() => Some([column(r)?, column(s)?]),
        _ => None,
    };
    let segments: Vec<Option<&StringChunked>> =
        plan.segments.iter().map(|c| c.as_deref().map(column).transpose()).collect::<Result<_>>()?;
    let filter_values: Vec<(&RowFilter, &StringChunked)> =
        plan.filters.iter().map(|(f, c)| Ok((f, column(c)?))).collect::<Result<_>>()?;

    let mut ledger = Ledger::new("complaints", &file);
    // Which rows share a value, found on both cores (`same`): the loop
    // below then compares row numbers, never texts.
    let id_first = ids.map(same::first_rows);
    let mut customer_codes = Coder::of(customers);
    let mut order_codes = Coder::of(orders);
    let mut channel_codes = Interned::of(channels);
    let mut category_codes = Interned::of(categories);
    let mut segment_values: Vec<Option<Shared>> = segments.iter().map(|s| Shared::of(*s)).collect();
    let mut segment_lists = SegmentLists::default();
    // The first used row of each complaint id (by its first row).
    let mut seen_ids: Vec<u32> = vec![same::NONE; if ids.is_some() { frame.height() } else { 0 }];
    // Rows that share an id with an earlier row of another customer (kept
    // apart), and rows merged into an earlier event of their complaint.
    let (mut conflicts, mut merged) = (0u64, 0u64);
    let mut conflict_example: Option<(String, u64, String, u64, String)> = None;
    let mut kept_by_filter = vec![0u64; filter_values.len()];
    let mut records = Vec::with_capacity(frame.height());
    let mut given_contacts = given.map(|_| Vec::with_capacity(frame.height()));
    'rows: for i in 0..frame.height() {
        if i % AHEAD == 0 {
            let next = i..(i + AHEAD).min(frame.height());
            for coder in [&customer_codes, &order_codes].into_iter().flatten() {
                coder.touch(next.clone());
            }
        }
        let row = rows[i];
        for (k, (filter, values)) in filter_values.iter().enumerate() {
            if !filter.keeps(values.get(i)) {
                ledger.reject(filter.reason(), 1, row);
                continue 'rows;
            }
            kept_by_filter[k] += 1;
        }
        let time = match (plan.time.is_some(), times.values.get(i).copied().flatten()) {
            (false, _) => NaiveDateTime::MIN,
            (true, Some(time)) if plausible_year(time) => time,
            (true, found) => {
                // The text as read; a typed time as it prints.
                let raw = times.failed.get(&i).cloned().or_else(|| found.map(|t| t.to_string()));
                match (found, raw) {
                    (None, None) => ledger.reject(Reason::TimeMissing, 1, row),
                    (None, Some(raw)) => ledger.reject_value(Reason::TimeUnparseable, 1, row, Some(&raw)),
                    (Some(_), raw) => ledger.reject_value(Reason::TimeImplausible, 1, row, raw.as_deref()),
                }
                continue;
            }
        };
        let weight = match counts {
            None => 1,
            Some(counts) => match present(counts.get(i)).and_then(parse_count).map(u32::try_from) {
                Some(Ok(n)) => n,
                _ => {
                    ledger.reject_value(Reason::CountInvalid, 1, row, counts.get(i));
                    continue;
                }
            },
        };
        if let Some(first) = id_first.as_ref().map(|f| f[i]).filter(|&f| f != same::NONE) {
            match seen_ids[first as usize] {
                same::NONE => seen_ids[first as usize] = i as u32,
                j => {
                    // Merged only when the customers agree (or one is missing).
                    let j = j as usize;
                    let customer = |row| customer_codes.as_ref().map_or(same::NONE, |c| c.first[row]);
                    let (a, b) = (customer(j), customer(i));
                    if a != same::NONE && b != same::NONE && a != b {
                        conflicts += 1;
                        conflict_example.get_or_insert_with(|| {
                            let text = |row| value(customers, row).unwrap_or_default().to_string();
                            let id = value(ids, i).unwrap_or_default().to_string();
                            (id, rows[j], text(j), row, text(i))
                        });
                    } else {
                        merged += 1;
                        ledger.reject(Reason::MoreEvents, 1, row);
                        continue;
                    }
                }
            }
        }
        ledger.used(1);
        if let (Some(list), Some([repeats, switches])) = (&mut given_contacts, given) {
            let number = |c: &StringChunked| {
                present(c.get(i)).and_then(parse_count).and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
            };
            list.push(GivenContacts { repeats: number(repeats), switches: number(switches) });
        }
        records.push(Complaint {
            row,
            time,
            customer: customer_codes.as_mut().and_then(|c| c.code(i)),
            channel: channel_codes.as_mut().and_then(|v| {
                v.code(i, |c| {
                    let folded = super::channels::fold(c);
                    options.channels.get(&folded).cloned().unwrap_or(folded)
                })
            }),
            order: order_codes.as_mut().and_then(|c| c.code(i)),
            category: category_codes.as_mut().and_then(|v| v.code(i, str::to_string)),
            segment: segment_lists.get(i, &mut segment_values),
            bucket_date: time.date(),
            weight,
            counted: true,
        });
    }
    if let Some(k) = kept_by_filter.iter().position(|&kept| kept == 0)
        && frame.height() > 0
    {
        let (filter, values) = filter_values[k];
        bail!("{}", keeps_nothing(&file, filter, values));
    }
    if let Some((id, first_row, first, row, other)) = conflict_example {
        let column = roles.get(Role::Id).unwrap_or_default();
        if conflicts > merged && conflicts >= 5 {
            bail!(
                "{file}: column {column:?} is not a complaint id: {conflicts} rows share an id with a row of \
                 another customer, more than the {merged} that look like later events of one complaint (e.g. \
                 {id:?} in row {first_row}, customer {first:?}, and in row {row}, customer {other:?}). Name \
                 the real id column with --col complaints.id=COLUMN"
            );
        }
        ledger.note(Note::IdSharedAcrossCustomers, conflicts);
    }
    let mut table = ComplaintTable {
        records,
        customers: customer_codes.map(|c| c.keys(customers)).unwrap_or_default(),
        orders: order_codes.map(|c| c.keys(orders)).unwrap_or_default(),
        channels: channel_codes.map(|c| c.keys).unwrap_or_default(),
        categories: category_codes.map(|c| c.keys).unwrap_or_default(),
        ledger,
        plan,
        customers_from_orders: false,
        placeholders: Vec::new(),
        kept_ids: options.keep_ids.clone(),
        given: given_contacts,
    };
    drop_placeholders(&mut table, &options.keep_ids)?;
    Ok(table)
}

/// Customer and order ids that stand for "none" become missing, each said
/// once (`ComplaintTable::placeholders`); `--keep-id` keeps one, and must
/// name one.
fn drop_placeholders(table: &mut ComplaintTable, keep: &[String]) -> Result<()> {
    let mut kept: Vec<&str> = Vec::new();
    for role in [Role::Customer, Role::Order] {
        let keys = if role == Role::Customer { &table.customers } else { &table.orders };
        if keys.is_empty() {
            continue;
        }
        let id = |c: &Complaint| if role == Role::Customer { c.customer } else { c.order };
        // Rows per code, a part of the complaints on each core (at most
        // four parts: each holds a count per code).
        let part = table.records.len().div_ceil(rayon::current_num_threads().min(4)).max(1);
        let rows = table
            .records
            .par_chunks(part)
            .map(|records| {
                let mut rows = vec![0u64; keys.len()];
                for k in records.iter().filter_map(id) {
                    rows[k.index()] += 1;
                }
                rows
            })
            .reduce_with(|mut a, b| {
                a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                a
            })
            .unwrap_or_default();
        let mut found = placeholders(keys, &rows);
        found.retain(|&k| match keep.iter().find(|v| v.trim() == keys.text(k)) {
            Some(v) => {
                kept.push(v);
                false
            }
            None => true,
        });
        if found.is_empty() {
            continue;
        }
        for &k in &found {
            table.placeholders.push(Placeholder {
                role,
                value: keys.text(k).to_string(),
                rows: rows[k.index()],
                of_rows: table.records.len() as u64,
            });
        }
        for c in &mut table.records {
            let id = if role == Role::Customer { &mut c.customer } else { &mut c.order };
            if id.is_some_and(|k| found.contains(&k)) {
                *id = None;
            }
        }
    }
    if let Some(unused) = keep.iter().find(|v| !kept.contains(&v.as_str())) {
        let found: Vec<String> = table.placeholders.iter().map(|p| format!("{:?}", p.value)).collect();
        bail!(
            "--keep-id {unused}: no customer or order id {unused:?} was taken for a placeholder here{}; drop the flag",
            if found.is_empty() { String::new() } else { format!(" (these were: {})", found.join(", ")) }
        );
    }
    Ok(())
}

/// A `--where` filter that keeps no row: what the column holds instead.
fn keeps_nothing(file: &str, filter: &RowFilter, values: &StringChunked) -> String {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for v in values.iter() {
        *counts.entry(present(v).unwrap_or("(missing)")).or_default() += 1;
    }
    super::filter::keeps_nothing(file, filter, counts.into_iter().collect())
}

/// Row `i` of an optional column, when present.
fn value(column: Option<&StringChunked>, i: usize) -> Option<&str> {
    column.and_then(|c| present(c.get(i)))
}

/// One shared copy of each distinct value of a column (a segment's), by
/// its code; missing values are none.
struct Shared<'a> {
    codes: Interned<'a>,
    /// The text of each code.
    texts: Vec<Arc<str>>,
    blank: Option<Arc<str>>,
}

impl<'a> Shared<'a> {
    fn of(column: Option<&'a StringChunked>) -> Option<Shared<'a>> {
        Interned::of(column).map(|codes| Shared { codes, texts: Vec::new(), blank: None })
    }

    /// The first row with this row's value (`same::NONE`: none).
    fn first(&self, row: usize) -> u32 {
        self.codes.first[row]
    }

    fn get(&mut self, row: usize) -> Option<Arc<str>> {
        let code = self.codes.code(row, str::to_string)?.index();
        if code == self.texts.len() {
            self.texts.push(Arc::from(self.codes.keys.text(Key::of(code))));
        }
        Some(self.texts[code].clone())
    }

    /// The shared empty text (a segment without a value).
    fn blank(&mut self) -> Arc<str> {
        self.blank.get_or_insert_with(|| Arc::from("")).clone()
    }
}

/// Codes in `keys` for the values of a column of a few values (channels,
/// categories, segments), equal for equal texts as `make` gives them from the text
/// read, made when first seen.
struct Interned<'a> {
    column: &'a StringChunked,
    first: Vec<u32>,
    code_of: foldhash::HashMap<u32, Key>,
    keys: Keys,
}

impl<'a> Interned<'a> {
    fn of(column: Option<&'a StringChunked>) -> Option<Interned<'a>> {
        column.map(|column| Interned {
            column,
            first: same::first_rows(column),
            code_of: Default::default(),
            keys: Keys::default(),
        })
    }

    fn code(&mut self, row: usize, make: impl FnOnce(&str) -> String) -> Option<Key> {
        let first = self.first[row];
        if first == same::NONE {
            return None;
        }
        let Interned { column, code_of, keys, .. } = self;
        let code = code_of
            .entry(first)
            .or_insert_with(|| keys.code(&make(present(column.get(first as usize)).expect("a value"))));
        Some(*code)
    }
}

/// One shared list of segment values per distinct combination (a per-row
/// list was an allocation for each of millions of complaints).
#[derive(Default)]
struct SegmentLists {
    /// By the combination of one or two columns, in one number.
    few: foldhash::HashMap<u64, SegmentValues>,
    lists: foldhash::HashMap<Vec<u32>, SegmentValues>,
    key: Vec<u32>,
}

impl SegmentLists {
    fn get(&mut self, row: usize, values: &mut [Option<Shared>]) -> SegmentValues {
        // The combination by each column's first row of the value (none: a column the file lacks).
        let first = |v: &Option<Shared>| v.as_ref().map_or(same::NONE - 1, |v| v.first(row));
        let make = |values: &mut [Option<Shared>]| -> SegmentValues {
            values
                .iter_mut()
                .map(|shared| shared.as_mut().map(|v| v.get(row).unwrap_or_else(|| v.blank())))
                .collect()
        };
        if values.len() <= 2 {
            let key = values.iter().fold(0u64, |key, v| key << 32 | u64::from(first(v)));
            return self.few.entry(key).or_insert_with(|| make(values)).clone();
        }
        self.key.clear();
        self.key.extend(values.iter().map(first));
        if let Some(list) = self.lists.get(&self.key[..]) {
            return list.clone();
        }
        let list = make(values);
        self.lists.insert(self.key.clone(), list.clone());
        list
    }
}

/// Rows whose codes are read ahead (`Coder::touch`).
const AHEAD: usize = 32;

/// Codes for the values of a column in order of first use: the codes of
/// a `Keys` built once the rows are read.
struct Coder {
    first: Vec<u32>,
    /// The code of each value, by its first row.
    code_of: Vec<u32>,
    /// The first row of each code's value.
    rows: Vec<u32>,
}

impl Coder {
    fn of(column: Option<&StringChunked>) -> Option<Coder> {
        column.map(|column| {
            let first = same::first_rows(column);
            Coder { code_of: vec![same::NONE; first.len()], first, rows: Vec::new() }
        })
    }

    /// Read the codes of these rows' values first, so that their cache
    /// misses overlap: a value first appeared anywhere before its row (a
    /// miss a row, most of the row loop's time at millions of complaints).
    fn touch(&self, rows: std::ops::Range<usize>) {
        let codes = rows.filter_map(|row| self.code_of.get(self.first[row] as usize));
        std::hint::black_box(codes.fold(0u32, |sum, &code| sum.wrapping_add(code)));
    }

    fn code(&mut self, row: usize) -> Option<Key> {
        let first = self.first[row];
        if first == same::NONE {
            return None;
        }
        let code = &mut self.code_of[first as usize];
        if *code == same::NONE {
            *code = self.rows.len() as u32;
            self.rows.push(first);
        }
        Some(Key::of(*code as usize))
    }

    fn keys(self, column: Option<&StringChunked>) -> Keys {
        let column = column.expect("the coded column");
        Keys::of_distinct(self.rows.iter().map(|&row| present(column.get(row as usize)).expect("a value")))
    }
}

/// A typed date or naive datetime column as local times (dates at midnight),
/// converted on both cores.
fn naive_times(column: &Column) -> Result<Vec<Option<NaiveDateTime>>> {
    let epoch =
        NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date").and_hms_opt(0, 0, 0).expect("midnight");
    let convert = |values: &Int64Chunked, step: fn(i64) -> chrono::Duration| {
        let values = values.rechunk();
        (0..values.len())
            .into_par_iter()
            .map(|i| values.get(i).and_then(|v| epoch.checked_add_signed(step(v))))
            .collect()
    };
    Ok(match column.dtype() {
        DataType::Date => {
            let days = column.date()?.physical().cast(&DataType::Int64)?;
            convert(days.i64()?, chrono::Duration::days)
        }
        DataType::Datetime(unit, _) => {
            let step = match unit {
                TimeUnit::Nanoseconds => chrono::Duration::nanoseconds,
                TimeUnit::Microseconds => chrono::Duration::microseconds,
                TimeUnit::Milliseconds => chrono::Duration::milliseconds,
            };
            convert(column.datetime()?.physical(), step)
        }
        other => bail!("a {other} column is not a date or a datetime"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::time::{TimeLayout, TimeParser};
    use chrono::Timelike;

    #[test]
    fn typed_times_read_as_their_text_parses() {
        let text = ["2024-03-01 10:15:30.123456789", "1969-12-31 23:59:59", "2262-04-11 00:00:00"];
        let parser = TimeParser { layout: TimeLayout::Iso, tz: chrono_tz::UTC };
        let expected: Vec<Option<NaiveDateTime>> =
            text.iter().map(|t| parser.parse(t)).chain([None]).collect();
        let nanos = Int64Chunked::from_iter(
            expected.iter().map(|t| t.map(|t| t.and_utc().timestamp_nanos_opt().unwrap())),
        );
        let typed = nanos.into_datetime(TimeUnit::Nanoseconds, None).into_series();
        for unit in [TimeUnit::Nanoseconds, TimeUnit::Microseconds, TimeUnit::Milliseconds] {
            let column = typed.cast(&DataType::Datetime(unit, None)).unwrap().into_column();
            let ours = naive_times(&column).unwrap();
            let keep = match unit {
                TimeUnit::Nanoseconds => 1,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Milliseconds => 1_000_000,
            };
            let truncate = |t: NaiveDateTime| t.with_nanosecond(t.nanosecond() / keep * keep).unwrap();
            let expected: Vec<_> = expected.iter().map(|t| t.map(truncate)).collect();
            assert_eq!(ours, expected, "{unit:?}");
        }
        let dates = typed.cast(&DataType::Date).unwrap().into_column();
        let ours = naive_times(&dates).unwrap();
        assert_eq!(ours[0].unwrap().to_string(), "2024-03-01 00:00:00");
        assert_eq!(ours[1].unwrap().to_string(), "1969-12-31 00:00:00");
        assert!(naive_times(&Column::new("x".into(), [1i64])).is_err());
    }
}
