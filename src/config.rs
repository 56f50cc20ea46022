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
//! [defaults]
//! period = "month"
//! by = ["region"]
//! window_days = 14
//! encoding = "windows-1257"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::cli::InputArgs;
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
}

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
}

/// The config named by `--config`, else `complaint-rate.toml` here if present.
pub fn load(explicit: Option<&Path>) -> Result<Option<(PathBuf, Config)>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => return Ok(None),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read the config file", path.display()))?;
    let config: Config = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim().replace('\n', " ")))?;
    Ok(Some((path, config)))
}

/// Fill `input` from the config where the command line did not set a flag
/// (`given(id)` says whether it did). Column mappings from the command line
/// come after the config's, so they win.
pub fn apply(
    path: &Path,
    config: &Config,
    input: &mut InputArgs,
    given: &dyn Fn(&str) -> bool,
) -> Result<()> {
    let shown = path.display();
    let mut overrides = Vec::new();
    for (table, roles) in &config.columns {
        for (role, column) in roles {
            let spec = format!("{table}.{role}={column}");
            let parsed: ColumnOverride =
                spec.parse().map_err(|e: String| anyhow::anyhow!("{shown}: [columns] {e}"))?;
            overrides.push(parsed);
        }
    }
    overrides.append(&mut input.columns);
    input.columns = overrides;
    for (from, to) in &config.channels {
        input.channel_aliases.push((from.clone(), to.clone()));
    }
    let d = &config.defaults;
    let parse_err = |key: &str, e: String| anyhow::anyhow!("{shown}: [defaults] {key}: {e}");
    macro_rules! fill {
        ($id:literal, $field:ident, $value:expr) => {
            if !given($id) {
                if let Some(v) = $value {
                    input.$field = v;
                }
            }
        };
    }
    fill!(
        "period",
        period,
        d.period.as_deref().map(str::parse).transpose().map_err(|e| parse_err("period", e))?
    );
    fill!("by", by, d.by.clone());
    fill!("window_days", window_days, d.window_days);
    fill!(
        "repeat_key",
        repeat_key,
        d.repeat_key.as_deref().map(str::parse).transpose().map_err(|e| parse_err("repeat_key", e))?
    );
    fill!(
        "attribute",
        attribute,
        d.attribute
            .as_deref()
            .map(crate::cli::parse_attribution)
            .transpose()
            .map_err(|e| parse_err("attribute", e))?
    );
    fill!("tz", tz, d.tz.clone());
    fill!("encoding", encoding, d.encoding.clone().map(Some));
    fill!(
        "delimiter",
        delimiter,
        d.delimiter
            .as_deref()
            .map(crate::cli::parse_delimiter)
            .transpose()
            .map_err(|e| parse_err("delimiter", e))?
            .map(Some)
    );
    fill!("dayfirst", dayfirst, d.dayfirst);
    fill!("date_format", date_format, d.date_format.clone().map(Some));
    fill!("channel_map", channel_map, d.channel_map.clone().map(Some));
    fill!("confidence", confidence, d.confidence);
    Ok(())
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
