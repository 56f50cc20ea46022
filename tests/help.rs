//! `--help` of every command, snapshot-tested so docs never drift. After a
//! deliberate change, refresh with: UPDATE_SNAPSHOTS=1 cargo test --test help

mod common;

#[test]
fn help_texts_match_their_snapshots() {
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
        let out = common::tool().args(&args).env("COLUMNS", "100").output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let name = if command.is_empty() { "main" } else { command };
        if common::compare_snapshot(&format!("help-{name}.txt"), &text).is_err() {
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
