//! Data subjects: the people an erasure request is about (`--subject`, `--subjects FILE`).
//!
//! Maps refer to them as `in = "@subjects"` in row rules. A subjects file is either one value
//! per line, or (a `.csv` file) a CSV with a header row such as `name,email,guid`, in which
//! every non-empty field of every row is a value.

use std::path::Path;

/// Collect the subjects' values from the command line and an optional file; blank values are
/// dropped and duplicates removed, order kept.
///
/// # Errors
/// A one-line message naming the file when it cannot be read or parsed.
pub fn load(values: &[String], file: Option<&Path>) -> Result<Vec<String>, String> {
    let mut all: Vec<String> = values.to_vec();
    if let Some(path) = file {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "cannot read the subjects file '{}' ({})",
                path.display(),
                e.kind()
            )
        })?;
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
            .map_err(|_| {
                format!(
                    "the subjects file '{}' is not UTF-8 text; save it as UTF-8",
                    path.display()
                )
            })?;
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv {
            let mut reader = ::csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(text.as_bytes());
            for (i, record) in reader.records().enumerate() {
                let record = record.map_err(|_| {
                    format!(
                        "the subjects file '{}' cannot be parsed at row {}",
                        path.display(),
                        i + 2
                    )
                })?;
                all.extend(record.iter().map(str::to_string));
            }
        } else {
            all.extend(text.lines().map(str::to_string));
        }
    }
    let mut seen = std::collections::HashSet::new();
    Ok(all
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty() && seen.insert(crate::map::fold(v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_files_and_csv() {
        let dir = tempfile::tempdir().unwrap();
        let lines = dir.path().join("s.txt");
        std::fs::write(&lines, "Zoë Müller\n\n  zoe@contoso.com \n").unwrap();
        let csv = dir.path().join("s.csv");
        std::fs::write(&csv, "\u{feff}name,email,guid\nAoife Byrne,aoife@contoso.com,3217a7c8-1ab4-eb11-8236-000d3aff3315\n").unwrap();
        let got = load(&["ZOË MÜLLER".into()], Some(&lines)).unwrap();
        assert_eq!(got, ["ZOË MÜLLER", "zoe@contoso.com"]);
        let got = load(&[], Some(&csv)).unwrap();
        assert_eq!(
            got,
            [
                "Aoife Byrne",
                "aoife@contoso.com",
                "3217a7c8-1ab4-eb11-8236-000d3aff3315"
            ]
        );
        assert!(load(&[], Some(&dir.path().join("missing.txt")))
            .unwrap_err()
            .contains("missing.txt"));
    }
}
