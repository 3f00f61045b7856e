//! The library's top-level modules depend one way: each may use only modules of the layers below
//! its own, so data flows read → plan → apply → write → report, with the commands on top and no
//! module reaching back. The edges are the `crate::X` paths of each module's files (outside its
//! `#[cfg(test)]` modules, which may use anything); a `pub use` does not hide an edge, as the
//! module re-exporting names the other.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use the modules of lower layers only; two modules of
/// one layer do not use each other.
const LAYERS: &[&[&str]] = &[
    // A1 references to cells, columns and ranges, which the errors name too.
    &["a1"],
    // What every layer shares: the errors, and text for people (numbers, dates, messages).
    &["error"],
    &["text"],
    // What a Dynamics export holds besides its data (metadata, validations, value shapes); the
    // kinds of input; CSV dialects and the decoding of a CSV's text.
    &["dynamics", "input", "dialect"],
    // The data model: a workbook of sheets, its layout and its format.
    &["workbook"],
    // The people an erasure names, and the actions a map can apply to a cell.
    &["subjects"],
    &["actions"],
    // The map, the built-in maps, and the map resolved against a file (the plan).
    &["map"],
    &["profiles", "plan"],
    // What apply and the writers search for as they go: the removed values' index, and which
    // values and columns the leak sweep looks at.
    &["needles"],
    // Apply: the plan run over the rows; the parts a large output is split into; what the
    // detector calls personal, and which personal columns a map leaves uncovered.
    &["apply"],
    &["split", "inspect"],
    &["coverage"],
    // Write: the changes file (written during the pass); the formats' readers and writers; the
    // check of an output; staged output.
    &["changes"],
    &["xlsx", "csv"],
    &["verify", "staging"],
    // Report: the run report, its preview, the lists of records to delete.
    &["report"],
    &["preview", "deletions"],
    // The run, the command line's definition, and the commands on top.
    &["pipeline", "cli"],
    &["cmd"],
    // Test, fuzz and bench scaffolding (the `testkit` feature).
    &["testdata", "fuzzing", "floor"],
];

/// Edges allowed to point up (or across a layer) for now, each `(from, to)`: a move done in
/// steps may list the edge it is removing, so that the check stays green in between. No other
/// edge may point up.
const PENDING: &[(&str, &str)] = &[];

/// A top-level module's name and the text of each of its files (path relative to `src/`).
type Sources = BTreeMap<String, Vec<(String, String)>>;

/// Which top-level modules each module uses, with the files that use them.
type Edges = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every top-level module of `src/` (but the crate root and the binary) and its files.
fn sources(root: &Path) -> Sources {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut modules = Sources::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let files = modules.entry(name.clone()).or_default();
        if path.is_dir() {
            walk(&path, root, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            files.push((rel, std::fs::read_to_string(&path).unwrap()));
        }
    }
    modules.retain(|name, files| !files.is_empty() && name != "lib" && name != "main");
    modules
}

/// Where the item that starts at `open` (a `{`) ends: just past its matching `}`. Braces in
/// strings, character literals and comments do not count.
fn block_end(s: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < s.len() {
        match s[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'/' if s.get(i + 1) == Some(&b'/') => {
                while i < s.len() && s[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if s.get(i + 1) == Some(&b'*') => {
                let mut nested = 0usize;
                while i < s.len() {
                    if s[i..].starts_with(b"/*") {
                        nested += 1;
                        i += 1;
                    } else if s[i..].starts_with(b"*/") {
                        nested -= 1;
                        i += 1;
                        if nested == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            b'r' if matches!(s.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(s[i - 1].is_ascii_alphanumeric() || s[i - 1] == b'_')) =>
            {
                let hashes = s[i + 1..].iter().take_while(|&&b| b == b'#').count();
                if s.get(i + 1 + hashes) == Some(&b'"') {
                    let close: Vec<u8> = std::iter::once(b'"')
                        .chain(std::iter::repeat_n(b'#', hashes))
                        .collect();
                    i += 2 + hashes;
                    while i < s.len() && !s[i..].starts_with(&close) {
                        i += 1;
                    }
                    i += close.len() - 1;
                }
            }
            b'"' => {
                i += 1;
                while i < s.len() && s[i] != b'"' {
                    if s[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            // A character literal ('{', '\'', '\u{7b}'); a lifetime ('a) has no closing quote.
            b'\'' => {
                if s.get(i + 1) == Some(&b'\\') {
                    i += 3;
                    while i < s.len() && s[i] != b'\'' {
                        i += 1;
                    }
                } else {
                    let width = std::str::from_utf8(&s[i + 1..(i + 5).min(s.len())])
                        .ok()
                        .or_else(|| std::str::from_utf8(&s[i + 1..]).ok())
                        .and_then(|t| t.chars().next())
                        .map_or(1, char::len_utf8);
                    if s.get(i + 1 + width) == Some(&b'\'') {
                        i += 1 + width;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    s.len()
}

/// The source without its `#[cfg(test)] mod NAME { ... }` blocks.
fn outside_tests(text: &str) -> String {
    let test_mod = Regex::new(
        r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{",
    )
    .unwrap();
    let mut out = String::new();
    let mut at = 0;
    while let Some(m) = test_mod.find_at(text, at) {
        out.push_str(&text[at..m.start()]);
        at = block_end(text.as_bytes(), m.end() - 1);
    }
    out.push_str(&text[at..]);
    out
}

/// The top-level modules a file's code names through `crate::`: `crate::a::b`, and each path
/// of a `use crate::{a, b::{c, d}}` group.
fn used_modules(text: &str) -> BTreeSet<String> {
    let code = outside_tests(text);
    let mut used = BTreeSet::new();
    let path = Regex::new(r"\bcrate::(\w+)").unwrap();
    for c in path.captures_iter(&code) {
        used.insert(c[1].to_string());
    }
    let group = Regex::new(r"\bcrate::\{").unwrap();
    for m in group.find_iter(&code) {
        let end = block_end(code.as_bytes(), m.end() - 1);
        let inner = &code[m.end()..end - 1];
        // Split at the group's own commas, not those of nested groups.
        let mut depth = 0;
        let mut start = 0;
        for (i, b) in inner.bytes().enumerate().chain([(inner.len(), b',')]) {
            match b {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                b',' if depth == 0 => {
                    let part = inner[start..i].trim();
                    let head = part.split("::").next().unwrap_or("").trim();
                    if !head.is_empty() && head != "self" {
                        used.insert(head.to_string());
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
    }
    used
}

/// The edges between the modules of `sources`.
fn edges(sources: &Sources) -> Edges {
    let mut edges = Edges::new();
    for (module, files) in sources {
        for (path, text) in files {
            for used in used_modules(text) {
                if used != *module && sources.contains_key(&used) {
                    edges
                        .entry(module.clone())
                        .or_default()
                        .entry(used)
                        .or_default()
                        .insert(path.clone());
                }
            }
        }
    }
    edges
}

/// The groups of modules that reach each other (strongly connected components of two or more).
fn cycles(edges: &Edges) -> Vec<BTreeSet<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for next in edges.get(&m).into_iter().flat_map(BTreeMap::keys) {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|m| (m, reach(m))).collect();
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for (m, from_m) in &reached {
        if !from_m.contains(*m) || found.iter().any(|c| c.contains(*m)) {
            continue;
        }
        let cycle: BTreeSet<String> = from_m
            .iter()
            .filter(|n| reached.get(n).is_some_and(|r| r.contains(*m)))
            .cloned()
            .collect();
        found.push(cycle);
    }
    found
}

/// The shortest chain of edges from `from` to `to` (both included), if there is one.
fn path(edges: &Edges, from: &str, to: &str) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<String, String> = BTreeMap::new();
    let mut todo = std::collections::VecDeque::from([from.to_string()]);
    while let Some(m) = todo.pop_front() {
        if m == to {
            let mut chain = vec![m.clone()];
            while let Some(before) = came_from.get(chain.last().unwrap()) {
                chain.push(before.clone());
            }
            chain.reverse();
            return Some(chain);
        }
        for next in edges.get(&m).into_iter().flat_map(BTreeMap::keys) {
            if next != from && !came_from.contains_key(next) {
                came_from.insert(next.clone(), m.clone());
                todo.push_back(next.clone());
            }
        }
    }
    None
}

/// What is wrong with the modules' edges under `layers`, one line each; empty when nothing is.
fn violations(sources: &Sources, layers: &[&[&str]], pending: &[(&str, &str)]) -> Vec<String> {
    let layer_of: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, layer)| layer.iter().map(move |m| (*m, i)))
        .collect();
    let mut problems = Vec::new();
    for module in sources.keys() {
        if !layer_of.contains_key(module.as_str()) {
            problems.push(format!(
                "module `{module}` is in no layer: add it to LAYERS"
            ));
        }
    }
    for module in layers.iter().flat_map(|layer| layer.iter()) {
        if !sources.contains_key(*module) {
            problems.push(format!(
                "LAYERS names `{module}`, which is no module of src/: take it off"
            ));
        }
    }
    let mut edges = edges(sources);
    for (from, to) in pending {
        if !edges.get(*from).is_some_and(|uses| uses.contains_key(*to)) {
            problems.push(format!(
                "the pending edge {from} -> {to} is gone: take it off PENDING"
            ));
        }
    }
    for (from, to) in pending {
        if let Some(uses) = edges.get_mut(*from) {
            uses.remove(*to);
        }
    }
    // Each edge that does not point down, and the cycle it closes, if any.
    let mut upward = Vec::new();
    for (from, uses) in &edges {
        for (to, files) in uses {
            let (Some(&low), Some(&high)) =
                (layer_of.get(to.as_str()), layer_of.get(from.as_str()))
            else {
                continue;
            };
            if low < high {
                continue;
            }
            upward.push((from.clone(), to.clone()));
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            let closes = match path(&edges, to, from) {
                Some(back) => format!("; it closes the cycle {from} -> {}", back.join(" -> ")),
                None => String::new(),
            };
            problems.push(format!(
                "`{from}` (layer {high}) uses `{to}` (layer {low}), which is not below it, in {}{closes}",
                files.join(", ")
            ));
        }
    }
    // Without those, a cycle can only run through a module that is in no layer.
    for (from, to) in &upward {
        edges.get_mut(from).map(|uses| uses.remove(to));
    }
    for cycle in cycles(&edges) {
        let mut closing = Vec::new();
        for from in &cycle {
            for (to, files) in &edges[from] {
                if cycle.contains(to) {
                    let files: Vec<&str> = files.iter().map(String::as_str).collect();
                    closing.push(format!("{from} -> {to} ({})", files.join(", ")));
                }
            }
        }
        let names: Vec<&str> = cycle.iter().map(String::as_str).collect();
        problems.push(format!(
            "cycle among {}: {}",
            names.join(", "),
            closing.join("; ")
        ));
    }
    problems
}

#[test]
fn modules_depend_one_way() {
    let problems = violations(&sources(&src()), LAYERS, PENDING);
    assert!(
        problems.is_empty(),
        "the modules of src/ do not depend one way:\n  {}",
        problems.join("\n  ")
    );
}

fn synthetic(files: &[(&str, &str, &str)]) -> Sources {
    let mut sources = Sources::new();
    for (module, path, text) in files {
        sources
            .entry(module.to_string())
            .or_default()
            .push((path.to_string(), text.to_string()));
    }
    sources
}

#[test]
fn the_check_names_a_cycle_and_the_files_that_close_it() {
    let sources = synthetic(&[
        ("read", "read.rs", "use crate::model::Book;\n"),
        (
            "model",
            "model/mod.rs",
            "pub fn f() -> crate::error::E { todo!() }\n",
        ),
        // A group over several lines, nested: `write` and (back up) `report`.
        (
            "model",
            "model/cells.rs",
            "use crate::{\n    error::E,\n    write::{a, b},\n};\n",
        ),
        (
            "write",
            "write.rs",
            "use crate::{report::{self, R}, model};\n",
        ),
        ("report", "report.rs", "use crate::read;\n"),
        ("error", "error.rs", ""),
    ]);
    let layers: &[&[&str]] = &[&["error"], &["model"], &["read"], &["write"], &["report"]];
    let problems = violations(&sources, layers, &[]);
    assert_eq!(
        problems,
        [
            "`model` (layer 1) uses `write` (layer 3), which is not below it, in model/cells.rs; \
             it closes the cycle model -> write -> model",
            "`write` (layer 3) uses `report` (layer 4), which is not below it, in write.rs; \
             it closes the cycle write -> report -> read -> model -> write",
        ]
    );
    // Pending edges are let through; any other is still named.
    let problems = violations(&sources, layers, &[("model", "write")]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("`write` (layer 3) uses `report`"));
    let pending = [("model", "write"), ("write", "report")];
    assert_eq!(violations(&sources, layers, &pending), Vec::<String>::new());
}

#[test]
fn the_check_names_a_cycle_through_a_module_in_no_layer() {
    let sources = synthetic(&[
        ("a", "a/mod.rs", "use crate::b::X;\n"),
        ("b", "b.rs", "pub fn f() { crate::a::g() }\n"),
    ]);
    assert_eq!(
        violations(&sources, &[&["a"]], &[]),
        [
            "module `b` is in no layer: add it to LAYERS",
            "cycle among a, b: a -> b (a/mod.rs); b -> a (b.rs)",
        ]
    );
}

#[test]
fn the_check_ignores_tests_and_text() {
    let sources = synthetic(&[
        (
            "low",
            "low.rs",
            "fn f() { let s = \"}\"; let c = '{'; }\n\
             #[cfg(test)]\nmod tests {\n    use crate::high;\n    const B: char = '}';\n}\n\
             pub fn g<'a>(x: &'a str) -> &'a str { x }\n",
        ),
        ("high", "high.rs", "use crate::low;\n"),
    ]);
    let layers: &[&[&str]] = &[&["low"], &["high"]];
    assert_eq!(violations(&sources, layers, &[]), Vec::<String>::new());
    // Code after the test module is still read.
    let sources = synthetic(&[
        (
            "low",
            "low.rs",
            "#[cfg(test)]\nmod tests {\n    fn f() { let s = r#\"{\"#; }\n}\nuse crate::high::X;\n",
        ),
        ("high", "high.rs", ""),
    ]);
    let problems = violations(&sources, layers, &[]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("`low` (layer 0) uses `high`"),
        "{problems:?}"
    );
}

#[test]
fn every_module_has_a_layer() {
    let sources = synthetic(&[("stray", "stray.rs", ""), ("error", "error.rs", "")]);
    let problems = violations(&sources, &[&["error"]], &[]);
    assert_eq!(
        problems,
        ["module `stray` is in no layer: add it to LAYERS"]
    );
    // Nor may the layers or the pending edges name what is not there.
    let problems = violations(
        &sources,
        &[&["error", "gone"], &["stray"]],
        &[("stray", "error")],
    );
    assert_eq!(
        problems,
        [
            "LAYERS names `gone`, which is no module of src/: take it off",
            "the pending edge stray -> error is gone: take it off PENDING"
        ]
    );
}
