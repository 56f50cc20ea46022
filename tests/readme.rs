//! The README's commands must keep working: every `cargo run -- …` line in it
//! is run against the built binary.

use assert_cmd::Command;

#[test]
fn readme_commands_run() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let commands: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("cargo run -- ").or_else(|| l.strip_prefix("cargo run -q -- ")))
        .collect();
    assert!(!commands.is_empty(), "the README shows how to run the tool");
    for line in commands {
        let args: Vec<&str> = line.split('>').next().unwrap().split_whitespace().collect();
        let out = Command::cargo_bin("complaint-rate").unwrap().args(&args).output().unwrap();
        assert!(out.status.success(), "README: {line}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("8000")
                || String::from_utf8_lossy(&out.stdout).contains("8,000")
        );
    }
}
