//! A package read a second time without holding its bytes: a workbook opened from its bytes
//! (its heads, tables and layout read) is streamed from its file opened again, the bytes let
//! go, so that a large export's bytes are not held while its sheets are read row by row. Each
//! part read from the file must be the part the bytes held: the same CRC-32 and sizes, which
//! the zip reader then checks the part's data against as it inflates it. A part that differs
//! (the file changed since it was read) is not read: the caller gives up, and reads the file
//! whole again.

use crate::error::{Problem, ReadError};
use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use zip::ZipArchive;

/// The bytes of a package as a stream reads them: held in memory, or its file.
pub(crate) enum PackageBytes<'b> {
    Held(Cursor<&'b [u8]>),
    File(BufReader<std::fs::File>),
}

impl Read for PackageBytes<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            PackageBytes::Held(bytes) => bytes.read(buf),
            PackageBytes::File(file) => file.read(buf),
        }
    }
}

impl Seek for PackageBytes<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        match self {
            PackageBytes::Held(bytes) => bytes.seek(to),
            PackageBytes::File(file) => file.seek(to),
        }
    }
}

/// What a part held when its package was opened: its CRC-32 and sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Print {
    crc32: u32,
    size: u64,
    compressed: u64,
}

impl Print {
    fn of<R: Read>(entry: &zip::read::ZipFile<'_, R>) -> Print {
        Print {
            crc32: entry.crc32(),
            size: entry.size(),
            compressed: entry.compressed_size(),
        }
    }
}

/// A package to stream: the bytes it was opened from, or its file with the prints of the parts
/// those bytes held.
pub(crate) struct Package<'b> {
    bytes: PackageBytes<'b>,
    prints: Option<HashMap<String, Print>>,
}

impl<'b> Package<'b> {
    /// The package `bytes`, read from them.
    pub(crate) fn held(bytes: &'b [u8]) -> Package<'b> {
        Package {
            bytes: PackageBytes::Held(Cursor::new(bytes)),
            prints: None,
        }
    }

    /// The package `bytes` were read from the file at `path`, to be read from that file again:
    /// the prints of its parts are taken from `bytes`, which the caller can then let go.
    ///
    /// # Errors
    /// [`ReadError`] when `bytes` are no package, or the file cannot be opened.
    pub(crate) fn reopened(bytes: &[u8], path: &Path) -> Result<Package<'static>, Problem> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
        let mut prints = HashMap::with_capacity(zip.len());
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(|_| damaged())?;
            let name = entry.name().map_err(|_| damaged())?.into_owned();
            prints.insert(name, Print::of(&entry));
        }
        let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.kind()))?;
        Ok(Package {
            bytes: PackageBytes::File(BufReader::with_capacity(1 << 16, file)),
            prints: Some(prints),
        })
    }

    /// The package's zip archive.
    ///
    /// # Errors
    /// [`ReadError::CorruptWorkbook`] when its directory cannot be read.
    pub(crate) fn archive(self) -> Result<Archive<'b>, Problem> {
        Ok(Archive {
            zip: ZipArchive::new(self.bytes).map_err(|_| damaged())?,
            prints: self.prints,
        })
    }
}

/// An opened [`Package`].
pub(crate) struct Archive<'b> {
    zip: ZipArchive<PackageBytes<'b>>,
    prints: Option<HashMap<String, Print>>,
}

impl<'b> Archive<'b> {
    /// The archive, for what reads it as any package.
    pub(crate) fn zip(&mut self) -> &mut ZipArchive<PackageBytes<'b>> {
        &mut self.zip
    }

    /// Part `name`, when it is there and (read from the file again) the part the package held
    /// when it was opened; `None` otherwise.
    pub(crate) fn part(&mut self, name: &str) -> Option<zip::read::ZipFile<'_, PackageBytes<'b>>> {
        let entry = self.zip.by_name(name).ok()?;
        match &self.prints {
            Some(prints) if prints.get(name) != Some(&Print::of(&entry)) => None,
            _ => Some(entry),
        }
    }
}

fn damaged() -> Problem {
    ReadError::CorruptWorkbook("the zip directory is damaged").into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn package(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn read(part: Option<zip::read::ZipFile<'_, PackageBytes<'_>>>) -> Option<String> {
        let mut text = String::new();
        part?.read_to_string(&mut text).ok()?;
        Some(text)
    }

    /// A part read from the file again is the part the bytes held, or none: a file changed
    /// since it was read is not read as if it were the same.
    #[test]
    fn a_part_read_again_from_the_file_is_the_one_its_bytes_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.xlsx");
        let bytes = package(&[("xl/a.xml", "<a>Zoë</a>"), ("xl/b.xml", "<b/>")]);
        std::fs::write(&path, &bytes).unwrap();
        let mut held = Package::held(&bytes).archive().unwrap();
        let mut again = Package::reopened(&bytes, &path).unwrap().archive().unwrap();
        assert_eq!(read(held.part("xl/a.xml")).as_deref(), Some("<a>Zoë</a>"));
        assert_eq!(read(again.part("xl/a.xml")).as_deref(), Some("<a>Zoë</a>"));
        assert_eq!(read(again.part("xl/c.xml")), None);
        // The file changed after its bytes were read: its changed part is not read.
        let changed = package(&[("xl/a.xml", "<a>Ayşe</a>"), ("xl/b.xml", "<b/>")]);
        std::fs::write(&path, changed).unwrap();
        let mut again = Package::reopened(&bytes, &path).unwrap().archive().unwrap();
        assert_eq!(read(again.part("xl/a.xml")), None);
        assert_eq!(read(again.part("xl/b.xml")).as_deref(), Some("<b/>"));
        // A file gone is an error to open.
        std::fs::remove_file(&path).unwrap();
        assert!(Package::reopened(&bytes, &path).is_err());
    }
}
