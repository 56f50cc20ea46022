//! Time values: one parser for both tables. The layout of a column is detected
//! from its values (docs/METHODS.md §1.3); each value is then parsed to a local
//! `NaiveDateTime` (values with an offset are converted to `--tz`, naive values
//! are taken as already local; a date-only value is midnight).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// How the date part of a column's values is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeLayout {
    /// `2025-03-14`, optionally with `T`/space time, fraction and offset.
    Iso,
    /// `2025/03/14 …`
    YearSlash,
    /// `14.03.2025 …` (day first, dots)
    DayDot,
    /// `14/03/2025 …`
    DaySlash,
    /// `03/14/2025 …`
    MonthSlash,
    /// ISO week `2025-W10` (its Monday).
    IsoWeek,
    /// Month `2025-03` (its first day).
    Month,
    /// `14-03-2025 …` (day first, dashes)
    DayDash,
    /// `03-14-2025 …`
    MonthDash,
    /// `22-Apr-2015`, `22 Apr 2015`, `22 April 2015` [time]
    DayMonthName,
    /// `April 22, 2015`, `Apr 22 2015` [time]
    MonthNameDay,
    /// `Tue Oct 31 22:10:47 +0000 2017` (Twitter's)
    Twitter,
    /// RFC 2822: `Tue, 31 Oct 2017 22:10:47 +0000`
    Rfc2822,
    /// Excel serial days (`45658.5` = 2025-01-01 12:00), as in CSVs saved
    /// from spreadsheets whose date column lost its format.
    ExcelSerial,
    /// Unix time in seconds (`1509487847`), UTC.
    EpochSeconds,
    /// Unix time in milliseconds (`1509487847000`), UTC.
    EpochMillis,
    /// A chrono/strftime format given with `--date-format`.
    Custom(String),
}

impl TimeLayout {
    /// Human name used by `inspect` and error messages.
    pub fn describe(&self) -> String {
        match self {
            TimeLayout::Iso => "yyyy-mm-dd[ HH:MM[:SS]]".into(),
            TimeLayout::YearSlash => "yyyy/mm/dd[ HH:MM[:SS]]".into(),
            TimeLayout::DayDot => "dd.mm.yyyy[ HH:MM[:SS]]".into(),
            TimeLayout::DaySlash => "dd/mm/yyyy[ HH:MM[:SS]]".into(),
            TimeLayout::MonthSlash => "mm/dd/yyyy[ HH:MM[:SS]]".into(),
            TimeLayout::IsoWeek => "ISO week yyyy-Www".into(),
            TimeLayout::Month => "month yyyy-mm".into(),
            TimeLayout::DayDash => "dd-mm-yyyy[ HH:MM[:SS]]".into(),
            TimeLayout::MonthDash => "mm-dd-yyyy[ HH:MM[:SS]]".into(),
            TimeLayout::DayMonthName => "dd Mon yyyy[ HH:MM[:SS]]".into(),
            TimeLayout::MonthNameDay => "Month dd, yyyy[ HH:MM[:SS]]".into(),
            TimeLayout::Twitter => "Www Mon dd HH:MM:SS +zzzz yyyy".into(),
            TimeLayout::Rfc2822 => "RFC 2822".into(),
            TimeLayout::ExcelSerial => "Excel serial days".into(),
            TimeLayout::EpochSeconds => "Unix seconds".into(),
            TimeLayout::EpochMillis => "Unix milliseconds".into(),
            TimeLayout::Custom(f) => format!("custom {f}"),
        }
    }

    /// The layouts tried, in order, when detecting a column's format.
    const DETECTABLE: [TimeLayout; 16] = [
        TimeLayout::Iso,
        TimeLayout::IsoWeek,
        TimeLayout::Month,
        TimeLayout::DayDot,
        TimeLayout::YearSlash,
        TimeLayout::DaySlash,
        TimeLayout::MonthSlash,
        TimeLayout::DayDash,
        TimeLayout::MonthDash,
        TimeLayout::DayMonthName,
        TimeLayout::MonthNameDay,
        TimeLayout::Twitter,
        TimeLayout::Rfc2822,
        TimeLayout::ExcelSerial,
        TimeLayout::EpochSeconds,
        TimeLayout::EpochMillis,
    ];

    /// Layouts that read day first, with their month-first twins.
    const DAY_MONTH_PAIRS: [(TimeLayout, TimeLayout); 2] =
        [(TimeLayout::DaySlash, TimeLayout::MonthSlash), (TimeLayout::DayDash, TimeLayout::MonthDash)];
}

/// A column's detected layout plus the zone that offset-carrying values are
/// converted to.
#[derive(Clone, Debug)]
pub struct TimeParser {
    pub layout: TimeLayout,
    pub tz: Tz,
}

/// Why a column's layout could not be decided.
#[derive(Debug, PartialEq)]
pub enum DetectError {
    /// No value of the sample parses in any known layout.
    Unknown { example: String },
    /// Both day-first and month-first read every value.
    Ambiguous { example: String },
    /// Dates with two-digit years: the century is a guess; `format` is the
    /// `--date-format` that reads them.
    TwoDigitYear { example: String, format: String },
}

impl TimeParser {
    /// Detect the layout from sample values (missing values already removed).
    /// `dayfirst` settles `dd/mm` against `mm/dd`; `custom` skips detection.
    pub fn detect(
        samples: &[&str],
        dayfirst: Option<bool>,
        custom: Option<&str>,
        tz: Tz,
    ) -> Result<TimeParser, DetectError> {
        if let Some(format) = custom {
            return Ok(TimeParser { layout: TimeLayout::Custom(format.to_string()), tz });
        }
        // Only readings inside 1900–2200 count: ids read as Excel serial
        // days or epoch seconds land centuries away.
        let count = |layout: &TimeLayout| {
            samples.iter().filter(|s| parse_with(layout, s, tz).is_some_and(plausible_year)).count()
        };
        let counts: Vec<(TimeLayout, usize)> = TimeLayout::DETECTABLE
            .into_iter()
            .map(|l| {
                let c = count(&l);
                (l, c)
            })
            .collect();
        let best = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
        let example = samples.first().map(|s| s.to_string()).unwrap_or_default();
        if best == 0 {
            if let Some((example, format)) = samples.iter().find_map(|s| two_digit_year_format(s)) {
                return Err(DetectError::TwoDigitYear { example, format });
            }
            return Err(DetectError::Unknown { example });
        }
        let winners: Vec<&TimeLayout> = counts.iter().filter(|(_, c)| *c == best).map(|(l, _)| l).collect();
        let mut layout = winners[0].clone();
        for (day, month) in TimeLayout::DAY_MONTH_PAIRS {
            if winners.contains(&&day) && winners.contains(&&month) {
                layout = match dayfirst {
                    Some(true) => day,
                    Some(false) => month,
                    None => return Err(DetectError::Ambiguous { example }),
                };
            }
        }
        Ok(TimeParser { layout, tz })
    }

    /// Parse one (trimmed, non-missing) value to local time.
    pub fn parse(&self, value: &str) -> Option<NaiveDateTime> {
        parse_with(&self.layout, value.trim(), self.tz)
    }
}

/// Whether a value carries a UTC offset or `Z` after its time of day.
pub fn has_offset(value: &str) -> bool {
    let v = value.trim();
    match v.find(['T', ' ']) {
        Some(i) => {
            let time = &v[i + 1..];
            time.ends_with(['Z', 'z']) || time.ends_with("UTC") || time.contains(['+', '-'])
        }
        None => false,
    }
}

fn parse_with(layout: &TimeLayout, value: &str, tz: Tz) -> Option<NaiveDateTime> {
    let value = value.trim();
    let (date, rest) = match layout {
        TimeLayout::Iso => split_date(value, '-', [4, 2, 2]).map(|(a, b, c, r)| (ymd(a, b, c), r))?,
        TimeLayout::YearSlash => split_date(value, '/', [4, 2, 2]).map(|(a, b, c, r)| (ymd(a, b, c), r))?,
        TimeLayout::DayDot => split_date(value, '.', [2, 2, 4]).map(|(a, b, c, r)| (ymd(c, b, a), r))?,
        TimeLayout::DaySlash => split_date(value, '/', [2, 2, 4]).map(|(a, b, c, r)| (ymd(c, b, a), r))?,
        TimeLayout::MonthSlash => split_date(value, '/', [2, 2, 4]).map(|(a, b, c, r)| (ymd(c, a, b), r))?,
        TimeLayout::DayDash => split_date(value, '-', [2, 2, 4]).map(|(a, b, c, r)| (ymd(c, b, a), r))?,
        TimeLayout::MonthDash => split_date(value, '-', [2, 2, 4]).map(|(a, b, c, r)| (ymd(c, a, b), r))?,
        TimeLayout::DayMonthName => day_month_name(value)?,
        TimeLayout::MonthNameDay => month_name_day(value)?,
        TimeLayout::IsoWeek => return parse_iso_week(value),
        TimeLayout::Month => return parse_month(value),
        TimeLayout::ExcelSerial => return parse_excel_serial(value),
        TimeLayout::EpochSeconds => return parse_epoch(value, 1, tz),
        TimeLayout::EpochMillis => return parse_epoch(value, 1000, tz),
        TimeLayout::Twitter => {
            let t = DateTime::parse_from_str(value, "%a %b %d %H:%M:%S %z %Y").ok()?;
            return Some(t.with_timezone(&tz).naive_local());
        }
        TimeLayout::Rfc2822 => {
            // Twitter's layout is not RFC 2822, though chrono would read some of it.
            if !value.contains(',') && !value.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            return Some(DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&tz).naive_local());
        }
        TimeLayout::Custom(format) => return parse_custom(value, format, tz),
    };
    let date = date?;
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN));
    }
    let rest = rest.strip_prefix(['T', ' '])?.trim_start();
    let (time, offset) = parse_time_of_day(rest)?;
    let local = date.and_time(time);
    match offset {
        None => Some(local),
        Some(offset) => {
            let fixed = offset.from_local_datetime(&local).single()?;
            Some(fixed.with_timezone(&tz).naive_local())
        }
    }
}

/// English month names and their common abbreviations (`Sept` too).
fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&name) || (name == "sept" && *m == "september"))
        .map(|i| i as u32 + 1)
}

/// The leading run of `value` for which `keep` holds, and the rest.
fn take_while(value: &str, keep: impl Fn(char) -> bool) -> (&str, &str) {
    let end = value.find(|c: char| !keep(c)).unwrap_or(value.len());
    value.split_at(end)
}

/// `22-Apr-2015`, `22 Apr 2015`, `22 April 2015`: the date and the rest.
fn day_month_name(value: &str) -> Option<(Option<NaiveDate>, &str)> {
    let (day, rest) = take_while(value, |c| c.is_ascii_digit());
    let rest = rest.strip_prefix(['-', ' '])?;
    let (month, rest) = take_while(rest, |c| c.is_ascii_alphabetic() || c == '.');
    let rest = rest.strip_prefix(['-', ' '])?;
    let (year, rest) = take_while(rest, |c| c.is_ascii_digit());
    if day.is_empty() || day.len() > 2 || year.len() != 4 {
        return None;
    }
    Some((ymd(year.parse().ok()?, month_number(month)?, day.parse().ok()?), rest))
}

/// `April 22, 2015`, `Apr 22 2015`: the date and the rest.
fn month_name_day(value: &str) -> Option<(Option<NaiveDate>, &str)> {
    let (month, rest) = take_while(value, |c| c.is_ascii_alphabetic() || c == '.');
    let rest = rest.strip_prefix(' ')?;
    let (day, rest) = take_while(rest, |c| c.is_ascii_digit());
    let rest = rest.strip_prefix(',').unwrap_or(rest).strip_prefix(' ')?;
    let (year, rest) = take_while(rest, |c| c.is_ascii_digit());
    if day.is_empty() || day.len() > 2 || year.len() != 4 {
        return None;
    }
    Some((ymd(year.parse().ok()?, month_number(month)?, day.parse().ok()?), rest))
}

/// Whole seconds (`per_second` 1) or milliseconds (1000) since 1970 in
/// UTC, within 1973–2286 so that ids and counts are not read as times.
fn parse_epoch(value: &str, per_second: i64, tz: Tz) -> Option<NaiveDateTime> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = value.parse().ok()?;
    if !(100_000_000 * per_second..10_000_000_000 * per_second).contains(&n) {
        return None;
    }
    let utc = chrono::Utc.timestamp_millis_opt(n * (1000 / per_second)).single()?;
    Some(utc.with_timezone(&tz).naive_local())
}

/// The `--date-format` that reads a date with a two-digit year
/// (`22-04-15`, `4/22/15`, `22-Apr-15`), or `None` for other values.
fn two_digit_year_format(value: &str) -> Option<(String, String)> {
    let date = value.split_whitespace().next()?;
    let sep = date.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = date.split(sep).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let numeric = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    let format = if numeric(a) && numeric(b) {
        let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
        if b > 12 && a <= 12 { format!("%m{sep}%d{sep}%y") } else { format!("%d{sep}%m{sep}%y") }
    } else if numeric(a) && month_number(b).is_some() {
        format!("%d{sep}%b{sep}%y")
    } else {
        return None;
    };
    Some((value.to_string(), format))
}

/// Split `a<sep>b<sep>c` at the start of `value`, each field all digits with at
/// most the given widths (the year field exactly 4), returning the rest.
fn split_date(value: &str, sep: char, widths: [usize; 3]) -> Option<(u32, u32, u32, &str)> {
    let mut fields = [0u32; 3];
    let mut pos = 0;
    let bytes = value.as_bytes();
    for (k, width) in widths.iter().enumerate() {
        let start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let len = pos - start;
        if len == 0 || len > *width || (*width == 4 && len != 4) {
            return None;
        }
        fields[k] = value[start..pos].parse().ok()?;
        if k < 2 {
            if pos >= bytes.len() || bytes[pos] as char != sep {
                return None;
            }
            pos += 1;
        }
    }
    Some((fields[0], fields[1], fields[2], &value[pos..]))
}

fn ymd(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// `HH:MM[:SS[.fff]][ AM|PM][Z|±HH[:MM]]`.
fn parse_time_of_day(text: &str) -> Option<(NaiveTime, Option<FixedOffset>)> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let number = |pos: &mut usize, max_len: usize| -> Option<u32> {
        let start = *pos;
        while *pos < bytes.len() && bytes[*pos].is_ascii_digit() && *pos - start < max_len {
            *pos += 1;
        }
        if *pos == start { None } else { text[start..*pos].parse().ok() }
    };
    let hour = number(&mut pos, 2)?;
    if bytes.get(pos) != Some(&b':') {
        return None;
    }
    pos += 1;
    let minute = number(&mut pos, 2)?;
    let mut second = 0;
    let mut nanos = 0;
    if bytes.get(pos) == Some(&b':') {
        pos += 1;
        second = number(&mut pos, 2)?;
        if matches!(bytes.get(pos), Some(b'.') | Some(b',')) {
            pos += 1;
            let start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            let digits = &text[start..pos];
            if digits.is_empty() {
                return None;
            }
            let kept = &digits[..digits.len().min(9)];
            nanos = kept.parse::<u32>().ok()? * 10u32.pow(9 - kept.len() as u32);
        }
    }
    let mut rest = text[pos..].trim_start();
    let mut hour = hour;
    for (marker, pm) in [("AM", false), ("PM", true), ("am", false), ("pm", true)] {
        if let Some(after) = rest.strip_prefix(marker) {
            if hour == 0 || hour > 12 {
                return None;
            }
            hour = hour % 12 + if pm { 12 } else { 0 };
            rest = after.trim_start();
            break;
        }
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let offset = parse_offset(rest)?;
    Some((time, offset))
}

/// Empty → no offset; `Z`/`UTC` → UTC; `±HH`, `±HHMM`, `±HH:MM`.
fn parse_offset(text: &str) -> Option<Option<FixedOffset>> {
    match text {
        "" => return Some(None),
        "Z" | "z" | "UTC" => return Some(Some(FixedOffset::east_opt(0)?)),
        _ => {}
    }
    let sign = match text.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !(digits.len() == 2 || digits.len() == 4) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
    Some(Some(FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?))
}

fn parse_iso_week(value: &str) -> Option<NaiveDateTime> {
    let (year, week) = value.split_once(['-'])?;
    let week = week.strip_prefix(['W', 'w'])?;
    if year.len() != 4 || week.is_empty() || week.len() > 2 {
        return None;
    }
    let date = NaiveDate::from_isoywd_opt(year.parse().ok()?, week.parse().ok()?, chrono::Weekday::Mon)?;
    Some(date.and_time(NaiveTime::MIN))
}

fn parse_month(value: &str) -> Option<NaiveDateTime> {
    let (year, month) = value.split_once('-')?;
    if year.len() != 4 || month.is_empty() || month.len() > 2 || !month.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
    Some(date.and_time(NaiveTime::MIN))
}

/// Days since 1899-12-30 (Excel's 1900 date system), the fraction being the
/// time of day, rounded to the second. Only plain numbers from 1900 to 9999.
fn parse_excel_serial(value: &str) -> Option<NaiveDateTime> {
    if !value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let serial: f64 = value.parse().ok()?;
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.trunc() as i64;
    let seconds = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    Some(epoch + chrono::Duration::days(days) + chrono::Duration::seconds(seconds))
}

fn parse_custom(value: &str, format: &str, tz: Tz) -> Option<NaiveDateTime> {
    if let Ok(with_offset) = DateTime::parse_from_str(value, format) {
        return Some(with_offset.with_timezone(&tz).naive_local());
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(value, format) {
        return Some(naive);
    }
    NaiveDate::parse_from_str(value, format).ok().map(|d| d.and_time(NaiveTime::MIN))
}

/// Whether `date` is plausible: between 1900 and 2200.
pub fn plausible_year(date: NaiveDateTime) -> bool {
    (1900..=2200).contains(&date.year())
}

/// For a value of six or eight digits (`990201`, `20240131`), alone or
/// followed by a time of day (`990217 13:17:59`, as two columns joined
/// give it): the `--date-format` that reads it as a plausible time, and
/// what it reads.
pub fn compact_date_hint(value: &str) -> Option<(String, String)> {
    let v = value.trim();
    let (day, time) = v.split_once(' ').map(|(d, t)| (d, Some(t.trim()))).unwrap_or((v, None));
    if !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let format = match day.len() {
        6 => "%y%m%d",
        8 => "%Y%m%d",
        _ => return None,
    };
    let date = NaiveDate::parse_from_str(day, format).ok()?;
    if !plausible_year(date.and_time(NaiveTime::MIN)) {
        return None;
    }
    match time {
        None => Some((format.to_string(), date.to_string())),
        Some(time) => ["%H:%M:%S", "%H:%M"].iter().find_map(|clock| {
            let at = NaiveTime::parse_from_str(time, clock).ok()?;
            Some((format!("{format} {clock}"), date.and_time(at).to_string()))
        }),
    }
}

/// How many of `samples` `parser` reads, and how many of those land in
/// 1900–2200.
pub fn readable(parser: &TimeParser, samples: &[&str]) -> (usize, usize) {
    let parsed: Vec<NaiveDateTime> = samples.iter().filter_map(|s| parser.parse(s)).collect();
    let plausible = parsed.iter().filter(|t| plausible_year(**t)).count();
    (parsed.len(), plausible)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn parse(layout: TimeLayout, value: &str) -> Option<NaiveDateTime> {
        TimeParser { layout, tz: Tz::UTC }.parse(value)
    }

    #[test]
    fn compact_dates_get_their_format_with_a_time_of_day_too() {
        assert_eq!(compact_date_hint("990201"), Some(("%y%m%d".into(), "1999-02-01".into())));
        assert_eq!(compact_date_hint("20240131"), Some(("%Y%m%d".into(), "2024-01-31".into())));
        assert_eq!(
            compact_date_hint("990217 13:17:59"),
            Some(("%y%m%d %H:%M:%S".into(), "1999-02-17 13:17:59".into()))
        );
        assert_eq!(compact_date_hint("990217 lunch"), None);
        assert_eq!(compact_date_hint("123"), None);
    }

    #[test]
    fn iso_variants() {
        assert_eq!(parse(TimeLayout::Iso, "2024-01-05"), Some(dt("2024-01-05 00:00:00")));
        assert_eq!(parse(TimeLayout::Iso, "2024-01-05 10:07"), Some(dt("2024-01-05 10:07:00")));
        assert_eq!(parse(TimeLayout::Iso, "2024-01-05T10:07:09"), Some(dt("2024-01-05 10:07:09")));
        assert_eq!(
            parse(TimeLayout::Iso, "2024-01-05T10:07:09.5Z"),
            Some(dt("2024-01-05 10:07:09") + chrono::Duration::milliseconds(500))
        );
        assert_eq!(parse(TimeLayout::Iso, "2024-01-05T01:00:00+02:00"), Some(dt("2024-01-04 23:00:00")));
        assert_eq!(parse(TimeLayout::Iso, "2024-01-05 01:00:00-0130"), Some(dt("2024-01-05 02:30:00")));
        assert_eq!(parse(TimeLayout::Iso, "2024-02-30"), None);
        assert_eq!(parse(TimeLayout::Iso, "2024-01-05x"), None);
        assert_eq!(parse(TimeLayout::Iso, "05.01.2024"), None);
    }

    #[test]
    fn offsets_convert_to_the_requested_zone() {
        let p = TimeParser { layout: TimeLayout::Iso, tz: "Europe/Tallinn".parse().unwrap() };
        assert_eq!(p.parse("2024-07-01T21:30:00Z"), Some(dt("2024-07-02 00:30:00")));
        // Naive values are already local.
        assert_eq!(p.parse("2024-07-01 21:30"), Some(dt("2024-07-01 21:30:00")));
    }

    #[test]
    fn european_and_american_layouts() {
        assert_eq!(parse(TimeLayout::DayDot, "05.01.2024 10:07"), Some(dt("2024-01-05 10:07:00")));
        assert_eq!(parse(TimeLayout::DayDot, "5.1.2024"), Some(dt("2024-01-05 00:00:00")));
        assert_eq!(parse(TimeLayout::DaySlash, "13/01/2024"), Some(dt("2024-01-13 00:00:00")));
        assert_eq!(parse(TimeLayout::MonthSlash, "1/13/2024 3:04 PM"), Some(dt("2024-01-13 15:04:00")));
        assert_eq!(parse(TimeLayout::MonthSlash, "13/01/2024"), None);
        assert_eq!(parse(TimeLayout::YearSlash, "2024/01/13 08:00:00"), Some(dt("2024-01-13 08:00:00")));
    }

    #[test]
    fn excel_serials() {
        assert_eq!(parse(TimeLayout::ExcelSerial, "45658"), Some(dt("2025-01-01 00:00:00")));
        assert_eq!(parse(TimeLayout::ExcelSerial, "45658.5"), Some(dt("2025-01-01 12:00:00")));
        assert_eq!(parse(TimeLayout::ExcelSerial, "45658.41666666"), Some(dt("2025-01-01 10:00:00")));
        assert_eq!(parse(TimeLayout::ExcelSerial, "-3"), None);
        assert_eq!(parse(TimeLayout::ExcelSerial, "2025-01-01"), None);
        let detect = |s: &[&str]| TimeParser::detect(s, None, None, Tz::UTC).map(|p| p.layout);
        assert_eq!(detect(&["45658.25", "45659"]), Ok(TimeLayout::ExcelSerial));
    }

    #[test]
    fn weeks_and_months() {
        assert_eq!(parse(TimeLayout::IsoWeek, "2025-W10"), Some(dt("2025-03-03 00:00:00")));
        assert_eq!(parse(TimeLayout::IsoWeek, "2025-W54"), None);
        assert_eq!(parse(TimeLayout::Month, "2025-03"), Some(dt("2025-03-01 00:00:00")));
        assert_eq!(parse(TimeLayout::Month, "2025-13"), None);
    }

    #[test]
    fn detection() {
        let detect = |s: &[&str], dayfirst| TimeParser::detect(s, dayfirst, None, Tz::UTC).map(|p| p.layout);
        assert_eq!(detect(&["2024-01-05 10:00", "2024-01-06"], None), Ok(TimeLayout::Iso));
        assert_eq!(detect(&["05.01.2024 10:00", "31.01.2024"], None), Ok(TimeLayout::DayDot));
        assert_eq!(detect(&["2025-W01", "2025-W02"], None), Ok(TimeLayout::IsoWeek));
        assert_eq!(detect(&["2025-01", "2025-02"], None), Ok(TimeLayout::Month));
        assert_eq!(detect(&["01/02/2024", "13/02/2024"], None), Ok(TimeLayout::DaySlash));
        assert_eq!(detect(&["01/02/2024", "02/13/2024"], None), Ok(TimeLayout::MonthSlash));
        assert!(matches!(detect(&["01/02/2024", "03/04/2024"], None), Err(DetectError::Ambiguous { .. })));
        assert_eq!(detect(&["01/02/2024", "03/04/2024"], Some(true)), Ok(TimeLayout::DaySlash));
        assert_eq!(detect(&["01/02/2024", "03/04/2024"], Some(false)), Ok(TimeLayout::MonthSlash));
        assert!(matches!(detect(&["soon", "later"], None), Err(DetectError::Unknown { .. })));
        // A stray bad value does not change the column's layout.
        assert_eq!(detect(&["2024-01-05", "n/a?", "2024-01-07"], None), Ok(TimeLayout::Iso));
    }

    #[test]
    fn more_layouts_without_flags() {
        let detect = |s: &[&str]| TimeParser::detect(s, None, None, Tz::UTC).map(|p| p.layout);
        let parse1 = |s: &str| {
            let layout = detect(&[s]).unwrap_or_else(|e| panic!("{s:?}: {e:?}"));
            TimeParser { layout, tz: Tz::UTC }.parse(s)
        };
        assert_eq!(parse1("29-02-2016 01:16"), Some(dt("2016-02-29 01:16:00")));
        assert_eq!(detect(&["29-02-2016 01:16"]), Ok(TimeLayout::DayDash));
        assert_eq!(parse1("Tue Oct 31 22:10:47 +0000 2017"), Some(dt("2017-10-31 22:10:47")));
        assert_eq!(detect(&["Tue Oct 31 22:10:47 +0000 2017"]), Ok(TimeLayout::Twitter));
        assert_eq!(parse1("Tue, 31 Oct 2017 22:10:47 +0200"), Some(dt("2017-10-31 20:10:47")));
        assert_eq!(parse1("22-Apr-2015"), Some(dt("2015-04-22 00:00:00")));
        assert_eq!(parse1("22 April 2015"), Some(dt("2015-04-22 00:00:00")));
        assert_eq!(parse1("22 Sept 2015 10:30"), Some(dt("2015-09-22 10:30:00")));
        assert_eq!(parse1("April 22, 2015"), Some(dt("2015-04-22 00:00:00")));
        assert_eq!(parse1("4/22/2015 3:53:50 PM"), Some(dt("2015-04-22 15:53:50")));
        assert_eq!(parse1("1509487847"), Some(dt("2017-10-31 22:10:47")));
        assert_eq!(parse1("1509487847000"), Some(dt("2017-10-31 22:10:47")));
        assert_eq!(
            parse1("2025-03-14T10:00:00.123+02:00").map(|t| t.to_string()),
            Some("2025-03-14 08:00:00.123".into())
        );
        // dd-mm and mm-dd both read every value: ambiguous, as with slashes.
        assert!(matches!(detect(&["03-04-2015", "05-06-2015"]), Err(DetectError::Ambiguous { .. })));
    }

    #[test]
    fn two_digit_years_name_the_flag() {
        let detect = |s: &[&str]| TimeParser::detect(s, None, None, Tz::UTC);
        let format = |s: &[&str]| match detect(s) {
            Err(DetectError::TwoDigitYear { format, .. }) => format,
            other => panic!("{s:?}: {other:?}"),
        };
        assert_eq!(format(&["22-04-15"]), "%d-%m-%y");
        assert_eq!(format(&["4/22/15 3:53 PM"]), "%m/%d/%y");
        assert_eq!(format(&["22-Apr-15"]), "%d-%b-%y");
    }

    #[test]
    fn custom_format() {
        let p = TimeParser::detect(&[], None, Some("%d %b %Y"), Tz::UTC).unwrap();
        assert_eq!(p.parse("05 Jan 2024"), Some(dt("2024-01-05 00:00:00")));
    }

    #[test]
    fn offset_detection() {
        assert!(has_offset("2024-01-05T10:00:00Z"));
        assert!(has_offset("2024-01-05T10:00:00+02:00"));
        assert!(has_offset("2024-01-05 10:00:00-0500"));
        assert!(!has_offset("2024-01-05 10:00:00"));
        assert!(!has_offset("2024-01-05"));
        assert!(!has_offset("05.01.2024 10:00"));
        assert!(!has_offset("2025-W10"));
    }
}
