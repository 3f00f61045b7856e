//! What an import cannot do: delete records. When a run deletes rows, it lists their records
//! in `<stem>.deletions.csv` (entity, record GUID, row, rule) and writes the same list as
//! Dataverse Web API `$batch` request bodies (`<stem>.deletions.batch`, one change set of at most
//! 1,000 `DELETE` requests per body, the most a batch may hold), to be sent by the admin. Record
//! GUIDs are not personal data; nothing else from the rows goes into these files.

use crate::report::FileReport;
use std::path::{Path, PathBuf};

/// Requests per `$batch` body (Dataverse's limit per batch).
pub const BATCH_LIMIT: usize = 1000;

/// The Web API path the requests name, relative to the organization URL.
pub const API_PATH: &str = "/api/data/v9.2";

/// One record to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The record GUID (empty when the file has none for the row).
    pub id: String,
    /// The spreadsheet row it came from.
    pub row: u32,
    /// The rule that deleted it.
    pub rule: String,
}

/// The Web API entity set name of an entity: Dataverse's default plural of the logical name
/// (`systemuser` → `systemusers`, `msdyn_flow_approval` → `msdyn_flow_approvals`). A table
/// created with a custom plural has another; `docs/erase-one-person.md` says how to check.
pub fn entity_set(logical: &str) -> String {
    let l = logical.to_ascii_lowercase();
    if let Some(stem) = l.strip_suffix('y') {
        if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) {
            return format!("{stem}ies");
        }
    }
    if l.ends_with('s') || l.ends_with('x') || l.ends_with("ch") || l.ends_with("sh") {
        return format!("{l}es");
    }
    format!("{l}s")
}

/// `<entity>,<record_id>,<row>,<rule>` lines with a header.
pub fn csv(entity: &str, records: &[Record]) -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut write = |fields: [&str; 4]| w.write_record(fields).expect("writing to memory");
    write(["entity", "record_id", "row", "rule"]);
    for r in records {
        write([entity, &r.id, &r.row.to_string(), &r.rule]);
    }
    w.into_inner().expect("flushing to memory")
}

/// The `$batch` request bodies deleting `ids` of `entity_set`: one body per 1,000 records, each
/// a single change set (so that a body succeeds or fails as a whole). Lines end in CRLF, as
/// multipart bodies must.
pub fn batches(entity_set: &str, ids: &[&str], boundary: &str) -> Vec<String> {
    ids.chunks(BATCH_LIMIT)
        .enumerate()
        .map(|(n, chunk)| {
            let batch = format!("batch_{boundary}_{}", n + 1);
            let changeset = format!("changeset_{boundary}_{}", n + 1);
            let mut body = format!(
                "--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"
            );
            for (i, id) in chunk.iter().enumerate() {
                body.push_str(&format!(
                    "--{changeset}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: {}\r\n\r\nDELETE {API_PATH}/{entity_set}({id}) HTTP/1.1\r\n\r\n",
                    i + 1
                ));
            }
            body.push_str(&format!("--{changeset}--\r\n--{batch}--\r\n"));
            body
        })
        .collect()
}

/// The record GUIDs of `records` to delete, each once (two rows of one record would put two
/// `DELETE`s of it in one change set, whose second fails and with it the whole set), braces
/// dropped; and how many records have no GUID.
fn record_ids(records: &[Record]) -> (Vec<&str>, usize) {
    let mut seen = std::collections::HashSet::new();
    let mut without = 0;
    let mut ids = Vec::new();
    for r in records {
        let id = r.id.trim().trim_start_matches('{').trim_end_matches('}');
        if !crate::dynamics::looks_like_guid(id) {
            without += 1;
        } else if seen.insert(id.to_ascii_lowercase()) {
            ids.push(id);
        }
    }
    (ids, without)
}

/// `<stem>` of a changes file `<stem>.changes.csv`.
fn stem_path(changes: &Path) -> PathBuf {
    let name = changes.to_string_lossy();
    PathBuf::from(
        name.strip_suffix(".changes.csv")
            .map_or_else(|| name.to_string(), str::to_string),
    )
}

/// Write the deletion list and `$batch` bodies of a scrubbed file whose report lists deleted
/// rows, beside its changes file; note them in the report. `entity` is the logical name from
/// the file's metadata (a CSV has none: the list is written, the `$batch` bodies are not).
///
/// # Errors
/// The I/O error of the file that could not be written.
pub fn write(
    changes: &Path,
    entity: Option<&str>,
    report: &mut FileReport,
    force: bool,
) -> Result<(), crate::error::Problem> {
    let records: Vec<Record> = report
        .sheets
        .iter()
        .flat_map(|s| &s.deleted_rows)
        .map(|d| Record {
            id: d.record_id.clone().unwrap_or_default(),
            row: d.row,
            rule: d.rule.clone(),
        })
        .collect();
    if records.is_empty() {
        return Ok(());
    }
    let stem = stem_path(changes);
    let path = |suffix: &str| PathBuf::from(format!("{}{suffix}", stem.display()));
    let problem = |p: &Path, e: std::io::Error| crate::error::WriteError::Io {
        path: p.to_path_buf(),
        kind: e.kind(),
    };
    let list = path(".deletions.csv");
    crate::staging::write_atomic(&list, &csv(entity.unwrap_or(""), &records), force)
        .map_err(|e| problem(&list, e))?;
    report.deletions = Some(list.display().to_string());
    let (ids, without) = record_ids(&records);
    report.deletions_without_id = without as u64;
    let Some(entity) = entity.filter(|_| !ids.is_empty()) else {
        return Ok(());
    };
    let bodies = batches(&entity_set(entity), &ids, &boundary(&ids));
    let many = bodies.len() > 1;
    for (n, body) in bodies.iter().enumerate() {
        let file = if many {
            path(&format!(".deletions-{:03}.batch", n + 1))
        } else {
            path(".deletions.batch")
        };
        crate::staging::write_atomic(&file, body.as_bytes(), force)
            .map_err(|e| problem(&file, e))?;
        report.deletion_batches.push(file.display().to_string());
    }
    Ok(())
}

/// The multipart boundary of the batches that delete `ids`: made of the ids alone (a digest
/// of them), never of the file's name, which may name the person; the same records give the
/// same files.
fn boundary(ids: &[&str]) -> String {
    let digest = crate::staging::sha256_hex(ids.join("\n").as_bytes());
    format!("dsrscrub_{}", &digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boundary depends on the records alone, not on the file they came from.
    #[test]
    fn the_boundary_is_made_of_the_records() {
        let a = ["3217a7c8-1ab4-eb11-8236-000d3aff3316"];
        let b = ["4217a7c8-1ab4-eb11-8236-000d3aff3316"];
        assert_eq!(boundary(&a), boundary(&a));
        assert_ne!(boundary(&a), boundary(&b));
        assert!(boundary(&a).starts_with("dsrscrub_"));
        assert!(boundary(&a)[9..].bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn entity_sets_are_default_plurals() {
        assert_eq!(entity_set("systemuser"), "systemusers");
        assert_eq!(entity_set("msdyn_flow_approval"), "msdyn_flow_approvals");
        assert_eq!(entity_set("activityparty"), "activityparties");
        assert_eq!(
            entity_set("msdyn_flow_approvalresponse"),
            "msdyn_flow_approvalresponses"
        );
        assert_eq!(entity_set("address"), "addresses");
    }

    #[test]
    fn a_record_is_deleted_once_however_many_rows_name_it() {
        let record = |id: &str, row| Record {
            id: id.into(),
            row,
            rule: "delete".into(),
        };
        let a = "3217a7c8-1ab4-eb11-8236-000d3aff3316";
        let records = [
            record(a, 2),
            record("", 3),
            record(&format!("{{{}}}", a.to_uppercase()), 4),
            record("4217a7c8-1ab4-eb11-8236-000d3aff3316", 5),
        ];
        let (ids, without) = record_ids(&records);
        assert_eq!(ids, [a, "4217a7c8-1ab4-eb11-8236-000d3aff3316"]);
        assert_eq!(without, 1);
    }

    #[test]
    fn batches_hold_at_most_1000_requests_in_one_change_set() {
        let ids: Vec<String> = (0..2500)
            .map(|i| format!("3217a7c8-1ab4-eb11-8236-{i:012x}"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let bodies = batches("systemusers", &refs, "b");
        assert_eq!(bodies.len(), 3);
        let mut seen = Vec::new();
        for body in &bodies {
            assert!(body.lines().all(|l| !l.ends_with('\r')) || body.contains("\r\n"));
            assert_eq!(body.matches("Content-Type: multipart/mixed").count(), 1);
            let deletes: Vec<&str> = body
                .split("\r\n")
                .filter_map(|l| l.strip_prefix("DELETE /api/data/v9.2/systemusers("))
                .map(|l| l.strip_suffix(") HTTP/1.1").unwrap())
                .collect();
            assert!(deletes.len() <= BATCH_LIMIT);
            seen.extend(deletes.iter().map(|s| s.to_string()));
        }
        assert_eq!(seen, ids);
    }
}
