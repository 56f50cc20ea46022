//! Time-layout detection and parsing on arbitrary text: one sample per line;
//! the first byte chooses day-first and the time zone, and (bit 2) makes the
//! first line a user's `--date-format`.
#![no_main]

use complaint_rate::input::time::{TimeParser, plausible_year};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(body) else { return };
    let mut lines: Vec<&str> = text.lines().collect();
    let custom = if choice & 4 != 0 && !lines.is_empty() { Some(lines.remove(0)) } else { None };
    let dayfirst = (choice & 1 != 0).then_some(choice & 2 != 0);
    let tz = if choice & 8 != 0 { chrono_tz::America::New_York } else { chrono_tz::UTC };
    if let Ok(parser) = TimeParser::detect(&lines, dayfirst, custom, tz) {
        let _ = parser.layout.describe();
        for line in &lines {
            if let Some(t) = parser.parse(line) {
                let _ = plausible_year(t);
            }
        }
    }
});
