//! A temporary folder per test, with helpers to write inputs, run `dsr-scrub` and read results.

use calamine::{open_workbook_from_rs, Data, Range, Reader, SheetVisible, Xlsx};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Output;

pub struct Workdir {
    dir: tempfile::TempDir,
}

/// What a run printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The lines of stderr that tell a file failed.
    pub fn failed(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains("FAILED"))
            .collect()
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// Run `dsr-scrub ARGS` in this folder, without a key in the environment.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = assert_cmd::Command::cargo_bin("dsr-scrub").unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("DSR_SCRUB_KEY")
            .args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().unwrap())
    }

    /// `scrub --out-dir out in` with `flags`, where `files` of the inputs must fail (exit 1):
    /// their FAILED lines, each to check, and the whole text of the run (stdout and stderr),
    /// which must not hold any value the lines must not name.
    pub fn scrub_failing(&self, flags: &[&str], files: usize) -> (Vec<String>, String) {
        let args: Vec<&str> = ["scrub", "--out-dir", "out"]
            .into_iter()
            .chain(flags.iter().copied())
            .chain(["in"])
            .collect();
        let run = self.run(&args);
        let text = run.text();
        assert_eq!(run.code, 1, "{flags:?}: {text}");
        let failed: Vec<String> = text
            .lines()
            .filter(|l| l.contains("FAILED"))
            .map(str::to_string)
            .collect();
        assert_eq!(failed.len(), files, "{flags:?}: {text}");
        (failed, text)
    }

    /// Every file below the folder, relative, sorted.
    pub fn files(&self) -> Vec<String> {
        fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(base, &p, out);
                } else {
                    out.push(
                        p.strip_prefix(base)
                            .unwrap()
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                }
            }
        }
        let mut out = Vec::new();
        walk(self.dir.path(), self.dir.path(), &mut out);
        out.sort();
        out
    }
}

/// A workbook read back with calamine.
pub struct Book {
    pub sheets: Vec<(String, SheetVisible, Range<Data>)>,
    xlsx: Xlsx<Cursor<Vec<u8>>>,
}

impl Book {
    pub fn open(bytes: Vec<u8>) -> Book {
        let mut xlsx: Xlsx<_> =
            open_workbook_from_rs(Cursor::new(bytes)).expect("calamine opens it");
        let meta = xlsx.sheets_metadata().to_vec();
        let sheets = meta
            .into_iter()
            .map(|m| {
                let range = xlsx.worksheet_range(&m.name).expect("sheet reads");
                (m.name, m.visible, range)
            })
            .collect();
        Book { sheets, xlsx }
    }

    pub fn sheet(&self, name: &str) -> &Range<Data> {
        &self
            .sheets
            .iter()
            .find(|s| s.0 == name)
            .unwrap_or_else(|| panic!("no sheet {name}"))
            .2
    }

    pub fn formulas(&mut self, name: &str) -> Range<String> {
        self.xlsx.worksheet_formula(name).expect("formulas read")
    }
}

/// The cell at absolute (row, col), Empty outside the range.
pub fn cell(range: &Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

/// Whether LibreOffice is installed; in CI it must be.
pub fn libreoffice() -> Option<PathBuf> {
    let found = ["soffice", "libreoffice"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "LibreOffice must be installed in CI (.ci/run installs it)"
        );
        eprintln!("LibreOffice not installed: skipping the LibreOffice check");
    }
    found
}

/// Convert the first sheet of an xlsx to CSV with LibreOffice headless; `None` if it could not.
pub fn libreoffice_csv(soffice: &Path, xlsx: &Path, work: &Workdir) -> Option<String> {
    libreoffice_sheet_csv(soffice, xlsx, None, work)
}

/// [`libreoffice_csv`] of the first sheet, or of sheet `(number, name)` (numbered from 1), as
/// LibreOffice calculates it.
pub fn libreoffice_sheet_csv(
    soffice: &Path,
    xlsx: &Path,
    sheet: Option<(u32, &str)>,
    work: &Workdir,
) -> Option<String> {
    let out = work.path("lo-out");
    // The filter's 12th option picks the sheet; the file is then named after it.
    let (options, file) = match sheet {
        None => (
            "44,34,76".to_string(),
            xlsx.with_extension("csv").file_name().unwrap().to_owned(),
        ),
        Some((number, name)) => (
            format!("44,34,76,1,,0,false,true,false,false,false,{number}"),
            format!("{}-{name}.csv", xlsx.file_stem().unwrap().to_string_lossy()).into(),
        ),
    };
    let profile = work.path("lo-profile");
    let status = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            &format!("csv:Text - txt - csv (StarCalc):{options}"),
            "--outdir",
        ])
        .arg(&out)
        .arg(xlsx)
        .output()
        .expect("LibreOffice runs");
    assert!(
        status.status.success(),
        "LibreOffice failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    std::fs::read_to_string(out.join(file)).ok()
}

pub use dsr_scrub::testdata::{edit_part, part_text, set_part};

/// Replace exactly one occurrence of `from` in `text`.
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "expected {from:?} once in the part"
    );
    text.replacen(from, to, 1)
}

/// The `ref` of `xl/tables/table1.xml`, checking that its autofilter covers the same range.
pub fn table_ref(xlsx: &[u8]) -> String {
    let xml = part_text(xlsx, "xl/tables/table1.xml");
    let table = regex::Regex::new(r#"<table [^>]*ref="([^"]+)""#).unwrap();
    let filter = regex::Regex::new(r#"<autoFilter ref="([^"]+)""#).unwrap();
    let table = table.captures(&xml).unwrap()[1].to_string();
    assert_eq!(
        filter.captures(&xml).unwrap()[1],
        table,
        "autofilter matches the table"
    );
    table
}

/// A value worth searching outputs for: with a letter in it and at least 4 characters, so that
/// row numbers, counts and hex digests cannot match by chance.
pub fn is_searchable(value: &str) -> bool {
    value.chars().count() >= 4 && value.chars().any(char::is_alphabetic)
}

/// The values of `values` worth searching for (see [`is_searchable`]).
pub fn searchable(values: Vec<String>) -> Vec<String> {
    values.into_iter().filter(|v| is_searchable(v)).collect()
}

/// `csv` (UTF-8, with or without a BOM, comma-separated) with one more column at its end, headed
/// `header`, each record's value `value`; written with `delimiter` and CRLF line ends.
pub fn with_csv_column(csv: &[u8], header: &str, value: &str, delimiter: u8) -> Vec<u8> {
    let bom = csv.starts_with(b"\xEF\xBB\xBF");
    let mut out = if bom {
        b"\xEF\xBB\xBF".to_vec()
    } else {
        Vec::new()
    };
    {
        let mut writer = ::csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        let records = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&csv[if bom { 3 } else { 0 }..])
            .into_records();
        for (i, record) in records.enumerate() {
            let mut record = record.unwrap();
            record.push_field(if i == 0 { header } else { value });
            writer.write_record(&record).unwrap();
        }
        writer.flush().unwrap();
    }
    out
}
