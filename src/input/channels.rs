//! Channel spellings: `Phone call (incoming)` and `phone` are one channel.
//! Values are compared trimmed and case-folded; the config's `[channels]`
//! and `--channel-map FILE` (a CSV of `from,to`) merge spellings.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Result, anyhow, bail};

/// How channel values are compared: trimmed, lower case.
pub fn fold(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Folded spelling → channel, from the config's aliases, then the map file
/// (whose rows win).
pub fn spellings(
    aliases: &BTreeMap<String, String>,
    map_file: Option<&Path>,
) -> Result<HashMap<String, String>> {
    let mut map: HashMap<String, String> = aliases.iter().map(|(f, t)| (fold(f), fold(t))).collect();
    let Some(path) = map_file else {
        return Ok(map);
    };
    let shown = path.display();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| anyhow!("{shown}: cannot read the channel map: {e}"))?;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| anyhow!("{shown}: row {}: {e}", i + 1))?;
        if record.len() != 2 {
            bail!(
                "{shown}: row {} has {} fields; the channel map has two columns: from,to",
                i + 1,
                record.len()
            );
        }
        if i == 0 && fold(&record[0]) == "from" && fold(&record[1]) == "to" {
            continue;
        }
        map.insert(fold(&record[0]), fold(&record[1]));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_file_wins_over_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("map.csv");
        std::fs::write(&file, "from,to\nPhone call (incoming),Phone\nE-mail,email\n").unwrap();
        let aliases: BTreeMap<String, String> =
            [("phone call (incoming)".to_string(), "call".to_string())].into_iter().collect();
        let map = spellings(&aliases, Some(&file)).unwrap();
        assert_eq!(map["phone call (incoming)"], "phone");
        assert_eq!(map["e-mail"], "email");
        std::fs::write(&file, "a,b,c\n").unwrap();
        assert!(spellings(&aliases, Some(&file)).unwrap_err().to_string().contains("two columns"));
    }
}
