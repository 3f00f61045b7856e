//! Array formulas (legacy and dynamic) on a sheet the map leaves as it is: only their top-left
//! cell has the formula, the others hold its cached results, which can repeat removed names.
//! Both writers drop those results once anything changed (`--rebuild` writes the formula over
//! its range again), and `verify` counts a result left as a value as a leak.

use crate::package_clean::{decoded_parts, holds, readable};
use crate::workdir::{cell, libreoffice, libreoffice_sheet_csv, part_text, Book, Run, Workdir};
use calamine::Data;
use dsr_scrub::testdata::catalogue::{array_formula_sheet, Planted};

/// The `Calc` sheet's part, in the input and in both writers' outputs (the third sheet).
const CALC: &str = "xl/worksheets/sheet3.xml";

/// The built-in profile limited to the data sheet, so that `Calc` is kept as it is.
fn map() -> String {
    let profile = dsr_scrub::profiles::find("systemuser").unwrap().toml;
    let map = profile.replacen(
        "\nversion = 1\n",
        "\nversion = 1\nsheets = [\"Disabled Users\"]\n",
        1,
    );
    assert_ne!(map, profile);
    map
}

/// Scrub `planted` as `in/users.xlsx` with `map` and `flags`.
fn scrub(planted: &Planted, map: &str, flags: &[&str]) -> (Workdir, Run) {
    let wd = Workdir::new();
    wd.write("in/users.xlsx", &planted.xlsx);
    wd.write("map.toml", map);
    let mut args = vec!["scrub", "-q", "--map", "map.toml"];
    args.extend_from_slice(flags);
    args.push("in/users.xlsx");
    let run = wd.run(&args);
    (wd, run)
}

/// Which of `values` some part of `xlsx` still holds.
fn left_in(xlsx: &[u8], values: &[String]) -> Vec<String> {
    let parts = decoded_parts(xlsx);
    values
        .iter()
        .filter(|v| parts.iter().any(|(_, text)| holds(&readable(text), v)))
        .cloned()
        .collect()
}

fn verify(wd: &Workdir, flags: &[&str]) -> Run {
    let mut args = vec!["verify", "--map", "map.toml"];
    args.extend_from_slice(flags);
    args.extend(["in/users.xlsx", "scrubbed/users.xlsx"]);
    wd.run(&args)
}

/// The rebuilt `Calc` sheet holds the array formula over its range and no cached name, and no
/// part holds any of `gone`; read back, A3 and A4 hold no text; LibreOffice calculates the
/// names the data sheet has now.
fn assert_rebuilt_array(wd: &Workdir, gone: &[String]) {
    let output = wd.read("scrubbed/users.xlsx");
    assert_eq!(left_in(&output, gone), Vec::<String>::new());
    let calc = part_text(&output, CALC);
    assert!(
        calc.contains(r#"<f t="array" ref="A2:A4">'Disabled Users'!D2:D4</f>"#),
        "{calc}"
    );
    let mut book = Book::open(output);
    let (sheet, formulas) = (book.sheet("Calc").clone(), book.formulas("Calc"));
    assert_eq!(
        formulas.get_value((1, 0)).map(String::as_str),
        Some("'Disabled Users'!D2:D4")
    );
    for row in [2, 3] {
        assert!(
            !matches!(cell(&sheet, row, 0), Data::String(_)),
            "row {}: {:?}",
            row + 1,
            cell(&sheet, row, 0)
        );
        assert!(formulas.get_value((row, 0)).is_none_or(String::is_empty));
    }
    let names: Vec<String> = (1..4)
        .map(|r| cell(book.sheet("Disabled Users"), r, 3).to_string())
        .collect();
    if let Some(soffice) = libreoffice() {
        let csv = libreoffice_sheet_csv(
            &soffice,
            &wd.path("scrubbed/users.xlsx"),
            Some((3, "Calc")),
            wd,
        )
        .expect("LibreOffice converts the Calc sheet");
        let shown: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or(""))
            .collect();
        assert_eq!(shown, names, "{csv}");
    }
}

#[test]
fn rebuild_writes_an_array_formula_over_its_range_without_the_cached_names() {
    let planted = array_formula_sheet(false);
    let input_calc = part_text(&planted.xlsx, CALC);
    assert!(holds(&input_calc, &planted.values[1]), "{input_calc}");
    let (wd, run) = scrub(&planted, &map(), &["--rebuild"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_rebuilt_array(&wd, &planted.values);
    let run = verify(&wd, &[]);
    assert_eq!(run.code, 0, "{}", run.text());
    // One subject (the second row): their name and address go, the other rows stay.
    let gone = [planted.values[1].clone(), planted.values[3].clone()];
    let subject = ["--all-rows", "--subject", gone[0].as_str()];
    let flags = [&["--rebuild"][..], &subject].concat();
    let (wd, run) = scrub(&planted, &map(), &flags);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_rebuilt_array(&wd, &gone);
    let run = verify(&wd, &subject);
    assert_eq!(run.code, 0, "{}", run.text());
}

#[test]
fn rebuild_keeps_a_dynamic_array_formula_dynamic() {
    let planted = array_formula_sheet(true);
    let (wd, run) = scrub(&planted, &map(), &["--rebuild"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_rebuilt_array(&wd, &planted.values);
    let output = wd.read("scrubbed/users.xlsx");
    let calc = part_text(&output, CALC);
    assert!(
        calc.contains(r#"<c r="A2" cm="1"><f t="array" ref="A2:A4">"#),
        "{calc}"
    );
    assert!(
        part_text(&output, "xl/metadata.xml").contains("fDynamic=\"1\""),
        "the cell metadata that makes it dynamic"
    );
    let run = verify(&wd, &[]);
    assert_eq!(run.code, 0, "{}", run.text());
}

/// A map that only deletes rows changes no cell, yet a formula elsewhere may have cached a
/// deleted row's values: the rebuild drops cached results then too, as the lossless writer does.
#[test]
fn rebuild_drops_cached_results_when_the_map_only_deletes_rows() {
    let planted = array_formula_sheet(false);
    // Column actions limited to rows that no row matches: only the subject's row goes.
    let map = format!(
        "{}\n[[rows]]\nwhere = {{ column = \"fullname\", in = \"@subjects\" }}\naction = \"delete\"\n\n[[rows]]\nwhere = {{ column = \"fullname\", equals = \"nobody at all\" }}\naction = \"scrub\"\n",
        map()
    );
    // The second row: B2 caches its email address, A3 its name.
    let subject = planted.values[1].clone();
    for flags in [&[][..], &["--rebuild"][..]] {
        let mut flags = flags.to_vec();
        flags.extend(["--all-rows", "--subject", subject.as_str()]);
        let (wd, run) = scrub(&planted, &map, &flags);
        assert_eq!(run.code, 0, "{flags:?}: {}", run.text());
        let output = wd.read("scrubbed/users.xlsx");
        // One row fewer, and no cell changed.
        let book = Book::open(output.clone());
        let users = book.sheet("Disabled Users");
        assert_eq!(users.height(), 8, "{flags:?}");
        assert_eq!(cell(users, 1, 3), Data::String(planted.values[0].clone()));
        let deleted = [subject.clone(), planted.values[3].clone()];
        assert_eq!(
            left_in(&output, &deleted),
            Vec::<String>::new(),
            "{flags:?}"
        );
        let run = verify(&wd, &flags[flags.len() - 3..]);
        assert_eq!(run.code, 0, "{flags:?}: {}", run.text());
    }
}

/// An import-sized part that holds none of the changed rows still drops cached results: the
/// formulas of its other sheets may show a removed name.
#[test]
fn rebuild_drops_cached_results_in_a_part_whose_rows_did_not_change() {
    let planted = array_formula_sheet(false);
    // The second row's name and address: B2 caches the address, A2:A4 the name.
    let gone = [planted.values[1].clone(), planted.values[3].clone()];
    let flags = [
        "--rebuild",
        "--all-rows",
        "--max-part-rows",
        "4",
        "--subject",
        gone[0].as_str(),
    ];
    let (wd, run) = scrub(&planted, &map(), &flags);
    assert_eq!(run.code, 0, "{}", run.text());
    for part in [
        "scrubbed/users.part-001.xlsx",
        "scrubbed/users.part-002.xlsx",
    ] {
        let output = wd.read(part);
        assert_eq!(left_in(&output, &gone), Vec::<String>::new(), "{part}");
        assert!(part_text(&output, CALC).contains(r#"<f t="array" ref="A2:A4">"#));
    }
}

/// An output whose array formula became a plain one, its results cells of their own (a name
/// among them): `verify` names the cell, as a leak and as a changed formula.
#[test]
fn verify_finds_a_removed_name_left_as_an_array_result() {
    let planted = array_formula_sheet(false);
    let (wd, run) = scrub(&planted, &map(), &["--rebuild"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let name = &planted.values[1];
    let broken = dsr_scrub::testdata::edit_part(&wd.read("scrubbed/users.xlsx"), CALC, |xml| {
        let xml = xml.unwrap();
        let xml = xml.replacen(r#"<f t="array" ref="A2:A4">"#, "<f>", 1);
        xml.replacen(
            r#"<c r="A3"><v>0</v></c>"#,
            &format!(r#"<c r="A3" t="inlineStr"><is><t>{name}</t></is></c>"#),
            1,
        )
    });
    assert!(part_text(&broken, CALC).contains(name.as_str()));
    wd.write("scrubbed/users.xlsx", &broken);
    let run = verify(&wd, &[]);
    assert_eq!(run.code, 3, "{}", run.text());
    let text = run.text();
    assert!(
        text.contains("sheet 'Calc', cell A3")
            && text.contains("the cached value of the cell's formula"),
        "{text}"
    );
    assert!(
        text.contains("sheet 'Calc', cell A2")
            && text.contains("its formula differs from the original"),
        "{text}"
    );
    assert!(!text.contains(name.as_str()), "{text}");
}

/// The lossless writer drops the cached results of an array formula whose range ends the
/// sheet: its last rows are then empty to a reader, and `verify` still counts them.
#[test]
fn verify_accepts_array_results_dropped_from_the_last_rows() {
    let planted = array_formula_sheet(false);
    let (wd, run) = scrub(&planted, &map(), &[]);
    assert_eq!(run.code, 0, "{}", run.text());
    let output = wd.read("scrubbed/users.xlsx");
    assert_eq!(left_in(&output, &planted.values), Vec::<String>::new());
    let calc = Book::open(output).sheet("Calc").clone();
    assert!(
        calc.end().is_some_and(|(r, _)| r < 2),
        "A3 and A4 read as empty"
    );
    let run = verify(&wd, &[]);
    assert_eq!(run.code, 0, "{}", run.text());
}
