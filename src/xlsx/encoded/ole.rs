//! Compound files (an OLE object, a VBA project, a `.msg` mail, a legacy `.doc` or `.xls`):
//! their streams, each read whole, and the file an OLE Package's `\x01Ole10Native` stream
//! embeds. A stream's sectors need not follow one another in the file, and a small stream's
//! are 64-byte pieces of the mini stream: the file's bytes as they lie show neither whole, nor
//! a package or compressed data that a stream holds from its first byte.

use std::io::{Cursor, Read};
use std::path::PathBuf;

/// What [`streams`] read of a compound file.
pub(super) enum Streams {
    /// Each stream's name and bytes.
    Read(Vec<(String, Vec<u8>)>),
    /// The file cannot be opened or a stream cannot be read (a damaged file, sector chains
    /// that loop or run out of the file), or its streams are larger than the file (a directory
    /// that points many streams at the same sectors).
    Damaged,
}

/// The streams of the compound file `data`, each read whole.
pub(super) fn streams(data: &[u8]) -> Streams {
    let read = || -> Streams {
        let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(data)) else {
            return Streams::Damaged;
        };
        let paths: Vec<PathBuf> = file
            .walk()
            .filter(|e| e.is_stream())
            .map(|e| e.path().to_path_buf())
            .collect();
        // Every sector belongs to one stream at most: together they fit in the file.
        let mut left = data.len() as u64;
        let mut out = Vec::with_capacity(paths.len());
        for path in paths {
            let Ok(stream) = file.open_stream(&path) else {
                return Streams::Damaged;
            };
            let mut bytes = Vec::new();
            if stream.take(left + 1).read_to_end(&mut bytes).is_err() || bytes.len() as u64 > left {
                return Streams::Damaged;
            }
            left -= bytes.len() as u64;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, bytes));
        }
        Streams::Read(out)
    };
    crate::catch_reader_panic(read).unwrap_or(Streams::Damaged)
}

/// The name of the stream in which an OLE Package (Windows' Object Packager: a PDF, a text
/// file, any file dropped on a sheet) holds the file it embeds.
pub(super) const OLE10_NATIVE: &str = "\u{1}Ole10Native";

/// An `\x01Ole10Native` stream cut in two: the file it embeds, and the rest (its label, its
/// source and temporary paths, and their Unicode forms after the file). `None` when it is not
/// laid out so (see [MS-OLEDS] 2.3.6 and Object Packager's format): the stream is then searched
/// as it is.
pub(super) fn ole10_native(stream: &[u8]) -> Option<(&[u8], Vec<u8>)> {
    let u32_at = |at: usize| -> Option<u32> {
        let b = stream.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let nul_after =
        |at: usize| -> Option<usize> { memchr::memchr(0, stream.get(at..)?).map(|i| at + i + 1) };
    // size, a flag (u16), the label, the source path (each NUL-terminated)
    let label = 4 + 2;
    let path = nul_after(label)?;
    let after_path = nul_after(path)?;
    // a reserved u16 and the type (u16, 3: the file is embedded), the temporary path's length
    // and the path, then the file's size and the file.
    let temp_len = u32_at(after_path + 4)? as usize;
    let size_at = (after_path + 8).checked_add(temp_len)?;
    let size = u32_at(size_at)? as usize;
    let start = size_at + 4;
    let end = start.checked_add(size)?.min(stream.len());
    let mut rest = stream[..start].to_vec();
    rest.extend_from_slice(&stream[end..]);
    Some((&stream[start..end], rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ole10_native_stream_is_cut_around_its_file() {
        let stream = crate::testdata::ole::ole10_native("notes.txt", b"the file");
        let (file, rest) = ole10_native(&stream).unwrap();
        assert_eq!(file, b"the file");
        assert!(rest.ends_with(b"C:\\temp\\notes.txt\0\x08\0\0\0"));
        // A file's size beyond the stream keeps what there is; a stream cut short is none.
        let mut short = stream.clone();
        short.truncate(stream.len() - 2);
        assert_eq!(ole10_native(&short).unwrap().0, b"the fi");
        assert!(ole10_native(&stream[..20]).is_none());
        assert!(ole10_native(b"").is_none());
    }

    #[test]
    fn damaged_compound_files_are_no_streams() {
        let mut data = crate::xlsx::encoded::CFB_SIGNATURE.to_vec();
        data.extend([0xFF; 600]);
        assert!(matches!(streams(&data), Streams::Damaged));
    }
}
