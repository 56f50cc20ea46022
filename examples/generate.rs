//! Seeded generator of a realistic deliveries export and complaints export,
//! for trying `complaint-rate` on data of any size.
//!
//! ```text
//! cargo run --release --example generate -- --deliveries N --out DIR [--seed 42]
//!     [--complaints-per-1000 1.0] [--weeks 52] [--start 2025-01-06] [--european]
//!     [--no-bad-week] [--bad-week WEEK] [--customers M]
//! ```
//!
//! Writes DIR/deliveries.csv (`order_id,delivered_at,region,customer_id`) and
//! DIR/complaints.csv (`ticket_id,created_at,customer_id,order_id,channel,category,region`).
//! Deliveries: `--weeks` weeks from Monday `--start`, volume growing ~10% over
//! the period, quiet Sundays, 07:00–21:59; regions of unequal size; customers
//! who order at very different rates. Complaints: 0–14 days after a delivery
//! (mostly within 3), 08:00–19:59; ~1% chronic complainers with 20× the base
//! chance; repeat contacts about the same order that often switch channel
//! (web → phone); one bad week in East with 4× the chance (`--no-bad-week`
//! removes it). `--european` writes `;` and `DD.MM.YYYY HH:MM`. The same seed
//! and arguments give byte-identical files.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use clap::Parser;

/// Seeded generator of deliveries.csv and complaints.csv.
#[derive(Parser)]
#[command(name = "generate")]
struct Args {
    /// Number of deliveries to write.
    #[arg(long)]
    deliveries: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Seed: the same seed and arguments give byte-identical files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// First contacts per 1,000 deliveries for ordinary customers (before repeats).
    #[arg(long, default_value_t = 1.0)]
    complaints_per_1000: f64,
    /// Number of weeks covered.
    #[arg(long, default_value_t = 52, value_parser = clap::value_parser!(u32).range(1..=520))]
    weeks: u32,
    /// Monday of the first week.
    #[arg(long, default_value = "2025-01-06")]
    start: NaiveDate,
    /// `;` as separator and day-first times without seconds (DD.MM.YYYY HH:MM).
    #[arg(long)]
    european: bool,
    /// Leave out the planted bad week.
    #[arg(long)]
    no_bad_week: bool,
    /// Which week (1-based, counted from --start) is bad [default: 30, or weeks / 2 if fewer].
    #[arg(long, value_name = "WEEK")]
    bad_week: Option<u32>,
    /// Number of customers [default: deliveries / 8, at least 100].
    #[arg(long)]
    customers: Option<u64>,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

const REGIONS: [&str; 5] = ["North", "South", "East", "West", "Central"];
const REGION_SHARES: [f64; 5] = [0.30, 0.25, 0.20, 0.15, 0.10];
const EAST: usize = 2;
const CHANNELS: [&str; 4] = ["web", "email", "phone", "chat"];
const FIRST_CONTACT_CHANNEL_SHARES: [f64; 4] = [0.45, 0.25, 0.20, 0.10];
const PHONE: usize = 2;
const CATEGORIES: [&str; 6] = ["late", "damaged", "lost", "wrong item", "billing", "other"];
const CATEGORY_SHARES: [f64; 6] = [0.34, 0.20, 0.08, 0.15, 0.13, 0.10];
/// Monday … Sunday.
const WEEKDAY_SHARES: [f64; 7] = [1.10, 1.00, 0.95, 1.00, 1.10, 0.95, 0.50];

/// Delivery volume at the end of the period relative to its start, minus one.
const VOLUME_GROWTH: f64 = 0.10;
/// Orders placed by the most active fifth of customers.
const ACTIVE_TIER_SHARE: f64 = 0.60;
/// One customer in this many is a chronic complainer …
const CHRONIC_ONE_IN: u64 = 100;
/// … who complains this many times as often.
const CHRONIC_FACTOR: f64 = 20.0;
const BAD_WEEK_FACTOR: f64 = 4.0;
const FIRST_REPEAT_CHANCE: f64 = 0.30;
const LATER_REPEAT_CHANCE: f64 = 0.20;
const SWITCH_CHANNEL_CHANCE: f64 = 0.50;
const SWITCH_TO_PHONE_CHANCE: f64 = 0.85;
const DELIVERIES_FROM: i64 = 7 * HOUR;
const DELIVERIES_UNTIL: i64 = 22 * HOUR;
const OFFICE_OPENS: i64 = 8 * HOUR;
const OFFICE_CLOSES: i64 = 20 * HOUR;

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** seeded through splitmix64: small, fast, reproducible.
struct Rng([u64; 4]);

impl Rng {
    fn seeded(seed: u64) -> Rng {
        let mut state = seed;
        Rng([splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state)])
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [from, until).
    fn between(&mut self, from: i64, until: i64) -> i64 {
        from + self.below((until - from) as u64) as i64
    }
}

/// Cumulative shares, for drawing an index in proportion to its share.
struct Shares<const N: usize>([f64; N]);

impl<const N: usize> Shares<N> {
    fn new(shares: [f64; N]) -> Self {
        let total: f64 = shares.iter().sum();
        let mut cumulative = [0.0; N];
        let mut sum = 0.0;
        for (c, share) in cumulative.iter_mut().zip(shares) {
            sum += share / total;
            *c = sum;
        }
        Shares(cumulative)
    }

    fn draw(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.0.iter().position(|&c| u < c).unwrap_or(N - 1)
    }
}

/// One delivery. Times are seconds since midnight before the first Monday.
struct Delivery {
    order: u64,
    at: i64,
    /// 0-based week of the period.
    week: u32,
    region: usize,
    customer: u64,
}

/// One complaint ticket about a delivery.
struct Contact {
    ticket: u64,
    at: i64,
    channel: usize,
    category: usize,
}

/// Everything that is drawn: deliveries, who complains, when and how.
struct Model {
    rng: Rng,
    seed: u64,
    weeks: u32,
    customers: u64,
    base_chance: f64,
    /// 0-based week in which East complains 4× as often.
    bad_week: Option<u32>,
    regions: Shares<5>,
    weekdays: Shares<7>,
    channels: Shares<4>,
    categories: Shares<6>,
}

impl Model {
    fn delivery(&mut self, order: u64) -> Delivery {
        let week = self.trending_week();
        let day = i64::from(week) * 7 + self.weekdays.draw(&mut self.rng) as i64;
        let at = day * DAY + self.rng.between(DELIVERIES_FROM, DELIVERIES_UNTIL);
        let region = self.regions.draw(&mut self.rng);
        let customer = self.customer();
        Delivery { order, at, week, region, customer }
    }

    /// A week, with volume growing linearly by VOLUME_GROWTH over the period:
    /// x in [0, 1) has density ∝ 1 + g·x, drawn by inverting its CDF.
    fn trending_week(&mut self) -> u32 {
        let (g, u) = (VOLUME_GROWTH, self.rng.unit());
        let x = ((1.0 + 2.0 * g * u * (1.0 + g / 2.0)).sqrt() - 1.0) / g;
        ((x * f64::from(self.weeks)) as u32).min(self.weeks - 1)
    }

    /// Two tiers: the most active fifth of customers place most orders.
    fn customer(&mut self) -> u64 {
        let pool =
            if self.rng.chance(ACTIVE_TIER_SHARE) { (self.customers / 5).max(1) } else { self.customers };
        1 + self.rng.below(pool)
    }

    /// Chronic complainers are scattered over all customers, fixed by the seed.
    fn is_chronic_complainer(&self, customer: u64) -> bool {
        let mut state = self.seed ^ customer.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        splitmix64(&mut state).is_multiple_of(CHRONIC_ONE_IN)
    }

    fn complaint_chance(&self, delivery: &Delivery) -> f64 {
        let mut chance = self.base_chance;
        if self.is_chronic_complainer(delivery.customer) {
            chance *= CHRONIC_FACTOR;
        }
        if self.bad_week == Some(delivery.week) && delivery.region == EAST {
            chance *= BAD_WEEK_FACTOR;
        }
        chance
    }

    /// 0–14 days after the delivery, three in four within 3 days, in office hours.
    fn first_contact_time(&mut self, delivered: i64) -> i64 {
        let lag_days = if self.rng.chance(0.75) { self.rng.below(3) } else { 3 + self.rng.below(12) };
        let day = delivered.div_euclid(DAY) + lag_days as i64;
        let at = day * DAY + self.rng.between(OFFICE_OPENS, OFFICE_CLOSES);
        // Same day but before the delivery: the customer writes the next day.
        if at <= delivered { at + DAY } else { at }
    }

    /// 1 hour – 6 days after the previous contact, moved into office hours.
    fn repeat_contact_time(&mut self, previous: i64) -> i64 {
        let at = previous + self.rng.between(HOUR, 6 * DAY);
        let (day, second) = (at.div_euclid(DAY), at.rem_euclid(DAY));
        if second < OFFICE_OPENS {
            day * DAY + self.rng.between(OFFICE_OPENS, OFFICE_OPENS + 2 * HOUR)
        } else if second >= OFFICE_CLOSES {
            (day + 1) * DAY + self.rng.between(OFFICE_OPENS, OFFICE_OPENS + 2 * HOUR)
        } else {
            at
        }
    }

    /// Half the repeat contacts switch channel, mostly to the phone.
    fn repeat_channel(&mut self, previous: usize) -> usize {
        if !self.rng.chance(SWITCH_CHANNEL_CHANCE) {
            return previous;
        }
        if previous != PHONE && self.rng.chance(SWITCH_TO_PHONE_CHANCE) {
            return PHONE;
        }
        loop {
            let channel = self.channels.draw(&mut self.rng);
            if channel != previous {
                return channel;
            }
        }
    }
}

/// One CSV file, written through a reused line buffer: no allocation per row.
struct CsvOut {
    out: BufWriter<File>,
    line: Vec<u8>,
    separator: u8,
    european: bool,
    start: NaiveDate,
    /// Dates formatted so far, by day number from `start`.
    dates: Vec<[u8; 10]>,
}

impl CsvOut {
    fn create(path: &Path, header: &[&str], european: bool, start: NaiveDate) -> Result<CsvOut> {
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut csv = CsvOut {
            out: BufWriter::with_capacity(1 << 20, file),
            line: Vec::with_capacity(128),
            separator: if european { b';' } else { b',' },
            european,
            start,
            dates: Vec::new(),
        };
        for name in header {
            csv.text(name);
        }
        csv.end_row()?;
        Ok(csv)
    }

    /// The line, with a separator added unless this is its first field.
    fn field(&mut self) -> &mut Vec<u8> {
        if !self.line.is_empty() {
            self.line.push(self.separator);
        }
        &mut self.line
    }

    fn text(&mut self, text: &str) {
        self.field().extend_from_slice(text.as_bytes());
    }

    /// An id such as `O000000042`: a letter and a zero-padded number.
    fn id(&mut self, letter: u8, number: u64, width: usize) {
        let line = self.field();
        line.push(letter);
        push_padded(line, number, width);
    }

    /// `YYYY-MM-DD HH:MM:SS`, or `DD.MM.YYYY HH:MM` when European.
    fn time(&mut self, at: i64) {
        let date = self.date(at.div_euclid(DAY) as usize);
        let second = at.rem_euclid(DAY);
        let european = self.european;
        let line = self.field();
        line.extend_from_slice(&date);
        line.push(b' ');
        push_padded(line, (second / HOUR) as u64, 2);
        line.push(b':');
        push_padded(line, (second / MINUTE % 60) as u64, 2);
        if !european {
            line.push(b':');
            push_padded(line, (second % MINUTE) as u64, 2);
        }
    }

    fn date(&mut self, day: usize) -> [u8; 10] {
        while self.dates.len() <= day {
            let days = Days::new(self.dates.len() as u64);
            let date = self.start.checked_add_days(days).expect("dates within chrono's range");
            self.dates.push(format_date(date, self.european));
        }
        self.dates[day]
    }

    fn end_row(&mut self) -> Result<()> {
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.line.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// Appends `number` with at least `width` (at most 20) digits, zero-padded.
fn push_padded(line: &mut Vec<u8>, mut number: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    let from = i.min(digits.len() - width);
    line.extend_from_slice(&digits[from..]);
}

fn format_date(date: NaiveDate, european: bool) -> [u8; 10] {
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (y, m, d) = (date.year() as u32, date.month(), date.day());
    let [y1, y2, y3, y4] = [digit(y / 1000), digit(y / 100), digit(y / 10), digit(y)];
    let [m1, m2, d1, d2] = [digit(m / 10), digit(m), digit(d / 10), digit(d)];
    if european {
        [d1, d2, b'.', m1, m2, b'.', y1, y2, y3, y4]
    } else {
        [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2]
    }
}

fn write_delivery(deliveries: &mut CsvOut, delivery: &Delivery) -> Result<()> {
    deliveries.id(b'O', delivery.order, 9);
    deliveries.time(delivery.at);
    deliveries.text(REGIONS[delivery.region]);
    deliveries.id(b'C', delivery.customer, 7);
    deliveries.end_row()
}

fn write_complaint(complaints: &mut CsvOut, contact: &Contact, delivery: &Delivery) -> Result<()> {
    complaints.id(b'T', contact.ticket, 7);
    complaints.time(contact.at);
    complaints.id(b'C', delivery.customer, 7);
    complaints.id(b'O', delivery.order, 9);
    complaints.text(CHANNELS[contact.channel]);
    complaints.text(CATEGORIES[contact.category]);
    complaints.text(REGIONS[delivery.region]);
    complaints.end_row()
}

#[derive(Default)]
struct Tally {
    first_contacts: u64,
    repeat_contacts: u64,
}

/// The first contact about a delivery, then repeat contacts while the issue lingers.
fn complain(
    model: &mut Model,
    delivery: &Delivery,
    complaints: &mut CsvOut,
    tally: &mut Tally,
) -> Result<()> {
    tally.first_contacts += 1;
    let mut contact = Contact {
        ticket: tally.first_contacts + tally.repeat_contacts,
        at: model.first_contact_time(delivery.at),
        channel: model.channels.draw(&mut model.rng),
        category: model.categories.draw(&mut model.rng),
    };
    write_complaint(complaints, &contact, delivery)?;
    let mut repeat_chance = FIRST_REPEAT_CHANCE;
    while model.rng.chance(repeat_chance) {
        tally.repeat_contacts += 1;
        contact.ticket = tally.first_contacts + tally.repeat_contacts;
        contact.at = model.repeat_contact_time(contact.at);
        contact.channel = model.repeat_channel(contact.channel);
        write_complaint(complaints, &contact, delivery)?;
        repeat_chance = LATER_REPEAT_CHANCE;
    }
    Ok(())
}

/// The 0-based bad week: `--bad-week`, else week 30, else the middle week.
fn planted_bad_week(args: &Args) -> Result<Option<u32>> {
    if args.no_bad_week {
        return Ok(None);
    }
    let default = if args.weeks >= 30 { 30 } else { (args.weeks / 2).max(1) };
    let week = args.bad_week.unwrap_or(default);
    if !(1..=args.weeks).contains(&week) {
        bail!("--bad-week {week} is not one of weeks 1..={}", args.weeks);
    }
    Ok(Some(week - 1))
}

fn describe_bad_week(start: NaiveDate, bad_week: Option<u32>) -> String {
    let Some(week) = bad_week else { return "none".to_string() };
    let monday = start.checked_add_days(Days::new(u64::from(week) * 7)).expect("date within range");
    let iso = monday.iso_week();
    format!("week {} (from {monday}, ISO {}-W{:02}) in East", week + 1, iso.year(), iso.week())
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.start.weekday() != Weekday::Mon {
        bail!("--start {} is a {:?}, not a Monday", args.start, args.start.weekday());
    }
    if !(1000..=9000).contains(&args.start.year()) {
        bail!("--start {} is outside the years 1000–9000", args.start);
    }
    if !(args.complaints_per_1000.is_finite() && args.complaints_per_1000 >= 0.0) {
        bail!("--complaints-per-1000 must be a number ≥ 0");
    }
    let customers = args.customers.unwrap_or((args.deliveries / 8).max(100));
    if customers == 0 {
        bail!("--customers must be at least 1");
    }
    let bad_week = planted_bad_week(&args)?;
    fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;

    let mut model = Model {
        rng: Rng::seeded(args.seed),
        seed: args.seed,
        weeks: args.weeks,
        customers,
        base_chance: args.complaints_per_1000 / 1000.0,
        bad_week,
        regions: Shares::new(REGION_SHARES),
        weekdays: Shares::new(WEEKDAY_SHARES),
        channels: Shares::new(FIRST_CONTACT_CHANNEL_SHARES),
        categories: Shares::new(CATEGORY_SHARES),
    };
    let (european, start) = (args.european, args.start);
    let delivery_header = ["order_id", "delivered_at", "region", "customer_id"];
    let complaint_header =
        ["ticket_id", "created_at", "customer_id", "order_id", "channel", "category", "region"];
    let mut deliveries = CsvOut::create(&args.out.join("deliveries.csv"), &delivery_header, european, start)?;
    let mut complaints =
        CsvOut::create(&args.out.join("complaints.csv"), &complaint_header, european, start)?;

    let mut tally = Tally::default();
    for order in 1..=args.deliveries {
        let delivery = model.delivery(order);
        write_delivery(&mut deliveries, &delivery)?;
        let chance = model.complaint_chance(&delivery);
        if model.rng.chance(chance) {
            complain(&mut model, &delivery, &mut complaints, &mut tally)?;
        }
    }
    deliveries.finish()?;
    complaints.finish()?;

    eprintln!(
        "wrote {} deliveries and {} complaints ({} first contacts, {} repeat contacts) to {}; bad week: {}",
        args.deliveries,
        tally.first_contacts + tally.repeat_contacts,
        tally.first_contacts,
        tally.repeat_contacts,
        args.out.display(),
        describe_bad_week(start, bad_week)
    );
    Ok(())
}
