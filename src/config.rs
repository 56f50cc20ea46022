//! The config file (`--config FILE`, else `complaint-rate.toml` in the working
//! directory): column mappings, channel spellings and defaults for flags.
//! Unknown keys are errors; flags given on the command line win.
//!
//! ```toml
//! [columns]
//! complaints.customer = "Client ID"
//! deliveries.count = "Volume"
//!
//! [channels]
//! "Phone call (incoming)" = "phone"
//!
//! [[phase]]
//! start = "2021-01-01"
//! label = "New reporting"
//!
//! [[note]]
//! date = "2025-03-01"
//! text = "Spring campaign"
//!
//! [defaults]
//! period = "month"
//! by = ["region"]
//! window_days = 14
//! encoding = "windows-1257"
//! where = ["complaints.review_score<=2"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::input::ColumnOverride;

pub const DEFAULT_FILE: &str = "complaint-rate.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// table → role → column.
    #[serde(default)]
    pub columns: BTreeMap<String, BTreeMap<String, String>>,
    /// Channel spelling → channel.
    #[serde(default)]
    pub channels: BTreeMap<String, String>,
    #[serde(default)]
    pub defaults: Defaults,
    /// `report`'s phases, as `--phase` gives them.
    #[serde(default)]
    pub phase: Vec<ConfigPhase>,
    /// `report`'s chart notes, as `--note` gives them.
    #[serde(default)]
    pub note: Vec<ConfigNote>,
    /// Where it was read from (None: no config file).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// `[[phase]] start = "2021-01-01"` (and `label = "…"`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigPhase {
    pub start: String,
    pub label: Option<String>,
}

/// `[[note]] date = "2025-03-01"`, `text = "…"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigNote {
    pub date: String,
    pub text: String,
}

/// Defaults for flags, as written in the file; `cli` reads them with the
/// same parsers as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub period: Option<String>,
    pub by: Option<Vec<String>>,
    pub window_days: Option<u32>,
    pub repeat_key: Option<String>,
    pub attribute: Option<String>,
    pub tz: Option<String>,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub dayfirst: Option<bool>,
    pub date_format: Option<String>,
    pub channel_map: Option<PathBuf>,
    pub confidence: Option<f64>,
    /// `--memory-limit`, as `8G`.
    pub memory_limit: Option<String>,
    /// Row filters, as `--where` takes them.
    #[serde(rename = "where")]
    pub filters: Option<Vec<String>>,
}

impl Config {
    /// The config named by `--config`, else `complaint-rate.toml` here if
    /// present, else an empty one.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(Config::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read the config file", path.display()))?;
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim().replace('\n', " "))
        })?;
        config.path = Some(path);
        Ok(config)
    }

    /// The file's name for messages.
    pub fn shown(&self) -> String {
        self.path.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| DEFAULT_FILE.into())
    }

    /// The `[[phase]]` entries, as `--phase` gives them.
    pub fn phases(&self) -> Result<Vec<crate::phases::PhaseStart>> {
        self.phase
            .iter()
            .map(|p| {
                let spec = format!("{}={}", p.start, p.label.as_deref().unwrap_or_default());
                spec.parse().map_err(|e: String| anyhow::anyhow!("{}: [[phase]] {e}", self.shown()))
            })
            .collect()
    }

    /// The `[[note]]` entries, as `--note` gives them.
    pub fn notes(&self) -> Result<Vec<crate::phases::Note>> {
        self.note
            .iter()
            .map(|n| {
                format!("{}={}", n.date, n.text)
                    .parse()
                    .map_err(|e: String| anyhow::anyhow!("{}: [[note]] {e}", self.shown()))
            })
            .collect()
    }

    /// The `[columns]` mappings, as `--col` would give them.
    pub fn column_overrides(&self) -> Result<Vec<ColumnOverride>> {
        let mut overrides = Vec::new();
        for (table, roles) in &self.columns {
            for (role, column) in roles {
                let spec = format!("{table}.{role}={column}");
                let parsed: ColumnOverride =
                    spec.parse().map_err(|e: String| anyhow::anyhow!("{}: [columns] {e}", self.shown()))?;
                overrides.push(parsed);
            }
        }
        Ok(overrides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Config>("[defaults]\nperiod = \"month\"\n").is_ok());
        let err = toml::from_str::<Config>("[defaults]\nperoid = \"month\"\n").unwrap_err().to_string();
        assert!(err.contains("peroid"), "{err}");
        assert!(toml::from_str::<Config>("[colours]\n").is_err());
    }

    #[test]
    fn column_mappings_parse_as_dotted_keys() {
        let c: Config = toml::from_str("[columns]\ncomplaints.customer = \"Client ID\"\n").unwrap();
        assert_eq!(c.columns["complaints"]["customer"], "Client ID");
    }
}
