//! Concentration of complaints over customers (docs/METHODS.md §4.6): Gini and the
//! generalized Gini of Bernasco & Steenbeek (2017) for sparse counts.

/// Gini coefficient of non-negative counts (customers with zero included):
/// G = 2Σ i·x_(i) / (nΣx) − (n+1)/n, ascending order. `None` when empty or
/// all zero.
pub fn gini(counts: &[u64]) -> Option<f64> {
    gini_with_zeros(counts, 0)
}

/// `gini` of `counts` and `zeros` more zeros (customers with deliveries and
/// no complaint, who may be millions), without building them: the zeros
/// sort first and add nothing, so the sum is the same.
pub fn gini_with_zeros(counts: &[u64], zeros: u64) -> Option<f64> {
    let n = counts.len() as u64 + zeros;
    let total: u64 = counts.iter().sum();
    if n == 0 || total == 0 {
        return None;
    }
    let sorted = ascending(counts);
    let rank = |i: usize| (zeros + i as u64) as f64 + 1.0;
    let weighted: f64 = sorted.iter().enumerate().map(|(i, &x)| rank(i) * x as f64).sum();
    let n = n as f64;
    Some(2.0 * weighted / (n * total as f64) - (n + 1.0) / n)
}

/// Generalized Gini G′ = max(1, n/E)(G − 1) + 1, which allows for there
/// being fewer complaints (E) than customers (n).
pub fn generalized_gini(counts: &[u64]) -> Option<f64> {
    generalized_gini_with_zeros(counts, 0)
}

/// `generalized_gini` of `counts` and `zeros` more zeros.
pub fn generalized_gini_with_zeros(counts: &[u64], zeros: u64) -> Option<f64> {
    let g = gini_with_zeros(counts, zeros)?;
    let n = (counts.len() as u64 + zeros) as f64;
    let events = counts.iter().sum::<u64>() as f64;
    Some((n / events).max(1.0) * (g - 1.0) + 1.0)
}

/// The counts in ascending order: as given when they are (a caller that
/// asks for several measures of hundreds of thousands of counts sorts them
/// once), else sorted.
fn ascending(counts: &[u64]) -> std::borrow::Cow<'_, [u64]> {
    if counts.is_sorted() {
        std::borrow::Cow::Borrowed(counts)
    } else {
        let mut sorted = counts.to_vec();
        sorted.sort_unstable();
        std::borrow::Cow::Owned(sorted)
    }
}

/// Share of all complaints made by the `k` customers with the most.
pub fn top_share(counts: &[u64], k: usize) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    Some(ascending(counts).iter().rev().take(k).sum::<u64>() as f64 / total as f64)
}

/// How many customers, taking the biggest complainers first, make at least
/// half of all complaints.
pub fn customers_for_half(counts: &[u64]) -> usize {
    let total: u64 = counts.iter().sum();
    let sorted = ascending(counts);
    let mut running = 0;
    for (i, c) in sorted.iter().rev().enumerate() {
        running += c;
        if 2 * running >= total {
            return i + 1;
        }
    }
    sorted.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_zeros(values: &[u64], zeros: usize) -> Vec<u64> {
        let mut v = values.to_vec();
        v.extend(std::iter::repeat_n(0, zeros));
        v
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn sorted_and_unsorted_counts_give_the_same_measures() {
        let unsorted = [3u64, 1, 7, 1, 2, 9, 4, 1];
        let mut sorted = unsorted;
        sorted.sort_unstable();
        assert_eq!(gini_with_zeros(&unsorted, 5), gini_with_zeros(&sorted, 5));
        for k in 1..4 {
            assert_eq!(top_share(&unsorted, k), top_share(&sorted, k));
        }
        assert_eq!(top_share(&sorted, 2), Some(16.0 / 28.0));
        assert_eq!((customers_for_half(&unsorted), customers_for_half(&sorted)), (2, 2));
    }

    #[test]
    fn bernasco_steenbeek_examples() {
        let a = with_zeros(&[10, 8, 2], 7);
        assert!(close(gini(&a).unwrap(), 0.78) && close(generalized_gini(&a).unwrap(), 0.78));
        let b = with_zeros(&[5, 2, 1], 7);
        assert!(close(gini(&b).unwrap(), 0.80) && close(generalized_gini(&b).unwrap(), 0.75));
        let c = with_zeros(&[10], 99);
        assert!(close(gini(&c).unwrap(), 0.99) && close(generalized_gini(&c).unwrap(), 0.90));
        assert!(close(gini(&[5, 5, 5, 5]).unwrap(), 0.0));
        // Zeros given as a number are the same as zeros in the list, to the bit.
        for (values, zeros) in [(&[10, 8, 2][..], 7), (&[5, 2, 1][..], 7), (&[10][..], 99), (&[3, 1][..], 0)]
        {
            let listed = with_zeros(values, zeros);
            assert_eq!(gini_with_zeros(values, zeros as u64), gini(&listed));
            assert_eq!(generalized_gini_with_zeros(values, zeros as u64), generalized_gini(&listed));
        }
    }

    #[test]
    fn bounds_and_shares() {
        for counts in [vec![1], vec![0, 0, 7], vec![1, 2, 3, 4, 100], vec![3; 50]] {
            let g = gini(&counts).unwrap();
            assert!((0.0..=1.0).contains(&g), "{counts:?}: {g}");
        }
        assert_eq!(gini(&[0, 0]), None);
        assert_eq!(top_share(&[6, 3, 1], 1), Some(0.6));
        assert_eq!(customers_for_half(&[6, 3, 1]), 1);
        assert_eq!(customers_for_half(&[1, 1, 1, 1]), 2);
    }
}
