//! Axes: a scale from data to pixels (linear or log), round ticks in 1–2–5
//! steps, and tick labels as people write numbers (0.10%, 20,000).

use crate::output::table::thousands;

/// A map from data values to pixels.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    from: f64,
    to: f64,
}

impl Scale {
    pub fn linear(lo: f64, hi: f64, from: f64, to: f64) -> Scale {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Scale { lo, hi, log: false, from, to }
    }

    /// A base-10 log scale; `lo` and `hi` must be positive.
    pub fn log(lo: f64, hi: f64, from: f64, to: f64) -> Scale {
        let hi = if hi > lo { hi } else { lo * 10.0 };
        Scale { lo, hi, log: true, from, to }
    }

    pub fn at(&self, v: f64) -> f64 {
        let (v, lo, hi) = if self.log {
            (v.max(self.lo * 1e-3).log10(), self.lo.log10(), self.hi.log10())
        } else {
            (v, self.lo, self.hi)
        };
        self.from + (v - lo) / (hi - lo) * (self.to - self.from)
    }

    /// Round tick values inside the scale.
    pub fn ticks(&self, count: usize) -> Vec<f64> {
        if self.log { log_ticks(self.lo, self.hi) } else { nice_ticks(self.lo, self.hi, count) }
    }
}

/// A step of 1, 2 or 5 × 10^k giving about `count` intervals over `range`.
fn nice_step(range: f64, count: usize) -> f64 {
    let raw = (range / count.max(1) as f64).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction < 1.5 {
        1.0
    } else if fraction < 3.0 {
        2.0
    } else if fraction < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Round ticks from the first multiple of the step at or above `lo` to `hi`.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let step = nice_step(hi - lo, count);
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    (first as i64..=last as i64).map(|k| k as f64 * step).collect()
}

/// The smallest round value at or above `value`, on the scale of `count`
/// ticks from 0 (where an axis that starts at 0 should end).
pub fn nice_ceiling(value: f64, count: usize) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let step = nice_step(value, count);
    (value / step - 1e-9).ceil() * step
}

/// Decades, with 2 and 5 between them when the scale spans two decades or fewer.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let multiples: &[f64] = if b - a <= 2 { &[1.0, 2.0, 5.0] } else { &[1.0] };
    (a..=b)
        .flat_map(|e| multiples.iter().map(move |m| m * 10f64.powi(e)))
        .filter(|v| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9))
        .collect()
}

/// The x range of a funnel over deliveries `ns`: a log scale from the decade
/// below the smallest to the decade above the largest when they span more
/// than two decades, else linear from 0 to a round value above the largest.
pub fn funnel_x_range(ns: &[f64]) -> (f64, f64, bool) {
    let min = ns.iter().copied().fold(f64::MAX, f64::min).max(1.0);
    let max = ns.iter().copied().fold(1.0, f64::max);
    if max / min > 100.0 {
        (10f64.powf(min.log10().floor()), 10f64.powf(max.log10().ceil()), true)
    } else {
        (0.0, nice_ceiling(max * 1.02, 5), false)
    }
}

/// A rate tick as a percentage with as many decimals as the step needs.
pub(super) fn percent_label(v: f64, step: f64) -> String {
    let decimals = (-(step * 100.0).log10().floor()).clamp(0.0, 6.0) as usize;
    let p = v * 100.0;
    if p.abs() < 1e-12 { "0%".into() } else { format!("{p:.decimals$}%") }
}

/// A count tick: 20,000.
pub(super) fn count_label(v: f64) -> String {
    if v.fract().abs() > 1e-9 { format!("{v}") } else { thousands(v.round() as u64) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        let round = |v: Vec<f64>| v.iter().map(|t| (t * 1e9).round() / 1e9).collect::<Vec<_>>();
        assert_eq!(round(nice_ticks(0.0, 0.00088, 4)), vec![0.0, 0.0002, 0.0004, 0.0006, 0.0008]);
        let unit: Vec<String> = nice_ticks(0.0, 1.0, 4).iter().map(|t| format!("{t:.1}")).collect();
        assert_eq!(unit, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let t = nice_ticks(0.0, 420_658.0, 5);
        assert_eq!(t, vec![0.0, 100_000.0, 200_000.0, 300_000.0, 400_000.0]);
        assert_eq!(nice_ceiling(420_658.0, 5), 500_000.0);
        assert_eq!(log_ticks(100.0, 100_000.0), vec![100.0, 1_000.0, 10_000.0, 100_000.0]);
        assert_eq!(log_ticks(1_000.0, 100_000.0), vec![1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5]);
        assert_eq!(funnel_x_range(&[1_500.0, 420_658.0]), (1_000.0, 1_000_000.0, true));
        assert_eq!(funnel_x_range(&[200_000.0, 420_658.0]), (0.0, 500_000.0, false));
    }

    #[test]
    fn labels_as_people_write_them() {
        assert_eq!(percent_label(0.0006, 0.0002), "0.06%");
        assert_eq!(percent_label(0.001, 0.0002), "0.10%");
        assert_eq!(percent_label(0.05, 0.01), "5%");
        assert_eq!(percent_label(0.0, 0.01), "0%");
        assert_eq!(count_label(20_000.0), "20,000");
    }
}
