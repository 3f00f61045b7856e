//! Personal data never reaches a report or a message.

use crate::workdir::{searchable, Workdir};
use dsr_scrub::testdata::{self, Options};

#[test]
fn reports_and_messages_hold_no_personal_value() {
    let export = testdata::disabled_users(&Options {
        rows: 150,
        formula_column: true,
        ..Options::default()
    });
    let personal = searchable(export.personal_values());
    assert!(
        personal.len() > 500,
        "the fixture has personal data to look for"
    );
    let wd = Workdir::new();
    wd.write("in/users.xlsx", export.to_xlsx());
    wd.write("in/users-copy.csv", export.to_csv());
    wd.write("in/broken.xlsx", &export.to_xlsx()[..4000]);
    wd.write("map.toml", "version = 1\n[columns]\nfullname = { action = \"pseudonymize\", as = \"name\", aliases = [\"Full Name\"] }\n\"Mobile Phone\" = { action = \"mask\", keep_last = 2 }\nDescription = { action = \"regex\", pattern = \"\\\\w+\", replace = \"x\" }\nemployeeid = { action = \"replace\", value = \"E-{row}\", aliases = [\"Employee\"] }\n");
    wd.write("k.key", "a key that is long enough to use");
    wd.write("leaky.toml", "version = 1\n[columns]\n\"First Name\" = \"clear\"\n\" Full Name\" = { action = \"mask\", keep_first = 8 }\n");
    let mut printed = String::new();
    for args in [
        &["scrub", "--allow-uncovered", "-v", "--out-dir", "a", "in"][..],
        &[
            "scrub",
            "--allow-uncovered",
            "-v",
            "--map",
            "map.toml",
            "--key-file",
            "k.key",
            "--out-dir",
            "b",
            "in",
        ],
        &["scrub", "--allow-uncovered", "-v", "--out-dir", "a", "in"],
        &[
            "scrub",
            "--allow-uncovered",
            "--map",
            "map.toml",
            "--out-dir",
            "c",
            "in",
        ],
        // verify: passing, and failing with every removed value still there (the input itself)
        &["verify", "in/users.xlsx", "a/users.xlsx"],
        &["verify", "in/users-copy.csv", "a/users-copy.csv"],
        &["verify", "in/users.xlsx", "in/users.xlsx"],
        &["verify", "in/users-copy.csv", "in/users-copy.csv"],
        &[
            "verify",
            "--map",
            "map.toml",
            "--key-file",
            "k.key",
            "in/users.xlsx",
            "in/users.xlsx",
        ],
        // scrub --verify refusing an output that leaks (a mask keeping most first names)
        &[
            "scrub",
            "--allow-uncovered",
            "--verify",
            "--map",
            "leaky.toml",
            "--out-dir",
            "d",
            "in",
        ],
    ] {
        printed.push_str(&wd.run(args).text());
    }
    assert!(
        printed.contains("leak: a value the map removed is still in")
            && printed.contains("--verify found"),
        "the failing runs ran: {printed}"
    );
    let mut texts = vec![("messages".to_string(), printed)];
    for f in wd.files() {
        if f.ends_with(".json") || f.ends_with(".changes.csv") {
            texts.push((f.clone(), String::from_utf8(wd.read(&f)).unwrap()));
        }
    }
    assert!(texts.len() >= 5, "reports were written: {:?}", wd.files());
    for (name, text) in &texts {
        let lower = text.to_lowercase();
        for value in &personal {
            assert!(
                !lower.contains(&value.to_lowercase()),
                "{name} contains a personal value"
            );
        }
        assert!(
            !text.contains("a key that is long"),
            "{name} contains the key"
        );
    }
}
