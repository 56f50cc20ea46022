//! Phases, a baseline and notes (docs/METHODS.md §4.9): where the process
//! or the export changed on a known date, the periods split into phases,
//! each with its own centre line and limits, and the verdict judges the
//! current phase alone (qicharts2's `part`, Minitab's stages); or the
//! centre line and limits come from a baseline, frozen and carried forward,
//! and the verdict compares the latest periods with it (qicharts2's
//! `freeze`, Minitab's historical estimates). Notes mark events on the
//! charts and change no number.

use std::str::FromStr;

use chrono::NaiveDate;

/// A declared phase: the periods that start on or after `date`, up to the
/// next phase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhaseStart {
    pub date: NaiveDate,
    pub label: Option<String>,
}

/// `--phase DATE` or `--phase DATE=LABEL`.
impl FromStr for PhaseStart {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (date, label) = match text.split_once('=') {
            Some((date, label)) => (date, Some(label.trim()).filter(|l| !l.is_empty()).map(str::to_string)),
            None => (text, None),
        };
        Ok(PhaseStart { date: date_of(date, "--phase")?, label })
    }
}

/// A note on the charts: an event on a day (`--note DATE=TEXT`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub date: NaiveDate,
    pub text: String,
}

impl FromStr for Note {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((date, note)) = text.split_once('=').filter(|(_, n)| !n.trim().is_empty()) else {
            return Err(format!("--note {text:?}: expected DATE=TEXT, e.g. 2025-03-01=\"Spring campaign\""));
        };
        Ok(Note { date: date_of(date, "--note")?, text: note.trim().to_string() })
    }
}

/// `--baseline FROM..TO`: the periods that start from FROM to TO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Baseline {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl FromStr for Baseline {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((from, to)) = text.split_once("..") else {
            return Err(format!("--baseline {text:?}: expected FROM..TO, e.g. 2024-01-01..2024-12-31"));
        };
        let (from, to) = (date_of(from, "--baseline")?, date_of(to, "--baseline")?);
        if from > to {
            return Err(format!("--baseline {text}: {from} is after {to}"));
        }
        Ok(Baseline { from, to })
    }
}

impl Baseline {
    pub fn contains(&self, period_start: NaiveDate) -> bool {
        (self.from..=self.to).contains(&period_start)
    }
}

fn date_of(text: &str, flag: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{flag}: {:?} is not a date (YYYY-MM-DD)", text.trim()))
}

/// How the periods are split for the limits and the verdict: the declared
/// phases (in date order), or a baseline; or neither (one phase).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stages {
    pub starts: Vec<PhaseStart>,
    pub baseline: Option<Baseline>,
}

impl Stages {
    /// Phases in date order (one phase per date); a baseline, or phases, not both.
    pub fn new(mut starts: Vec<PhaseStart>, baseline: Option<Baseline>) -> Result<Stages, String> {
        if baseline.is_some() && !starts.is_empty() {
            return Err("--baseline and --phase: use one (a baseline freezes the limits of every \
                        period; phases give each part its own)"
                .into());
        }
        starts.sort_by_key(|p| p.date);
        if let Some(twice) = starts.windows(2).find(|w| w[0].date == w[1].date) {
            return Err(format!("--phase {} is given twice", twice[0].date));
        }
        Ok(Stages { starts, baseline })
    }

    /// The phase of the period starting on `start`: 0 before the first
    /// declared date, k from the k-th on.
    pub fn phase_of(&self, start: NaiveDate) -> usize {
        self.starts.iter().take_while(|p| p.date <= start).count()
    }

    /// Phases are declared.
    pub fn phased(&self) -> bool {
        !self.starts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn flags_parse_and_refuse() {
        let p: PhaseStart = "2025-06-30=New courier".parse().unwrap();
        assert_eq!((p.date, p.label.as_deref()), (d("2025-06-30"), Some("New courier")));
        assert_eq!("2025-06-30".parse::<PhaseStart>().unwrap().label, None);
        assert!("30.06.2025".parse::<PhaseStart>().is_err());
        let n: Note = "2025-03-01=Spring campaign".parse().unwrap();
        assert_eq!(n.text, "Spring campaign");
        assert!("2025-03-01".parse::<Note>().is_err());
        let b: Baseline = "2024-01-01..2024-12-31".parse().unwrap();
        assert!(b.contains(d("2024-12-30")) && !b.contains(d("2025-01-06")));
        assert!("2024-12-31..2024-01-01".parse::<Baseline>().is_err());
        assert!(Stages::new(vec![p.clone()], Some(b)).is_err());
        assert!(Stages::new(vec![p.clone(), p], None).is_err());
    }

    #[test]
    fn a_period_belongs_to_the_last_phase_started_by_its_start() {
        let stages =
            Stages::new(vec!["2025-07-01".parse().unwrap(), "2025-01-06".parse().unwrap()], None).unwrap();
        assert_eq!(stages.starts[0].date, d("2025-01-06"));
        assert_eq!(stages.phase_of(d("2024-12-30")), 0);
        assert_eq!(stages.phase_of(d("2025-01-06")), 1);
        // The week of Monday 30 June starts before 1 July: still phase 1.
        assert_eq!(stages.phase_of(d("2025-06-30")), 1);
        assert_eq!(stages.phase_of(d("2025-07-07")), 2);
    }
}
