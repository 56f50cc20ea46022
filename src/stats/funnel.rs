//! Segment comparison on a funnel plot with overdispersion (docs/METHODS.md §4.4, after
//! Spiegelhalter 2005 and the PHE funnel methods): target θ₀, z-scores,
//! winsorized φ, additive random effect τ², limits at 95% and 99.8%.

use super::normal_quantile;

/// How a segment sits against the funnel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Outside the 99.8% limits, above.
    High,
    /// Outside the 99.8% limits, below.
    Low,
    /// Outside 95% but inside 99.8%.
    Alert,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::High => "high",
            Flag::Low => "low",
            Flag::Alert => "alert",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    pub rate: f64,
    pub z: f64,
    pub limits_95: (f64, f64),
    pub limits_998: (f64, f64),
    pub flag: Option<Flag>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Funnel {
    pub theta0: f64,
    /// Overdispersion: mean of the squared winsorized z-scores.
    pub phi: f64,
    /// Between-segment variance added to each segment's (0 when φ shows none).
    pub tau2: f64,
    pub units: Vec<Unit>,
    /// Segments outside 99.8% without the adjustment, for comparison.
    pub outside_998_unadjusted: usize,
}

/// Quantile of sorted `values` at `p`, linear interpolation (R type 7).
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Funnel for segments with `x[i]` events out of `n[i]`. Segments with
/// n = 0 are left out by the caller. `None` with fewer than two segments or
/// a target rate of 0 or 1 (no spread to compare against).
pub fn funnel(x: &[f64], n: &[f64]) -> Option<Funnel> {
    let units = x.len();
    if units < 2 || n.iter().any(|&v| v <= 0.0) {
        return None;
    }
    let theta0 = x.iter().sum::<f64>() / n.iter().sum::<f64>();
    if theta0 <= 0.0 || theta0 >= 1.0 {
        return None;
    }
    let s: Vec<f64> = n.iter().map(|&ni| (theta0 * (1.0 - theta0) / ni).sqrt()).collect();
    let z: Vec<f64> = (0..units).map(|i| (x[i] / n[i] - theta0) / s[i]).collect();
    let mut sorted = z.clone();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = (quantile_type7(&sorted, 0.1), quantile_type7(&sorted, 0.9));
    let phi = z.iter().map(|v| v.clamp(lo, hi).powi(2)).sum::<f64>() / units as f64;
    let weights: Vec<f64> = s.iter().map(|si| 1.0 / (si * si)).collect();
    let sum_w: f64 = weights.iter().sum();
    let sum_w2: f64 = weights.iter().map(|w| w * w).sum();
    let i = units as f64;
    let tau2 =
        if i * phi <= i - 1.0 { 0.0 } else { ((i * phi - (i - 1.0)) / (sum_w - sum_w2 / sum_w)).max(0.0) };
    let z95 = normal_quantile(0.975);
    let z998 = normal_quantile(0.999);
    let limits = |si: f64, zq: f64| {
        let half = zq * (si * si + tau2).sqrt();
        ((theta0 - half).max(0.0), (theta0 + half).min(1.0))
    };
    let mut outside_998_unadjusted = 0;
    let units = (0..units)
        .map(|k| {
            let rate = x[k] / n[k];
            if z[k].abs() > z998 {
                outside_998_unadjusted += 1;
            }
            let limits_95 = limits(s[k], z95);
            let limits_998 = limits(s[k], z998);
            let flag = if rate > limits_998.1 {
                Some(Flag::High)
            } else if rate < limits_998.0 {
                Some(Flag::Low)
            } else if rate > limits_95.1 || rate < limits_95.0 {
                Some(Flag::Alert)
            } else {
                None
            };
            Unit { rate, z: z[k], limits_95, limits_998, flag }
        })
        .collect();
    Some(Funnel { theta0, phi, tau2, units, outside_998_unadjusted })
}

/// Limits around `theta0` at `n` for a quantile `zq`, with `tau2` added.
pub fn limits_at(theta0: f64, tau2: f64, n: f64, zq: f64) -> (f64, f64) {
    let half = zq * (theta0 * (1.0 - theta0) / n + tau2).sqrt();
    ((theta0 - half).max(0.0), (theta0 + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phe_inputs() -> (Vec<f64>, Vec<f64>) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/reference/phe_prop_inputs.csv");
        let text = std::fs::read_to_string(path).expect("testdata/reference/phe_prop_inputs.csv");
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let mut x = Vec::new();
        let mut n = Vec::new();
        for record in reader.records() {
            let record = record.unwrap();
            x.push(record[1].parse::<f64>().unwrap());
            n.push(record[2].parse::<f64>().unwrap());
        }
        (x, n)
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn phe_reference() {
        let (x, n) = phe_inputs();
        assert_eq!(x.len(), 303);
        let f = funnel(&x, &n).unwrap();
        assert!(rel(f.theta0, 0.80642448) < 1e-8, "θ₀ {}", f.theta0);
        assert!(rel(f.phi, 238.4981) < 1e-6, "φ {}", f.phi);
        assert!(rel(f.tau2, 8.807256e-4) < 1e-6, "τ² {}", f.tau2);
        assert_eq!(f.outside_998_unadjusted, 260);
        let flagged = f.units.iter().filter(|u| matches!(u.flag, Some(Flag::High | Flag::Low))).count();
        assert_eq!(flagged, 8);
        let (lo, hi) = limits_at(f.theta0, f.tau2, 20_000.0, normal_quantile(0.999));
        assert!((lo - 0.714310).abs() < 1e-6 && (hi - 0.898539).abs() < 1e-6, "[{lo}, {hi}]");
    }

    #[test]
    fn type7_quantiles() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_type7(&v, 0.1), 1.4);
        assert_eq!(quantile_type7(&v, 0.9), 4.6);
    }

    #[test]
    fn no_overdispersion_means_no_tau() {
        let f = funnel(&[10.0, 11.0, 9.0, 10.0], &[1000.0, 1000.0, 1000.0, 1000.0]).unwrap();
        assert_eq!(f.tau2, 0.0);
        assert!(f.phi >= 0.0);
        assert!(f.units.iter().all(|u| u.flag.is_none()));
    }

    #[test]
    fn limits_widen_as_n_shrinks() {
        let f = funnel(&[1.0, 10.0, 100.0], &[100.0, 1000.0, 10000.0]).unwrap();
        let w = |u: &Unit| u.limits_998.1 - u.limits_998.0;
        assert!(w(&f.units[0]) > w(&f.units[1]) && w(&f.units[1]) > w(&f.units[2]));
    }
}
