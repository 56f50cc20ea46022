//! Control limits for a rate over periods: the Laney p′ chart (default) and
//! the plain p-chart (docs/METHODS.md §4.2).

/// Which chart's limits to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    /// Laney p′: limits widened by σ_z, the between-period variation.
    LaneyPPrime,
    /// Plain binomial p-chart (σ_z = 1).
    P,
}

/// Limits for one period, with the point's position against them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub lcl: f64,
    pub ucl: f64,
    pub signal: Option<Signal>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Above,
    Below,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Above => "above",
            Signal::Below => "below",
        }
    }
}

/// The whole chart: centre line, σ_z and per-period limits (None for periods
/// without deliveries). `None` when fewer than two periods have deliveries.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlChart {
    pub p_bar: f64,
    pub sigma_z: f64,
    pub limits: Vec<Option<Limits>>,
}

/// Control limits for periods with `complaints[i]` out of `deliveries[i]`,
/// given in time order. Periods with no deliveries are skipped when taking the
/// moving range of z and get no limits.
pub fn control_chart(complaints: &[u64], deliveries: &[u64], chart: Chart) -> Option<ControlChart> {
    frozen_chart(complaints, deliveries, chart, 0..deliveries.len())
}

/// Control limits for every period with the centre line and σ_z of the
/// periods in `baseline` alone, extended forward and back (qicharts2's
/// `freeze`, Minitab's historical estimates). `None` when fewer than two
/// baseline periods have deliveries.
pub fn frozen_chart(
    complaints: &[u64],
    deliveries: &[u64],
    chart: Chart,
    baseline: std::ops::Range<usize>,
) -> Option<ControlChart> {
    assert_eq!(complaints.len(), deliveries.len());
    let used: Vec<usize> = baseline.filter(|&i| deliveries[i] > 0).collect();
    if used.len() < 2 {
        return None;
    }
    let total_x: u64 = used.iter().map(|&i| complaints[i]).sum();
    let total_n: u64 = used.iter().map(|&i| deliveries[i]).sum();
    let p_bar = total_x as f64 / total_n as f64;
    // More complaints than deliveries overall: not a proportion, no binomial limits.
    if p_bar >= 1.0 {
        return None;
    }
    let sigma = |i: usize| (p_bar * (1.0 - p_bar) / deliveries[i] as f64).sqrt();
    let sigma_z = match chart {
        Chart::P => 1.0,
        Chart::LaneyPPrime => {
            if p_bar == 0.0 || p_bar == 1.0 {
                0.0
            } else {
                let z: Vec<f64> = used
                    .iter()
                    .map(|&i| (complaints[i] as f64 / deliveries[i] as f64 - p_bar) / sigma(i))
                    .collect();
                let moving_range: f64 = z.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
                moving_range / (z.len() - 1) as f64 / 1.128
            }
        }
    };
    let limits = (0..deliveries.len())
        .map(|i| {
            if deliveries[i] == 0 {
                return None;
            }
            let half = 3.0 * sigma(i) * sigma_z;
            let lcl = (p_bar - half).max(0.0);
            let ucl = (p_bar + half).min(1.0);
            let p = complaints[i] as f64 / deliveries[i] as f64;
            let signal = if p > ucl {
                Some(Signal::Above)
            } else if p < lcl {
                Some(Signal::Below)
            } else {
                None
            };
            Some(Limits { lcl, ucl, signal })
        })
        .collect();
    Some(ControlChart { p_bar, sigma_z, limits })
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: [u64; 20] = [
        2838874, 2859738, 2824577, 2824041, 2917634, 3030102, 3069489, 3075551, 3073425, 3180213, 3189760,
        3134149, 3115229, 3188652, 3216904, 3314935, 3191316, 3325360, 3468694, 3344783,
    ];
    const X: [u64; 20] = [
        2718, 2821, 2510, 2765, 2945, 2928, 2821, 2998, 3214, 3081, 3405, 3199, 2929, 3152, 3365, 3336, 3186,
        3255, 3475, 3777,
    ];

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    fn flagged(chart: &ControlChart) -> Vec<usize> {
        (0..chart.limits.len())
            .filter(|&i| chart.limits[i].unwrap().signal.is_some())
            .map(|i| i + 1)
            .collect()
    }

    #[test]
    fn laney_twenty_weeks() {
        let c = control_chart(&X, &N, Chart::LaneyPPrime).unwrap();
        assert!(rel(c.p_bar, 0.000995120) < 5e-7, "p̄ {}", c.p_bar);
        assert!(rel(c.sigma_z, 2.838798) < 5e-7, "σz {}", c.sigma_z);
        let week1 = c.limits[0].unwrap();
        assert!(rel(week1.lcl, 0.000835751) < 5e-7, "lcl {}", week1.lcl);
        assert!(rel(week1.ucl, 0.001154490) < 5e-7, "ucl {}", week1.ucl);
        assert!(flagged(&c).is_empty());
    }

    #[test]
    fn plain_p_chart_twenty_weeks() {
        let c = control_chart(&X, &N, Chart::P).unwrap();
        assert_eq!(flagged(&c), vec![3, 7, 11, 13, 20]);
        let week1 = c.limits[0].unwrap();
        assert!(rel(week1.lcl, 0.000938981) < 5e-7, "lcl {}", week1.lcl);
        assert!(rel(week1.ucl, 0.001051260) < 5e-7, "ucl {}", week1.ucl);
    }

    #[test]
    fn orange_juice() {
        // Montgomery / qcc `orangejuice`, samples 1–30 of size 50.
        let d: [u64; 30] = [
            12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7,
            13, 9, 6,
        ];
        let n = [50u64; 30];
        let p = control_chart(&d, &n, Chart::P).unwrap();
        assert!(rel(p.p_bar, 0.231333) < 2e-6);
        let l = p.limits[0].unwrap();
        assert!(rel(l.ucl, 0.410239) < 2e-6 && rel(l.lcl, 0.052428) < 2e-5);
        let above: Vec<usize> =
            (0..30).filter(|&i| p.limits[i].unwrap().signal == Some(Signal::Above)).map(|i| i + 1).collect();
        assert_eq!(above, vec![15, 23]);
        let laney = control_chart(&d, &n, Chart::LaneyPPrime).unwrap();
        assert!(rel(laney.sigma_z, 1.660867) < 2e-6, "σz {}", laney.sigma_z);
        assert!(rel(laney.limits[0].unwrap().ucl, 0.528472) < 2e-6);
    }

    /// qcc's `orangejuice`, samples 31–54 (size 50), taken after the
    /// machine was adjusted.
    const ADJUSTED: [u64; 24] = [9, 6, 12, 5, 6, 4, 6, 3, 7, 6, 2, 4, 3, 6, 5, 4, 8, 5, 6, 7, 5, 6, 3, 5];

    #[test]
    fn a_new_phase_gets_its_own_limits() {
        // Montgomery, Introduction to Statistical Quality Control, Example
        // 7.1: the p chart from the samples after the adjustment alone,
        // p̄ = 0.1108, UCL = 0.2440, LCL = 0 (negative, so none).
        let n = [50u64; 24];
        let phase = control_chart(&ADJUSTED, &n, Chart::P).unwrap();
        assert!(rel(phase.p_bar, 133.0 / 1200.0) < 1e-12 && (phase.p_bar - 0.1108).abs() < 5e-5);
        let l = phase.limits[0].unwrap();
        assert!((l.ucl - 0.2440).abs() < 5e-5 && l.lcl == 0.0, "{l:?}");
        assert!(phase.limits.iter().all(|l| l.unwrap().signal.is_none()));
    }

    #[test]
    fn frozen_limits_come_from_the_baseline_alone() {
        // Samples 1–30 as the baseline: their p̄ 0.2313 and limits, carried
        // over samples 31–54, where the lower ones fall below the LCL.
        let d: Vec<u64> = [
            12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7,
            13, 9, 6,
        ]
        .into_iter()
        .chain(ADJUSTED)
        .collect();
        let n = vec![50u64; 54];
        let frozen = frozen_chart(&d, &n, Chart::P, 0..30).unwrap();
        let alone = control_chart(&d[..30], &n[..30], Chart::P).unwrap();
        assert_eq!((frozen.p_bar, frozen.limits[..30].to_vec()), (alone.p_bar, alone.limits));
        assert!(rel(frozen.p_bar, 0.231333) < 2e-6);
        let l = frozen.limits[40].unwrap();
        assert!(rel(l.ucl, 0.410239) < 2e-6 && rel(l.lcl, 0.052428) < 2e-5);
        // 2 of 50 (sample 41) is below the frozen LCL of 0.0524.
        assert_eq!(l.signal, Some(Signal::Below));
        assert!(frozen_chart(&d, &n, Chart::P, 3..4).is_none());
    }

    #[test]
    fn needs_two_periods_with_deliveries_and_skips_empty_ones() {
        assert!(control_chart(&[1], &[10], Chart::LaneyPPrime).is_none());
        assert!(control_chart(&[1, 0], &[10, 0], Chart::LaneyPPrime).is_none());
        let c = control_chart(&[1, 0, 2], &[10, 0, 10], Chart::LaneyPPrime).unwrap();
        assert!(c.limits[1].is_none() && c.limits[0].is_some());
    }

    #[test]
    fn no_limits_when_complaints_outnumber_deliveries() {
        assert!(control_chart(&[5, 3], &[2, 2], Chart::LaneyPPrime).is_none());
        // One period above 1 inside a proportion below 1 overall: flagged above.
        let c = control_chart(&[3, 0, 0, 0], &[2, 10, 10, 10], Chart::P).unwrap();
        assert_eq!(c.limits[0].unwrap().signal, Some(Signal::Above));
    }

    #[test]
    fn limits_widen_as_n_shrinks() {
        let c = control_chart(&[5, 50, 500], &[1000, 10_000, 100_000], Chart::P).unwrap();
        let width = |i: usize| c.limits[i].unwrap().ucl - c.limits[i].unwrap().lcl;
        assert!(width(0) > width(1) && width(1) > width(2));
    }
}
