//! Wilson score interval for a binomial proportion (docs/METHODS.md §4.1).

/// Wilson score interval for `x` successes in `n` trials at normal quantile `z`.
/// `None` when the interval is undefined (n = 0 or x > n). The lower bound is
/// exactly 0 when x = 0.
pub fn wilson_interval(x: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 || x > n {
        return None;
    }
    let n_f = n as f64;
    let p = x as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    let low = if x == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if x == n { 1.0 } else { (centre + half).min(1.0) };
    Some((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z95: f64 = 1.959964;

    fn close(actual: f64, expected: f64, digits: i32) -> bool {
        // Agreement to the number of significant digits published.
        let scale = expected.abs().max(1e-300);
        (actual - expected).abs() / scale < 0.5 * 10f64.powi(1 - digits)
    }

    #[test]
    fn newcombe_reference_values() {
        let cases = [
            (300, 300_000, 0.000893108, 0.00111967, 6),
            (81, 263, 0.255289, 0.366210, 6),
            (1, 29, 0.006113, 0.171755, 4),
            (3, 3000, 0.000340147, 0.00293614, 6),
        ];
        for (x, n, lo, hi, digits) in cases {
            let (l, h) = wilson_interval(x, n, Z95).unwrap();
            assert!(close(l, lo, digits), "{x}/{n}: low {l} vs {lo}");
            assert!(close(h, hi, 6), "{x}/{n}: high {h} vs {hi}");
        }
        let (l, h) = wilson_interval(0, 20, Z95).unwrap();
        assert_eq!(l, 0.0);
        assert!(close(h, 0.161125, 6), "0/20 high {h}");
    }

    #[test]
    fn undefined_intervals() {
        assert_eq!(wilson_interval(1, 0, Z95), None);
        assert_eq!(wilson_interval(5, 4, Z95), None);
        assert_eq!(wilson_interval(4, 4, Z95).unwrap().1, 1.0);
    }

    #[test]
    fn interval_contains_estimate_and_narrows_with_n() {
        for n in [1u64, 2, 10, 1000, 1_000_000] {
            for x in [0, n / 3, n] {
                let (l, h) = wilson_interval(x, n, Z95).unwrap();
                let p = x as f64 / n as f64;
                assert!(l <= p && p <= h && (0.0..=1.0).contains(&l) && h <= 1.0);
            }
        }
        let w = |n: u64| {
            let (l, h) = wilson_interval(n / 10, n, Z95).unwrap();
            h - l
        };
        assert!(w(100) > w(1000) && w(1000) > w(10000));
    }
}
