//! Property tests: invariants of the statistics and of the counting, on
//! random inputs.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use complaint_rate::input::RepeatKey;
use complaint_rate::input::complaints::Complaint;
use complaint_rate::input::keys::{Key, Keys};
use complaint_rate::metrics::episodes::summarise;
use complaint_rate::metrics::period_table::{Sides, TableSpec, build};
use complaint_rate::metrics::repeats::link_contacts;
use complaint_rate::period::Period;
use complaint_rate::phases::Stages;
use complaint_rate::stats::funnel::funnel;
use complaint_rate::stats::gini::{generalized_gini, gini};
use complaint_rate::stats::laney::{Chart, control_chart};
use complaint_rate::stats::wilson::wilson_interval;

fn complaints_strategy() -> impl Strategy<Value = Vec<Complaint>> {
    let one = (0u32..6, 0i64..60 * 24, prop::option::of(0usize..3), any::<bool>());
    prop::collection::vec(one, 0..60).prop_map(|rows| {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        rows.into_iter()
            .enumerate()
            .map(|(i, (customer, hours, channel, has_customer))| {
                let time: NaiveDateTime = start + Duration::hours(hours);
                Complaint {
                    row: i as u64 + 2,
                    time,
                    customer: has_customer.then(|| Key::of(customer as usize)),
                    channel: channel.map(Key::of),
                    order: None,
                    category: None,
                    segment: Arc::default(),
                    bucket_date: time.date(),
                    weight: 1,
                    counted: hours < 45 * 24,
                }
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn counting_invariants(complaints in complaints_strategy(), window in 0u32..10) {
        let contacts = link_contacts(&complaints, RepeatKey::Customer, window);
        let counted: Vec<usize> = (0..complaints.len()).filter(|&i| complaints[i].counted).collect();
        let repeats = counted.iter().filter(|&&i| contacts[i].repeat).count();
        let switches = counted.iter().filter(|&&i| contacts[i].switch).count();
        prop_assert!(switches <= repeats && repeats <= counted.len());
        for (i, c) in complaints.iter().enumerate() {
            if c.customer.is_none() { prop_assert!(!contacts[i].repeat); }
            if contacts[i].switch { prop_assert!(contacts[i].repeat); }
        }
        let channels = Keys::of_distinct(["web", "phone", "email"].into_iter());
        let s = summarise(&complaints, &channels, &contacts, window, None);
        let problems = counted.len() - repeats;
        prop_assert_eq!(s.complaints as usize, counted.len());
        prop_assert!(s.episodes as usize <= problems);
        prop_assert!(s.multi_contact <= s.episodes && s.switched <= s.episodes && s.digital_to_phone <= s.switched);
        prop_assert_eq!(s.observed + s.censored + s.without_key, s.complaints);
        prop_assert!(s.resolved_first_time <= s.observed);
    }

    #[test]
    fn period_table_is_independent_of_row_order(complaints in complaints_strategy(), seed in any::<u64>()) {
        let mut deliveries = std::collections::BTreeMap::new();
        deliveries.insert((NaiveDate::from_ymd_opt(2024, 1, 3).unwrap(), vec![]), 500u64);
        deliveries.insert((NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(), vec![]), 700u64);
        let table = |c: &[Complaint]| {
            let contacts = link_contacts(c, RepeatKey::Customer, 7);
            let spec = TableSpec { period: Period::Week, by: &[], chart: Chart::LaneyPPrime, mature_until: None, window: None, stages: &Stages::default() };
            build(&Sides { complaints: c, contacts: &contacts, given: None, deliveries: &deliveries, segment_deliveries: true, without_deliveries: None }, &spec)
        };
        let mut shuffled = complaints.clone();
        // A deterministic shuffle that keeps each row's number (file order is the tie-break).
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let a = table(&complaints).unwrap();
        let b = table(&shuffled).unwrap();
        prop_assert_eq!(&a.rows, &b.rows);
        for row in &a.rows {
            prop_assert_eq!(row.counts.problems() + row.counts.repeat_complaints, row.counts.complaints);
            for v in [row.counts.complaint_rate(), row.counts.repeat_rate(), row.counts.switch_rate()].into_iter().flatten() {
                prop_assert!(v.is_finite() && (0.0..=1000.0).contains(&v));
            }
            if let Some(l) = row.limits {
                prop_assert!(l.lcl.is_finite() && l.ucl.is_finite() && 0.0 <= l.lcl && l.lcl <= l.ucl && l.ucl <= 1.0);
            }
        }
    }

    #[test]
    fn wilson_is_inside_zero_one_and_contains_the_rate(n in 1u64..10_000_000, share in 0.0f64..=1.0) {
        let x = ((n as f64) * share) as u64;
        let (lo, hi) = wilson_interval(x, n, 1.959964).unwrap();
        let p = x as f64 / n as f64;
        prop_assert!(0.0 <= lo && lo <= p && p <= hi && hi <= 1.0);
    }

    #[test]
    fn limits_widen_as_n_shrinks(x in prop::collection::vec(0u64..50, 3..20), small in 100u64..1000) {
        let n: Vec<u64> = (0..x.len()).map(|i| if i == 0 { small } else { small * 10 }).collect();
        for chart in [Chart::P, Chart::LaneyPPrime] {
            if let Some(c) = control_chart(&x, &n, chart) {
                let half = |i: usize| c.limits[i].unwrap().ucl - c.p_bar;
                // Unclamped limits: the small period's half-width is the larger.
                if c.limits.iter().all(|l| l.unwrap().ucl < 1.0) {
                    prop_assert!(half(0) >= half(1) - 1e-15);
                }
            }
        }
    }

    #[test]
    fn funnel_dispersion_is_never_negative(units in prop::collection::vec((0u32..500, 1u32..5000), 2..40)) {
        let x: Vec<f64> = units.iter().map(|(a, b)| f64::from(*a.min(b))).collect();
        let n: Vec<f64> = units.iter().map(|(_, b)| f64::from(*b)).collect();
        if let Some(f) = funnel(&x, &n) {
            prop_assert!(f.phi >= 0.0 && f.tau2 >= 0.0 && f.phi.is_finite() && f.tau2.is_finite());
            for u in &f.units {
                prop_assert!(u.limits_998.0 <= u.limits_95.0 && u.limits_95.1 <= u.limits_998.1);
            }
        }
    }

    #[test]
    fn gini_is_between_zero_and_one(counts in prop::collection::vec(0u64..100, 1..200)) {
        if let (Some(g), Some(gg)) = (gini(&counts), generalized_gini(&counts)) {
            prop_assert!((-1e-12..=1.0 + 1e-12).contains(&g), "G = {}", g);
            prop_assert!(gg <= g + 1e-12 && gg <= 1.0 + 1e-12);
        }
    }
}
