//! One export, as a user would hand it over: the first byte chooses the file
//! kind and the read settings, the rest is the file. Everything the input
//! layer does to it must end in a value or an error, never a panic:
//! sniffing, decoding, the header, role detection, time-layout detection,
//! loading it as complaints and counting it as deliveries.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use complaint_rate::input::{DateRange, InputOptions, ReadSettings, Source, TableOptions, complaints};
use complaint_rate::metrics::deliveries;
use libfuzzer_sys::fuzz_target;

const EXTENSIONS: [&str; 4] = ["csv", "tsv", "txt", "ndjson"];

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("complaint-rate-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else { return };
    let path = scratch().join(format!("export.{}", EXTENSIONS[usize::from(choice & 3)]));
    std::fs::write(&path, body).expect("the scratch file is writable");
    let read = ReadSettings {
        delimiter: None,
        encoding: (choice & 4 != 0).then_some(encoding_rs::WINDOWS_1252),
        sheet: None,
    };
    let Ok(source) = Source::open(&path, &read) else { return };
    let table = TableOptions { read, dayfirst: (choice & 8 != 0).then_some(choice & 16 != 0), date_format: None };
    let options = InputOptions {
        overrides: Vec::new(),
        channels: Default::default(),
        tz: if choice & 32 != 0 { chrono_tz::Europe::Tallinn } else { chrono_tz::UTC },
        range: DateRange::default(),
        filters: Vec::new(),
        count_rows: choice & 128 != 0,
        complaints: table.clone(),
        deliveries: table,
    };
    // A segment column when asked for and the file has one.
    let by: Vec<String> = source.columns.iter().take(usize::from(choice & 64 != 0)).cloned().collect();
    let _ = complaints::load(&source, &options, &by);
    let _ = deliveries::count(&source, &options, &by);
});
