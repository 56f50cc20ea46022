//! The README's commands must keep working: every `cargo run -- …` line in it
//! is run against the built binary, and the example output it shows is what
//! the first command prints (at 100 columns).

use assert_cmd::Command;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

fn commands(readme: &str) -> Vec<Vec<&str>> {
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("cargo run -- ").or_else(|| l.strip_prefix("cargo run -q -- ")))
        .map(|line| line.split('>').next().unwrap().split_whitespace().collect())
        .collect()
}

#[test]
fn readme_commands_run() {
    let readme = readme();
    let commands = commands(&readme);
    assert!(!commands.is_empty(), "the README shows how to run the tool");
    for args in commands {
        let out = Command::cargo_bin("complaint-rate").unwrap().args(&args).output().unwrap();
        assert!(out.status.success(), "README: {args:?}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("8000"), "{args:?}");
    }
}

#[test]
fn readme_example_is_the_real_output() {
    let readme = readme();
    let first = &commands(&readme)[0];
    let start = readme.find("the first command above prints").expect("the example's introduction");
    let block = &readme[start..];
    let begin = block.find("```text\n").expect("a text block") + "```text\n".len();
    let shown = &block[begin..begin + block[begin..].find("```").unwrap()];
    let out = Command::cargo_bin("complaint-rate")
        .unwrap()
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .args(first)
        .args(["--format", "table"])
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(shown.trim_end(), printed.trim_end(), "README example differs from the output at 100 columns");
}
