//! The checked-in fixtures are exactly what the generator makes, and the README's first
//! command works on them.

use crate::workdir::{Book, Workdir};
use dsr_scrub::testdata::{self, Options};
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn fixtures_match_the_generator() {
    let export = testdata::disabled_users(&Options::default());
    assert_eq!(
        fixture("disabled-users.xlsx"),
        export.to_xlsx(),
        "fixtures/disabled-users.xlsx is stale: run `cargo run --example gen_fixtures`"
    );
    assert_eq!(
        fixture("disabled-users.csv"),
        export.to_csv(),
        "fixtures/disabled-users.csv is stale"
    );
}

#[test]
fn the_readme_command_scrubs_the_sample() {
    let wd = Workdir::new();
    wd.write(
        "fixtures/disabled-users.xlsx",
        fixture("disabled-users.xlsx"),
    );
    let run = wd.run(&["scrub", "fixtures/disabled-users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stderr
            .contains("scrubbed 1 of 1 file(s) with profile systemuser"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("report: scrubbed"), "{}", run.stderr);
    Book::open(wd.read("scrubbed/disabled-users.xlsx"));
    assert!(wd.exists("scrubbed/disabled-users.changes.csv"));
    assert!(wd.exists("scrubbed/scrub-report.json"));
}
