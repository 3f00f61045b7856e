//! The documentation: the README is a short front door, and it and the pages of `docs/` link
//! to each other without a dead link (a missing page or a missing heading).

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The README, the CHANGELOG and every page of `docs/`.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md"), root().join("CHANGELOG.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("a docs folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A page's anchors and link targets, outside fenced code blocks and code spans.
fn scan(text: &str) -> (BTreeSet<String>, Vec<String>) {
    let link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let code = Regex::new(r"`[^`]*`").unwrap();
    let mut anchors = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut links = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        if let Some(heading) = line.strip_prefix('#') {
            let base = slug(heading.trim_start_matches('#'));
            // A repeated heading gets `-1`, `-2`, ... as on GitHub.
            let n = seen.entry(base.clone()).or_insert(0);
            anchors.insert(if *n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            });
            *n += 1;
        }
        let prose = code.replace_all(line, "");
        links.extend(link.captures_iter(&prose).map(|c| c[1].to_string()));
    }
    (anchors, links)
}

#[test]
fn headings_become_the_anchors_github_makes() {
    assert_eq!(
        slug(" A starter map: `--emit-map`"),
        "a-starter-map---emit-map"
    );
    assert_eq!(slug("Verify: prove the result"), "verify-prove-the-result");
    let (anchors, links) =
        scan("# Usage\n## Exit codes\n## Exit codes\n```\n# not a heading ](x.md)\n```\nsee [a](b.md#c) and `[d](e.md)`\n");
    assert_eq!(
        anchors.into_iter().collect::<Vec<_>>(),
        ["exit-codes", "exit-codes-1", "usage"]
    );
    assert_eq!(links, ["b.md#c"]);
}

#[test]
fn every_link_between_the_pages_resolves() {
    let pages = pages();
    let scanned: BTreeMap<PathBuf, (BTreeSet<String>, Vec<String>)> = pages
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.canonicalize().unwrap(), scan(&text))
        })
        .collect();
    let mut dead = Vec::new();
    let mut checked = 0;
    for (page, (anchors, links)) in &scanned {
        let dir = page.parent().unwrap();
        for target in links {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let name = page.file_name().unwrap().to_string_lossy();
            if file.is_empty() {
                if !anchor.is_some_and(|a| anchors.contains(a)) {
                    dead.push(format!("{name}: {target}"));
                }
                continue;
            }
            let Ok(path) = dir.join(file).canonicalize() else {
                dead.push(format!("{name}: {target} (no such file)"));
                continue;
            };
            if let Some(anchor) = anchor {
                let found = scanned
                    .get(&path)
                    .is_some_and(|(theirs, _)| theirs.contains(anchor));
                if !found {
                    dead.push(format!("{name}: {target} (no such heading)"));
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} links were checked");
    assert!(dead.is_empty(), "dead links:\n{}", dead.join("\n"));
}

#[test]
fn the_readme_is_a_front_door_to_every_page() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.len() <= 15_000,
        "the README is {} bytes: move reference material to docs/",
        readme.len()
    );
    // The two commands a newcomer runs, near the top.
    let top: String = readme.lines().take(30).collect::<Vec<_>>().join("\n");
    assert!(top.contains("cargo run --release -- scrub fixtures/disabled-users.xlsx"));
    assert!(top.contains("cargo test"));
    let (_, links) = scan(&readme);
    for page in pages().iter().skip(1) {
        let relative = page
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        assert!(
            links
                .iter()
                .any(|l| l.split('#').next() == Some(relative.as_str())),
            "the README does not link to {relative}"
        );
    }
    assert!(Path::new(&root().join("docs")).is_dir());
}
