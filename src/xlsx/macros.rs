//! Parts the lossless writer keeps as they are although they are no worksheet: the VBA project of
//! a macro-enabled workbook (`.xlsm`) and chart sheets.
//!
//! A chart sheet holds no cells, so nothing in it is scrubbed; it is copied byte for byte. The
//! VBA project (`xl/vbaProject.bin`) is a binary part that dsr-scrub cannot rewrite: it is kept
//! byte for byte when no removed value is found in it, and otherwise the file fails, naming the
//! part. It is searched twice: its bytes as Latin-1, UTF-8 and UTF-16LE text (names, strings,
//! the compiled code's literals), and the modules' source, which the project stores compressed
//! (MS-OVBA), decompressed by calamine's VBA reader and decoded in the project's code page
//! ([`project_texts`]). A project that cannot be read fails the file too: its source could not
//! be searched. The rebuild writer keeps neither, so it refuses such workbooks.

use crate::error::{Problem, ReadError, WriteError};
use crate::needles::Needles;
use std::io::{Cursor, Read};

/// What a package holds besides worksheets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    /// The VBA project parts (`xl/vbaProject.bin`).
    pub vba: Vec<String>,
    /// Whether the workbook has chart sheets.
    pub chart_sheets: bool,
}

impl Package {
    /// Look at the package's entry names.
    ///
    /// # Errors
    /// A [`Problem`] when the zip directory is damaged.
    pub fn of(bytes: &[u8]) -> Result<Package, Problem> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|_| ReadError::CorruptWorkbook("the zip directory is damaged"))?;
        let mut package = Package::default();
        for name in zip.file_names().flatten() {
            if is_vba_project(&name) {
                package.vba.push(name.into_owned());
            } else if name.to_ascii_lowercase().starts_with("xl/chartsheets/") {
                package.chart_sheets = true;
            }
        }
        package.vba.sort();
        Ok(package)
    }

    /// The rebuild writer writes cells only: it would drop macros and chart sheets.
    ///
    /// # Errors
    /// [`WriteError::RebuildDrops`] when the package has either.
    pub fn check_rebuild(&self) -> Result<(), Problem> {
        let what = match (self.vba.is_empty(), self.chart_sheets) {
            (true, false) => return Ok(()),
            (false, false) => "macros",
            (true, true) => "chart sheets",
            (false, true) => "macros and chart sheets",
        };
        Err(WriteError::RebuildDrops { what }.into())
    }

    /// Search each VBA part for the removed values (`needles` gives their index, owned or
    /// borrowed, and is called only when there is a VBA part): its bytes and its modules'
    /// decompressed source.
    ///
    /// # Errors
    /// [`WriteError::MacrosHoldRemovedValue`] naming the first part that holds one,
    /// [`WriteError::MacrosUnreadable`] naming one whose source cannot be read.
    pub fn check_macros<N: std::borrow::Borrow<Needles>>(
        &self,
        bytes: &[u8],
        needles: impl FnOnce() -> N,
    ) -> Result<(), Problem> {
        if self.vba.is_empty() {
            return Ok(());
        }
        let needles = needles();
        let needles = needles.borrow();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|_| ReadError::CorruptWorkbook("the zip directory is damaged"))?;
        for part in &self.vba {
            let mut data = Vec::new();
            zip.by_name(part)
                .map_err(|_| ReadError::MissingPart(part.clone()))?
                .read_to_end(&mut data)
                .map_err(|_| ReadError::CorruptWorkbook("a compressed part cannot be read"))?;
            if binary_holds(needles, &data) {
                return Err(WriteError::MacrosHoldRemovedValue(part.clone()).into());
            }
            let texts =
                project_texts(&data).ok_or_else(|| WriteError::MacrosUnreadable(part.clone()))?;
            if texts.iter().any(|t| needles.found_in_markup(t)) {
                return Err(WriteError::MacrosHoldRemovedValue(part.clone()).into());
            }
        }
        Ok(())
    }
}

/// Whether a package part is a VBA project (`xl/vbaProject.bin`, any case).
pub fn is_vba_project(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|f| f.eq_ignore_ascii_case("vbaProject.bin"))
}

/// The texts of a VBA project (a compound file holding a `dir` stream) that its bytes do not
/// show: each module's name and source, decompressed and decoded in the project's code page,
/// and each reference's name, description and path. `None` when `data` is no VBA project or
/// cannot be read.
///
/// The compound file's structure is checked with the `cfb` crate first (it refuses loops in
/// sector chains and the directory tree, which calamine's reader would follow without end);
/// calamine then reads the project, and a panic in it on malformed data counts as unreadable.
pub fn project_texts(data: &[u8]) -> Option<Vec<String>> {
    let mut file = cfb::CompoundFile::open(Cursor::new(data)).ok()?;
    let streams: Vec<std::path::PathBuf> = file
        .walk()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_path_buf())
        .collect();
    if !streams
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n.eq_ignore_ascii_case("dir")))
    {
        return None;
    }
    for path in &streams {
        let mut stream = file.open_stream(path).ok()?;
        std::io::copy(&mut stream, &mut std::io::sink()).ok()?;
    }
    let project = crate::catch_reader_panic(|| {
        calamine::vba::VbaProject::new(&mut Cursor::new(data), data.len())
    })?
    .ok()?;
    let mut texts = Vec::new();
    for name in project.get_module_names() {
        texts.push(name.to_string());
        texts.push(project.get_module(name).ok()?);
    }
    for reference in project.get_references() {
        texts.push(reference.name.clone());
        texts.push(reference.description.clone());
        texts.push(reference.path.to_string_lossy().into_owned());
    }
    Some(texts)
}

/// Whether binary `data` holds one of `needles` as Latin-1, UTF-8 or UTF-16LE (at either byte
/// alignment) text: those that chance cannot make (see [`Needles::found_in_bytes`]), since the
/// bytes are mostly no text. The modules' source is searched for all (see [`project_texts`]).
pub fn binary_holds(needles: &Needles, data: &[u8]) -> bool {
    let latin1: String = data.iter().map(|&b| char::from(b)).collect();
    if needles.found_in_bytes(&latin1) || needles.found_in_bytes(&String::from_utf8_lossy(data)) {
        return true;
    }
    (0..2).any(|offset| {
        let units = data
            .get(offset..)
            .unwrap_or_default()
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
        let text: String = char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        needles.found_in_bytes(&text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn values_are_found_in_every_encoding_of_a_binary_part() {
        let needles = Needles::new(&["Zoë Müller", "zoe.muller@contoso.com"]);
        // Strings in a compound file follow a length or a NUL.
        let noise = b"\xD0\xCF\x11\xE0\x00\x00\x00";
        let latin1: Vec<u8> = "MsgBox \"Zoë Müller\"".chars().map(|c| c as u8).collect();
        let cases: [Vec<u8>; 4] = [
            [&noise[..], &latin1].concat(),
            [&noise[..], "x = \"Zoë Müller\"".as_bytes()].concat(),
            [&noise[..], &utf16("ZOE.MULLER@contoso.com")].concat(),
            [&noise[..6], &utf16(" Zoë Müller ")].concat(),
        ];
        for (i, data) in cases.iter().enumerate() {
            assert!(binary_holds(&needles, data), "case {i}");
        }
        let clean = [&noise[..], &utf16("Zoë Mül"), b"Zoe Mueller"].concat();
        assert!(!binary_holds(&needles, &clean));
    }

    /// A package holding only `xl/vbaProject.bin`.
    fn package_with(project: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(
            "xl/vbaProject.bin",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(project).unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn check(project: &[u8]) -> Result<(), Problem> {
        let bytes = package_with(project);
        Package::of(&bytes).unwrap().check_macros(&bytes, || {
            Needles::new(&["Zoë Müller", "zoe.muller@contoso.com"])
        })
    }

    #[test]
    fn values_in_the_compressed_source_of_a_module_are_found() {
        use crate::testdata::vba;
        let needles = Needles::new(&["Zoë Müller", "zoe.muller@contoso.com"]);
        for text in ["Ask Zoë Müller first", "Mail ZOE.MULLER@contoso.com"] {
            let project = vba::project(&vba::message_box(text));
            // Compression cuts the value in the file's bytes: only the source shows it.
            assert!(!binary_holds(&needles, &project), "{text}");
            let texts = project_texts(&project).expect("a readable project");
            assert!(texts.iter().any(|t| needles.found_in_markup(t)), "{text}");
            assert!(matches!(
                check(&project),
                Err(Problem::Write(WriteError::MacrosHoldRemovedValue(part))) if part == "xl/vbaProject.bin"
            ));
        }
        let clean = vba::project(&vba::message_box("Access review exported"));
        assert!(check(&clean).is_ok());
    }

    #[test]
    fn an_unreadable_project_fails_naming_the_part() {
        use crate::testdata::vba;
        let good = vba::project(&vba::message_box("Access review exported"));
        let mut no_dir = good.clone();
        // Not a compound file at all, a truncated one, and one whose streams are garbage.
        let truncated = good[..good.len() / 2].to_vec();
        for b in no_dir.iter_mut().skip(512) {
            *b = b.wrapping_mul(31).wrapping_add(7);
        }
        for project in [b"not a compound file".to_vec(), truncated, no_dir] {
            let err = check(&project).unwrap_err();
            assert!(
                matches!(&err, Problem::Write(WriteError::MacrosUnreadable(part)) if part == "xl/vbaProject.bin"),
                "{err}"
            );
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn rebuild_refuses_what_it_would_drop() {
        assert!(Package::default().check_rebuild().is_ok());
        let macros = Package {
            vba: vec!["xl/vbaProject.bin".into()],
            chart_sheets: false,
        };
        let message = macros.check_rebuild().unwrap_err().to_string();
        assert!(message.contains("drop the workbook's macros"), "{message}");
    }
}
