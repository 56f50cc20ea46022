//! What each export is read with, decided once from its header and first
//! rows before any long read: which column plays which role, the time (one
//! column or two) and its layout, the `--by` and `--where` columns, the
//! count. Both tables are planned first, so every missing role and every
//! unreadable column of both is reported in one message, seconds after
//! the start. `inspect` shows the same plan.

use std::borrow::Cow;

use anyhow::{Result, bail};
use polars::prelude::*;

use super::roles::{Choice, Role, Roles, Table, find_column};
use super::source::{Source, explain_read_error};
use super::time::{DetectError, TimeLayout, TimeParser, compact_date_hint, readable};
use super::{DatasetOptions, RowFilter, TIME_SAMPLE, TableOptions, parse_count, present};

/// Where a table's time comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeColumns {
    One(String),
    /// A date and a time of day (`--col TABLE.time=Date+Time`): "date time".
    DateAndTime(String, String),
    /// A year and a month number (`--col TABLE.time=ano+mes`): "2022-12".
    YearAndMonth(String, String),
}

impl TimeColumns {
    /// The columns read.
    pub fn names(&self) -> Vec<&str> {
        match self {
            TimeColumns::One(c) => vec![c],
            TimeColumns::DateAndTime(a, b) | TimeColumns::YearAndMonth(a, b) => vec![a, b],
        }
    }

    /// As the user names it: `created_at`, `Date+Time`.
    pub fn shown(&self) -> String {
        self.names().join("+")
    }

    /// One row's time as text, from its columns' values (in `names` order).
    pub fn text<'a>(&self, values: &[Option<&'a str>]) -> Option<Cow<'a, str>> {
        match (self, values) {
            (TimeColumns::One(_), [one]) => present(*one).map(Cow::Borrowed),
            (TimeColumns::DateAndTime(..), [date, time]) => {
                let date = present(*date)?;
                Some(match present(*time) {
                    Some(t) => Cow::Owned(format!("{date} {t}")),
                    None => Cow::Borrowed(date),
                })
            }
            (TimeColumns::YearAndMonth(..), [year, month]) => {
                Some(Cow::Owned(format!("{}-{}", present(*year)?, present(*month)?)))
            }
            _ => None,
        }
    }

    /// The same text as a polars expression.
    pub fn text_expr(&self) -> Expr {
        let text = |c: &str| col(c).cast(DataType::String).str().strip_chars(lit(NULL));
        match self {
            TimeColumns::One(c) => col(c.as_str()).cast(DataType::String),
            // `+` joins texts (a missing part makes the whole missing).
            TimeColumns::DateAndTime(a, b) => {
                let date = text(a);
                when(text(b).is_null().or(text(b).eq(lit(""))))
                    .then(date.clone())
                    .otherwise(date + lit(" ") + text(b))
            }
            TimeColumns::YearAndMonth(a, b) => text(a) + lit("-") + text(b),
        }
    }
}

/// How one table is read.
#[derive(Clone, Debug)]
pub struct TablePlan {
    pub table: Table,
    /// The file as the user named it.
    pub file: String,
    /// The file's columns, as its header names them.
    pub columns: Vec<String>,
    pub roles: Roles,
    /// `None`: complaints without a time of their own (it comes from their
    /// delivery, through the order id).
    pub time: Option<TimeColumns>,
    pub parser: TimeParser,
    /// A typed date or naive datetime column (Parquet), read as it is.
    pub typed_time: bool,
    /// The time's text in the first rows (how the counters cut it to a date).
    pub time_samples: Vec<String>,
    /// This table's column for each `--by` (None: the table lacks it).
    pub segments: Vec<Option<String>>,
    /// The `--where` filters of this table, each with its column's name here.
    pub filters: Vec<(RowFilter, String)>,
    /// Counted complaints: the columns that carry repeats and switches
    /// (the `sql complaints` result).
    pub given_repeats: Option<String>,
    pub given_switches: Option<String>,
}

impl TablePlan {
    /// The counted complaints' count column, if any.
    pub fn count(&self) -> Option<&str> {
        self.roles.get(Role::Count)
    }
}

/// The first rows of a file, every column as text (at most `TIME_SAMPLE`).
pub struct Head {
    frame: DataFrame,
}

impl Head {
    pub fn read(source: &Source) -> Result<Head> {
        let frame = source
            .scan()?
            .limit(TIME_SAMPLE as IdxSize)
            .select(source.columns.iter().map(|c| col(c.as_str()).cast(DataType::String)).collect::<Vec<_>>())
            .collect()
            .map_err(|e| explain_read_error(source, anyhow::Error::new(e)))?;
        Ok(Head { frame })
    }

    /// A column's present values, in order.
    pub fn values(&self, column: &str) -> Vec<&str> {
        self.frame
            .column(column)
            .ok()
            .and_then(|c| c.str().ok())
            .map(|c| c.iter().filter_map(present).collect())
            .unwrap_or_default()
    }

    /// The time texts of the first rows.
    pub fn times(&self, time: &TimeColumns) -> Vec<Cow<'_, str>> {
        let columns: Vec<Option<&StringChunked>> =
            time.names().iter().map(|c| self.frame.column(c).ok().and_then(|c| c.str().ok())).collect();
        (0..self.frame.height())
            .filter_map(|i| {
                let values: Vec<Option<&str>> = columns.iter().map(|c| c.and_then(|c| c.get(i))).collect();
                time.text(&values)
            })
            .collect()
    }
}

/// What a column's first values say about it as a time.
enum Reading {
    /// Read as plausible times (or no values to tell).
    Times(TimeParser),
    /// Read, but only as a layout that needs a flag (ambiguous day/month,
    /// two-digit years) or not by the `--date-format` given: the error
    /// that says which.
    NeedsFlag(anyhow::Error),
    /// Not times (ids, text, years outside 1900–2200), and why.
    NotTimes(anyhow::Error),
}

/// Plan one table of a file: roles, time and its layout, segments, filters.
pub fn plan_file(
    source: &Source,
    head: &Head,
    table: Table,
    options: &DatasetOptions,
    by: &[&str],
) -> Result<TablePlan> {
    let file = source.display();
    let read = options.table(table);
    let mut roles = Roles::detect(table, &source.columns, &options.overrides)?;
    let time = choose_time(source, head, table, read, options.tz, &mut roles)?;
    let (time, parser) = match time {
        Some((time, parser)) => (Some(time), parser),
        None => (None, TimeParser { layout: TimeLayout::Iso, tz: options.tz }),
    };
    let schema = source.scan()?.collect_schema().map_err(anyhow::Error::new)?;
    let typed_time = match &time {
        Some(TimeColumns::One(c)) if read.date_format.is_none() => {
            matches!(schema.get(c), Some(DataType::Date | DataType::Datetime(_, None)))
        }
        _ => false,
    };
    if table == Table::Complaints {
        check_count(head, &mut roles);
    }
    check_ids(head, table, &roles, &file)?;
    let segments = by.iter().map(|b| source.column(b).map(str::to_string)).collect();
    let time_samples = match &time {
        Some(t) => head.times(t).into_iter().map(Cow::into_owned).collect(),
        None => Vec::new(),
    };
    let filters = super::filter::columns_of(source, &options.filters_of(table))?
        .into_iter()
        .map(|(f, c)| (f.clone(), c))
        .collect();
    let given = |name: &str| roles.get(Role::Count).and_then(|_| find_column(&source.columns, name)).cloned();
    Ok(TablePlan {
        table,
        file,
        columns: source.columns.clone(),
        given_repeats: given("repeat_complaints"),
        given_switches: given("channel_switches"),
        roles,
        time,
        parser,
        typed_time,
        time_samples,
        segments,
        filters,
    })
}

/// The time: the column named with `--col` (one, or two joined), else the
/// best-named column whose values read as plausible times. Aliases beat
/// name shapes, which beat date and time words; two plausible columns that
/// only have a word each are a tie the user settles.
fn choose_time(
    source: &Source,
    head: &Head,
    table: Table,
    read: &TableOptions,
    tz: chrono_tz::Tz,
    roles: &mut Roles,
) -> Result<Option<(TimeColumns, TimeParser)>> {
    let file = source.display();
    if roles.why.get(&Role::Time) == Some(&Choice::Named) {
        let time = match roles.time_parts() {
            Some((a, b)) => pair_kind(head, a, b),
            None => TimeColumns::One(roles.get(Role::Time).expect("named").to_string()),
        };
        let samples = head.times(&time);
        let samples: Vec<&str> = samples.iter().map(|s| s.as_ref()).collect();
        let parser = detect_time(&samples, read, tz, &file, &time.shown())?;
        if let TimeColumns::YearAndMonth(..) = time {
            roles.columns.insert(Role::Time, time.shown());
        }
        return Ok(Some((time, parser)));
    }
    let candidates = roles.time_candidates.clone();
    let mut chosen: Option<(String, Choice, TimeParser)> = None;
    // Why the best-named column passed over is not the time.
    let mut passed_over: Option<anyhow::Error> = None;
    for (column, why) in &candidates {
        if let Some((first, first_why, _)) = &chosen {
            // Only a tie among word-only names needs the user.
            if why.rank() > first_why.rank() || !matches!(why, Choice::Word(_)) {
                break;
            }
            if let Reading::Times(_) = reading(head, column, true, read, tz, &file) {
                let sample =
                    |c: &str| head.values(c).first().map(|v| format!(" (e.g. {v:?})")).unwrap_or_default();
                bail!(
                    "{file}: two columns could be the {} file's time: {first:?}{} and {column:?}{}. Name the \
                     one that dates each row with --col {}.time=COLUMN",
                    table.name(),
                    sample(first),
                    sample(column),
                    table.name()
                );
            }
            continue;
        }
        match reading(head, column, why.rank() == 3, read, tz, &file) {
            Reading::Times(parser) => chosen = Some((column.clone(), why.clone(), parser)),
            Reading::NeedsFlag(error) if why.rank() <= 2 => return Err(error),
            Reading::NotTimes(error) if why.rank() <= 2 && passed_over.is_none() => passed_over = Some(error),
            Reading::NeedsFlag(_) | Reading::NotTimes(_) => {}
        }
    }
    // The column named as a time holds none, and no other does: say why.
    if let (None, Some(error)) = (&chosen, passed_over) {
        return Err(error);
    }
    // The name's column taken tentatively by `Roles::detect` gives way to
    // the one chosen by its values.
    let tentative = roles.columns.remove(&Role::Time);
    roles.why.remove(&Role::Time);
    let Some((column, why, parser)) = chosen else {
        if let Some(t) = tentative {
            // Freed: no other role took it, as the time had claimed it.
            roles.candidates.entry(Role::Time).or_default().insert(0, t);
        }
        return Ok(None);
    };
    roles.columns.insert(Role::Time, column.clone());
    roles.why.insert(Role::Time, why);
    let others: Vec<String> = candidates.into_iter().map(|(c, _)| c).filter(|c| *c != column).collect();
    roles.candidates.remove(&Role::Time);
    if !others.is_empty() {
        roles.candidates.insert(Role::Time, others);
    }
    Ok(Some((TimeColumns::One(column), parser)))
}

/// How a column's first values read as times.
fn reading(
    head: &Head,
    column: &str,
    strict: bool,
    read: &TableOptions,
    tz: chrono_tz::Tz,
    file: &str,
) -> Reading {
    let values = head.values(column);
    if values.is_empty() {
        return Reading::Times(TimeParser { layout: TimeLayout::Iso, tz });
    }
    match detect_time(&values, read, tz, file, column) {
        Ok(parser) => {
            let (_, plausible) = readable(&parser, &values);
            // Not a column of numbers that merely fit a serial or epoch
            // layout (ids, amounts).
            let numeric = values.iter().all(|v| v.parse::<f64>().is_ok())
                && matches!(
                    parser.layout,
                    TimeLayout::ExcelSerial | TimeLayout::EpochSeconds | TimeLayout::EpochMillis
                );
            // A name that is a time's alias or shape needs some plausible
            // times (the rest are bad rows, ledgered one by one); a name
            // with only a time word needs most values to be times.
            let enough = if strict { plausible * 2 > values.len() } else { plausible > 0 };
            if enough && !(numeric && read.date_format.is_none() && !time_named(column)) {
                Reading::Times(parser)
            } else {
                let example = values.iter().find(|v| parser.parse(v).is_some()).unwrap_or(&values[0]);
                let read_as = parser.parse(example).map(|t| format!(", read as {t}")).unwrap_or_default();
                Reading::NotTimes(anyhow::anyhow!(
                    "{file}: column {column:?} is named like a time, but its values do not read as times                      from 1900 to 2200 (e.g. {example:?}{read_as}): ids or amounts, not dates. Name the                      time column with --col TABLE.time=COLUMN, or pass its layout with --date-format"
                ))
            }
        }
        Err(problem) if problem.needs_flag => Reading::NeedsFlag(problem.into()),
        Err(problem) => Reading::NotTimes(problem.into()),
    }
}

/// Whether a name says it holds a time (serial days or epoch seconds are
/// then believed).
fn time_named(column: &str) -> bool {
    let name = super::roles::normalize(column);
    ["date", "time", "created", "opened", "epoch", "timestamp"].iter().any(|w| name.contains(w))
}

/// Two time columns: a year and a month number (`2022` + `12`), else a date
/// and a time of day.
fn pair_kind(head: &Head, a: &str, b: &str) -> TimeColumns {
    let years = head.values(a);
    let months = head.values(b);
    let all = |values: &[&str], range: std::ops::RangeInclusive<u32>| {
        !values.is_empty() && values.iter().all(|v| v.parse::<u32>().is_ok_and(|n| range.contains(&n)))
    };
    if all(&years, 1900..=2200) && all(&months, 1..=12) {
        TimeColumns::YearAndMonth(a.to_string(), b.to_string())
    } else {
        TimeColumns::DateAndTime(a.to_string(), b.to_string())
    }
}

/// A counted complaints table's count column must read as numbers; a
/// column merely named like one (a text "count" of something else) is not
/// taken. Numbers that are not counts (2.5, -1) keep the column: those rows
/// are rejected in the ledger, never the whole column quietly dropped and
/// the rows counted instead.
fn check_count(head: &Head, roles: &mut Roles) {
    let Some(column) = roles.get(Role::Count) else { return };
    if roles.why.get(&Role::Count) == Some(&Choice::Named) {
        return;
    }
    let values = head.values(column);
    let number = |v: &str| parse_count(v).is_some() || v.trim().replace(',', ".").parse::<f64>().is_ok();
    let numbers = values.iter().filter(|v| number(v)).count();
    if values.is_empty() || numbers * 10 < values.len() * 9 {
        roles.columns.remove(&Role::Count);
        roles.why.remove(&Role::Count);
    }
}

/// Ids that a spreadsheet turned into numbers in scientific notation
/// (`5.70306E+17`) have lost digits: different ids now look the same.
fn check_ids(head: &Head, table: Table, roles: &Roles, file: &str) -> Result<()> {
    for role in [Role::Id, Role::Customer, Role::Order] {
        let Some(column) = roles.get(role) else { continue };
        if let Some(value) = head.values(column).into_iter().find(|v| lost_digits(v)) {
            let what = if role == Role::Id { "complaint" } else { &role.to_string() };
            bail!(
                "{file}: column {column:?} (the {} file's {what} ids) holds {value:?}, a number in scientific \
                 notation: a spreadsheet rounded the ids, so different {what}s now look the same. Export the \
                 column as text (format it as text before saving), or name another with --col {}.{role}=COLUMN",
                table.name(),
                table.name()
            );
        }
    }
    Ok(())
}

/// `5.70306E+17`: a mantissa with fewer digits than its number has.
pub fn lost_digits(value: &str) -> bool {
    let v = value.trim();
    let Some((mantissa, exponent)) = v.split_once(['e', 'E']) else { return false };
    let Ok(exponent) = exponent.trim_start_matches('+').parse::<i32>() else { return false };
    let digits = mantissa.trim_start_matches(['+', '-']);
    let (whole, fraction) = digits.split_once(['.', ',']).unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
        && exponent > 0
        && (whole.len() + fraction.len()) as i32 <= exponent
}

/// Why a column's layout cannot be read, as a sentence naming the flag.
#[derive(Debug)]
pub struct TimeProblem {
    /// The values are times, in a layout that needs a flag: ambiguous day
    /// and month, two-digit years, or a `--date-format` that reads none.
    pub needs_flag: bool,
    pub message: String,
}

impl std::fmt::Display for TimeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TimeProblem {}

/// Detect a time column's layout, turning failure into an error that says
/// which flag to pass; a `--date-format` that reads none of the values is
/// an error too.
pub fn detect_time(
    samples: &[&str],
    read: &TableOptions,
    tz: chrono_tz::Tz,
    file: &str,
    column: &str,
) -> Result<TimeParser, TimeProblem> {
    // No values at all (a header-only export): nothing to detect, nothing to parse.
    if samples.is_empty() && read.date_format.is_none() {
        return Ok(TimeParser { layout: TimeLayout::Iso, tz });
    }
    let problem = |needs_flag: bool, message: String| Err(TimeProblem { needs_flag, message });
    match TimeParser::detect(samples, read.dayfirst, read.date_format.as_deref(), tz) {
        Ok(parser) => match (&read.date_format, samples.first()) {
            (Some(format), Some(example)) if readable(&parser, samples).0 == 0 => problem(
                true,
                format!(
                    "{file}: --date-format {format:?} reads none of column {column:?}'s values (e.g. \
                     {example:?}); check the pattern (strftime: %d day, %m month, %y/%Y year, %H:%M:%S)"
                ),
            ),
            _ => Ok(parser),
        },
        Err(DetectError::Ambiguous { example }) => problem(
            true,
            format!(
                "{file}: column {column:?} reads both as day first and as month first (e.g. {example:?}). \
                 Pass --dayfirst for day first, or --date-format with the order, e.g. --date-format '%m/%d/%Y'"
            ),
        ),
        Err(DetectError::TwoDigitYear { example, format }) => problem(
            true,
            format!(
                "{file}: column {column:?} has two-digit years (e.g. {example:?}), which could be any \
                 century. Pass the layout with --date-format, e.g. --date-format '{format}' (prefix \
                 complaints= or deliveries= to give it for this file only)"
            ),
        ),
        Err(DetectError::Unknown { example }) if samples.is_empty() => problem(
            false,
            format!("{file}: column {column:?} has no values; it cannot serve as the time{example}"),
        ),
        Err(DetectError::Unknown { example }) => {
            let compact = compact_date_hint(&example)
                .map(|(format, date)| {
                    format!(
                        " It may be a date without separators: --date-format '{format}' reads it as {date}."
                    )
                })
                .unwrap_or_default();
            problem(
                false,
                format!(
                    "{file}: column {column:?} holds no time the tool can read (e.g. {example:?}).{compact} \
                     Known layouts: yyyy-mm-dd[ HH:MM[:SS]], dd.mm.yyyy, dd/mm/yyyy, mm/dd/yyyy, dd-mm-yyyy, \
                     yyyy/mm/dd, 22-Apr-2015, 22 April 2015, April 22, 2015, Tue Oct 31 22:10:47 +0000 2017, \
                     RFC 2822, 2025-W10, 2025-03, epoch seconds. Pass --date-format with a strftime pattern \
                     (e.g. '%d %b %Y'), or name another column with --col TABLE.time=COLUMN"
                ),
            )
        }
    }
}

/// Columns whose first values read as plausible times (at least 9 in 10),
/// numbers excluded: what a missing time column's message offers.
pub fn time_like_columns(
    head: &Head,
    columns: &[String],
    read: &TableOptions,
    tz: chrono_tz::Tz,
) -> Vec<String> {
    columns
        .iter()
        .filter(|c| {
            let values = head.values(c);
            if values.is_empty() || values.iter().all(|v| v.parse::<f64>().is_ok()) {
                return false;
            }
            let read = TableOptions { dayfirst: read.dayfirst.or(Some(true)), ..read.clone() };
            TimeParser::detect(&values, read.dayfirst, read.date_format.as_deref(), tz).is_ok_and(|p| {
                let (_, plausible) = readable(&p, &values);
                plausible * 10 >= values.len() * 9
            })
        })
        .cloned()
        .collect()
}

/// The error for a table without a time: its columns, the names a time is
/// found by, and the columns whose values read as times.
pub fn missing_time(plan: &TablePlan, head: &Head, read: &TableOptions, tz: chrono_tz::Tz) -> anyhow::Error {
    let likely = time_like_columns(head, &plan.columns, read, tz);
    let passed_over: Vec<String> = plan.roles.time_candidates.iter().map(|(c, _)| format!("{c:?}")).collect();
    let passed = if passed_over.is_empty() {
        String::new()
    } else {
        format!(" ({} named like a time, but its values do not read as times)", passed_over.join(", "))
    };
    match plan.roles.require(plan.table, Role::Time, &plan.columns, &plan.file, &likely) {
        Err(e) if !passed.is_empty() => anyhow::anyhow!("{e}{passed}"),
        Err(e) => e,
        Ok(_) => anyhow::anyhow!("{}: no time column", plan.file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_lost_digits() {
        assert!(lost_digits("5.70306E+17"));
        assert!(lost_digits("1E+12"));
        assert!(lost_digits("4,5E+10"));
        assert!(!lost_digits("1.5e3x"));
        assert!(!lost_digits("T1E5"));
        assert!(!lost_digits("12345"));
        assert!(!lost_digits("1.25E+2"));
    }

    #[test]
    fn two_columns_join_as_the_parser_reads_them() {
        let pair = TimeColumns::DateAndTime("d".into(), "t".into());
        assert_eq!(pair.text(&[Some("2024-01-02"), Some(" 10:00 ")]).as_deref(), Some("2024-01-02 10:00"));
        assert_eq!(pair.text(&[Some("2024-01-02"), None]).as_deref(), Some("2024-01-02"));
        assert_eq!(pair.text(&[None, Some("10:00")]), None);
        let month = TimeColumns::YearAndMonth("ano".into(), "mes".into());
        assert_eq!(month.text(&[Some("2022"), Some("12")]).as_deref(), Some("2022-12"));
        assert_eq!(month.shown(), "ano+mes");
    }
}
