//! `--help` of every command, snapshot-tested so docs never drift. After a
//! deliberate change, refresh with: UPDATE_SNAPSHOTS=1 cargo test --test help

use assert_cmd::Command;

#[test]
fn help_texts_match_their_snapshots() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for command in [
        "",
        "report",
        "compare",
        "customers",
        "repeats",
        "categories",
        "inspect",
        "sql",
        "completions",
        "man",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let out =
            Command::cargo_bin("complaint-rate").unwrap().args(&args).env("COLUMNS", "100").output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let name = if command.is_empty() { "main" } else { command };
        let path = format!("{dir}/help-{name}.txt");
        if update {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
        if !command.is_empty() && !["completions", "man"].contains(&command) {
            assert!(text.contains("Examples:"), "{name} --help has no Examples section");
        }
    }
    assert!(
        stale.is_empty(),
        "help changed for {stale:?}: review, then UPDATE_SNAPSHOTS=1 cargo test --test help"
    );
}
