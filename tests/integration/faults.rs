//! Fault injection: a read-only output folder, a disk that fills up mid-write, a process killed
//! part-way through. Each time the input is untouched, the output is absent or complete, and no
//! temporary file is left behind.

use crate::workdir::{Book, Workdir};
use dsr_scrub::map::Map;
use dsr_scrub::pipeline::{self, Settings};
use dsr_scrub::report::Status;
use dsr_scrub::staging;
use dsr_scrub::testdata::{self, Options};
use std::path::Path;

fn export(rows: usize) -> testdata::Export {
    testdata::disabled_users(&Options {
        rows,
        ..Options::default()
    })
}

/// The `.dsr-scrub-*.tmp` files in `dir`.
fn temps(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".dsr-scrub-") && n.ends_with(".tmp"))
        .collect()
}

fn sha256(path: &Path) -> String {
    staging::sha256_hex(&std::fs::read(path).unwrap())
}

#[test]
fn read_only_output_folder() {
    let wd = Workdir::new();
    let input = wd.write("in/users.xlsx", export(5).to_xlsx());
    let before = sha256(&input);
    let out = wd.path("ro");
    std::fs::create_dir_all(&out).unwrap();
    let mut perms = std::fs::metadata(&out).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&out, perms.clone()).unwrap();
    // Root (and some Windows setups) may write into a read-only folder anyway.
    let probe = out.join("probe");
    let enforced = std::fs::write(&probe, b"x").is_err();
    let _ = std::fs::remove_file(&probe);
    let run = wd.run(&["scrub", "--out-dir", "ro", "in/users.xlsx"]);
    #[allow(clippy::permissions_set_readonly_false)]
    {
        perms.set_readonly(false);
        std::fs::set_permissions(&out, perms).unwrap();
    }
    assert_eq!(sha256(&input), before, "the input is never written");
    assert!(temps(&out).is_empty(), "{:?}", temps(&out));
    if !enforced {
        eprintln!("the folder is writable anyway (running as root?): skipping the failure checks");
        assert_eq!(run.code, 0, "{}", run.text());
        return;
    }
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr
            .contains("users.xlsx: cannot write the output 'ro/users.xlsx' (permission denied)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "cannot write the report 'ro/scrub-report.json' (permission denied); no scrubbed file was written either"
        ),
        "{}",
        run.stderr
    );
    assert!(!wd.exists("ro/users.xlsx"));
}

/// Scrub `name` in-process with the staged writer failing after `budget` bytes.
fn scrub_with_full_disk(name: &str, bytes: &[u8], budget: u64, rebuild: bool) {
    let wd = Workdir::new();
    let input = wd.write(&format!("in/{name}"), bytes);
    let out = wd.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let map = Map::parse(
        dsr_scrub::profiles::find("systemuser").unwrap().toml,
        "p",
        None,
    )
    .unwrap();
    let jobs = pipeline::plan_jobs(std::slice::from_ref(&input), &out).unwrap();
    let settings = Settings {
        rebuild,
        storage: staging::Storage::full_after(budget),
        ..Settings::default()
    };
    let report = pipeline::run_job(&map, &jobs[0], &settings);
    let what = format!("{name}, {budget} bytes, rebuild {rebuild}");
    assert_eq!(report.status, Status::Failed, "{what}");
    let error = report.error.unwrap();
    assert!(
        error.starts_with("cannot write the output") && error.contains("check free space"),
        "{what}: {error}"
    );
    assert_eq!(
        staging::sha256_hex(&std::fs::read(&input).unwrap()),
        staging::sha256_hex(bytes)
    );
    assert!(!jobs[0].output.exists(), "{what}: no output");
    assert!(!jobs[0].changes.exists(), "{what}: no changes file");
    assert!(temps(&out).is_empty(), "{what}: {:?}", temps(&out));
    // The same job with room to write succeeds.
    let report = pipeline::run_job(
        &map,
        &jobs[0],
        &Settings {
            rebuild,
            ..Settings::default()
        },
    );
    assert_eq!(report.status, Status::Ok, "{what}: {:?}", report.error);
}

#[test]
fn disk_full_mid_write() {
    // Enough rows that both the output and the changes file (one line per changed row) are
    // larger than the largest budget.
    let export = export(120);
    let xlsx = export.to_xlsx();
    let csv = export.to_csv();
    for budget in [0, 1, 100, 5_000] {
        scrub_with_full_disk("users.xlsx", &xlsx, budget, false);
        scrub_with_full_disk("users.csv", &csv, budget, false);
    }
    scrub_with_full_disk("users.xlsx", &xlsx, 3_000, true);
}

/// A leftover of a killed run (its process gone, older than this run) is removed; a temp file
/// of a process that is still running is not.
#[test]
fn stale_temporary_files_are_removed() {
    let wd = Workdir::new();
    wd.write("in/users.csv", export(3).to_csv());
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let stale = wd.write("scrubbed/.dsr-scrub-4999999-aBcDeF.tmp", b"half a work");
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let live_name = format!("scrubbed/.dsr-scrub-{}-xYz.tmp", std::process::id());
    let live = wd.write(&live_name, b"being written");
    std::fs::File::options()
        .write(true)
        .open(&live)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let run = wd.run(&["scrub", "in/users.csv"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stderr
            .contains("removed 1 temporary file(s) that an interrupted run left in 'scrubbed'"),
        "{}",
        run.stderr
    );
    assert!(!stale.exists());
    #[cfg(target_os = "linux")]
    assert!(live.exists(), "the temp file of a running process is kept");
}

/// SIGKILL while the output is being written: no partial output under the output's name, the
/// input untouched, and the next run removes the leftover temporary file.
#[cfg(unix)]
#[test]
fn killed_mid_write() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let wd = Workdir::new();
    // --verify keeps the staged file on disk while the output is checked, which widens the
    // window without a bigger input.
    let input = wd.write("in/users.xlsx", export(3_000).to_xlsx());
    let before = sha256(&input);
    let out = wd.path("scrubbed");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("dsr-scrub"))
        .current_dir(wd.path(""))
        .args(["scrub", "-q", "--verify", "in/users.xlsx"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut killed_while_staging = false;
    loop {
        if !temps(&out).is_empty() {
            child.kill().unwrap(); // SIGKILL
            killed_while_staging = true;
            break;
        }
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = child.kill();
    child.wait().unwrap();
    assert_eq!(sha256(&input), before, "the input is never written");
    if wd.exists("scrubbed/users.xlsx") {
        // Killed after the rename: the output is complete.
        Book::open(wd.read("scrubbed/users.xlsx"));
    }
    assert!(
        killed_while_staging,
        "the run ended before its temporary file could be seen; make the input bigger"
    );
    // The output and the changes file are staged at the same time: one or two are left.
    let left = temps(&out).len();
    assert!(left >= 1, "a killed process cannot clean up");
    let run = wd.run(&["scrub", "--force", "in/users.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stderr
            .contains(&format!("removed {left} temporary file(s)")),
        "{}",
        run.stderr
    );
    assert!(temps(&out).is_empty(), "{:?}", temps(&out));
    Book::open(wd.read("scrubbed/users.xlsx"));
    assert_eq!(sha256(&input), before);
}
