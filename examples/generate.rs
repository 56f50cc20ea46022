//! Seeded generator of realistic complaints and deliveries exports.
//!
//!     cargo run --release --example generate -- --deliveries 2000000 --out /tmp/exports
//!
//! Writes OUT/deliveries.csv (`order_id,delivered_at,region,customer_id`) and
//! OUT/complaints.csv (`ticket_id,created_at,customer_id,order_id,channel,category,region`).
//! Realism: regions of unequal size, a mild volume trend, customers who order
//! at very different rates, ~1% chronic complainers with 20× the base chance,
//! repeat contacts within days that often switch channel (web → phone), and
//! one bad week in one region (4× the chance; `--no-bad-week` removes it).
//! `--european` writes `;` and `dd.mm.yyyy HH:MM`. The same arguments give
//! byte-identical files.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Number of deliveries to write.
    #[arg(long)]
    deliveries: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Base complaints per 1,000 deliveries (before chronic complainers and repeats).
    #[arg(long, default_value_t = 1.0)]
    complaints_per_1000: f64,
    /// Number of ISO weeks covered.
    #[arg(long, default_value_t = 52)]
    weeks: u32,
    /// First day (the Monday of the first week, unless --days says otherwise).
    #[arg(long, default_value = "2025-01-06")]
    start: NaiveDate,
    /// Number of days covered, instead of whole weeks (e.g. 181 from 2025-01-01 for January to June).
    #[arg(long)]
    days: Option<u32>,
    /// Keep complaints created up to this many days after the last delivery day (an export pulled
    /// later than the deliveries'); by default both exports end on the same day.
    #[arg(long, default_value_t = 0, value_name = "DAYS")]
    complaints_run_on: u32,
    /// Number of customers (default: deliveries / 8, at least 100).
    #[arg(long)]
    customers: Option<u64>,
    /// `;`-separated with day-first times.
    #[arg(long)]
    european: bool,
    /// Number of regions (1–5): North, South, East, West, Central.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=5))]
    regions: u8,
    /// Which week (1-based) is the bad one (default: the middle week).
    #[arg(long, value_name = "WEEK")]
    bad_week: Option<u32>,
    /// Leave out the planted bad week.
    #[arg(long)]
    no_bad_week: bool,
}

/// xoshiro256** seeded through splitmix64: small, fast, reproducible.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E3779B97F4A7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
            z ^ (z >> 31)
        };
        Rng([next(), next(), next(), next()])
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
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        (self.unit() * n as f64) as u64
    }

    /// Index drawn with the given weights.
    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len() - 1
    }
}

const REGIONS: [&str; 5] = ["North", "South", "East", "West", "Central"];
const REGION_SHARES: [f64; 5] = [0.30, 0.25, 0.20, 0.15, 0.10];
const CHANNELS: [&str; 4] = ["web", "email", "phone", "chat"];
const CHANNEL_SHARES: [f64; 4] = [0.45, 0.25, 0.20, 0.10];
const CATEGORIES: [&str; 6] = ["late", "damaged", "lost", "wrong item", "billing", "other"];
const CATEGORY_SHARES: [f64; 6] = [0.35, 0.20, 0.10, 0.15, 0.10, 0.10];

struct Writer {
    out: BufWriter<File>,
    sep: char,
    european: bool,
}

impl Writer {
    fn create(path: PathBuf, european: bool, header: &[&str]) -> Result<Writer> {
        let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = Writer {
            out: BufWriter::with_capacity(1 << 20, file),
            sep: if european { ';' } else { ',' },
            european,
        };
        let line = header.join(&w.sep.to_string());
        writeln!(w.out, "{line}")?;
        Ok(w)
    }

    fn time(&mut self, t: NaiveDateTime) -> Result<()> {
        if self.european {
            write!(self.out, "{}", t.format("%d.%m.%Y %H:%M"))?;
        } else {
            write!(self.out, "{}", t.format("%Y-%m-%d %H:%M:%S"))?;
        }
        Ok(())
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)?;
    let mut rng = Rng::new(args.seed);
    let customers = args.customers.unwrap_or((args.deliveries / 8).max(100));
    let base = args.complaints_per_1000 / 1000.0;
    // 0-based week index of the bad week.
    let days_total = i64::from(args.days.unwrap_or(args.weeks * 7));
    let bad_week = match (args.no_bad_week, args.bad_week) {
        (true, _) => None,
        (false, Some(week)) => Some(week.saturating_sub(1)),
        (false, None) => Some((days_total / 14) as u32),
    };
    let region_shares = &REGION_SHARES[..usize::from(args.regions)];
    // The bad week is planted in East, or in the last region when fewer.
    let bad_region = region_shares.len().min(3) - 1;
    let start = args.start.and_hms_opt(0, 0, 0).expect("midnight");
    // Deliveries start WARM_UP days before the export: their complaints
    // arrive inside it, as in a real export cut from a running business.
    const WARM_UP: i64 = 21;
    let seconds_total = (days_total + WARM_UP) * 86_400;
    let first = start - Duration::days(WARM_UP);
    // Complaints after this are not in the export yet.
    let complaints_end = start + Duration::days(days_total + i64::from(args.complaints_run_on));

    let mut deliveries = Writer::create(
        args.out.join("deliveries.csv"),
        args.european,
        &["order_id", "delivered_at", "region", "customer_id"],
    )?;
    let mut complaints = Writer::create(
        args.out.join("complaints.csv"),
        args.european,
        &["ticket_id", "created_at", "customer_id", "order_id", "channel", "category", "region"],
    )?;
    let mut tickets = 0u64;
    let (mut order, mut written) = (0u64, 0u64);
    while written < args.deliveries {
        order += 1;
        // Volume grows ~10% over the period: time x in [0, 1) with density
        // ∝ 1 + a·x, drawn by inverting its CDF (x + a·x²/2) / (1 + a/2).
        let (a, u) = (0.1, rng.unit());
        let x = (((1.0 + 2.0 * a * u * (1.0 + a / 2.0)).sqrt() - 1.0) / a).clamp(0.0, 0.999_999);
        let day_second = 7 * 3600 + rng.below(15 * 3600) as i64;
        let day = ((x * seconds_total as f64) as i64) / 86_400;
        let delivered = first + Duration::days(day) + Duration::seconds(day_second);
        let region = rng.pick(region_shares);
        // Two-tier customers: a fifth of them place most orders.
        let customer = if rng.unit() < 0.6 { rng.below(customers / 5 + 1) } else { rng.below(customers) };
        if delivered >= start {
            let sep = deliveries.sep;
            write!(deliveries.out, "O{order:09}{sep}")?;
            deliveries.time(delivered)?;
            writeln!(deliveries.out, "{sep}{}{sep}C{customer:07}", REGIONS[region])?;
            written += 1;
        }

        let chronic = customer % 100 == 7;
        let week = (day >= WARM_UP).then(|| ((day - WARM_UP) / 7) as u32);
        let mut chance = base * if chronic { 20.0 } else { 1.0 };
        if week.is_some() && bad_week == week && region == bad_region {
            chance *= 4.0;
        }
        if rng.unit() >= chance {
            continue;
        }
        // First contact 0–14 days after delivery, mostly within 3.
        let lag_days = if rng.unit() < 0.7 { rng.below(3) } else { rng.below(15) } as i64;
        let mut created = delivered.date().and_hms_opt(8, 0, 0).expect("08:00")
            + Duration::days(lag_days)
            + Duration::seconds(rng.below(12 * 3600) as i64);
        if created < delivered {
            created = delivered + Duration::minutes(30 + rng.below(600) as i64);
        }
        let mut channel = rng.pick(&CHANNEL_SHARES);
        let category = rng.pick(&CATEGORY_SHARES);
        let mut repeat_chance = 0.30;
        while created < complaints_end {
            // Contacts before the export began are not in it; their follow-ups may be.
            if created >= start {
                tickets += 1;
                let sep = complaints.sep;
                write!(complaints.out, "T{tickets:07}{sep}")?;
                complaints.time(created)?;
                writeln!(
                    complaints.out,
                    "{sep}C{customer:07}{sep}O{order:09}{sep}{}{sep}{}{sep}{}",
                    CHANNELS[channel], CATEGORIES[category], REGIONS[region]
                )?;
            }
            if rng.unit() >= repeat_chance {
                break;
            }
            // The first contact did not solve it: again 1 hour – 6 days later,
            // half the time through another channel, usually the phone.
            created += Duration::minutes(60 + rng.below(6 * 24 * 60 - 60) as i64);
            if rng.unit() < 0.5 {
                channel = if channel == 2 { rng.pick(&[0.5, 0.3, 0.0, 0.2]) } else { 2 };
            }
            repeat_chance = 0.20;
        }
    }
    deliveries.out.flush()?;
    complaints.out.flush()?;
    eprintln!(
        "wrote {} deliveries and {tickets} complaints to {}; bad week: {}",
        args.deliveries,
        args.out.display(),
        match bad_week {
            Some(w) => format!(
                "week {} (from {}) in {}",
                w + 1,
                args.start + Duration::days(i64::from(w) * 7),
                REGIONS[bad_region]
            ),
            None => "none".into(),
        }
    );
    Ok(())
}
