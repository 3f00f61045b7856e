//! A real VBA project (`xl/vbaProject.bin`) for the generated `.xlsm` workbooks: a compound
//! file (written with the `cfb` crate) holding the streams the MS-OVBA format requires:
//! `PROJECT`, `PROJECTwm`, `VBA/_VBA_PROJECT`, `VBA/dir` and one standard module,
//! `VBA/Module1`. The `dir` stream and the module's source are compressed as MS-OVBA requires.
//!
//! The compression is the simplest valid form: every token of a compressed chunk is a literal
//! (a flag byte of zeros before every eight bytes), which every decompressor reads, but which
//! also means a value in the source is cut by those flag bytes in the raw file, as real
//! compression (copy tokens) cuts it: searching the file's bytes does not find it, only the
//! decompressed source does. There is no performance cache (`_VBA_PROJECT` version `0xFFFF`
//! tells Office to compile from the source).

use std::io::{Cursor, Write};

/// A module source longer than this does not fit one literal-only chunk (4,096 bytes with its
/// flag bytes and header).
pub const MAX_SOURCE: usize = 3640;

/// `data` as an MS-OVBA compressed container of literal-only chunks.
///
/// # Panics
/// When `data` is longer than [`MAX_SOURCE`] bytes (the fixtures' sources are short).
pub fn compress(data: &[u8]) -> Vec<u8> {
    assert!(data.len() <= MAX_SOURCE, "a fixture source fits one chunk");
    let mut chunk = Vec::with_capacity(data.len() + data.len() / 8 + 1);
    for group in data.chunks(8) {
        chunk.push(0); // flag byte: eight literal tokens
        chunk.extend_from_slice(group);
    }
    let mut out = vec![0x01]; // signature byte
    if !data.is_empty() {
        // Header: size of the chunk less 3 (12 bits), signature 0b011, compressed flag.
        let size = u16::try_from(chunk.len() + 2 - 3).expect("one chunk");
        out.extend((size | 0x3000 | 0x8000).to_le_bytes());
        out.extend(chunk);
    }
    out
}

/// One `dir` record with a variable-length payload.
fn record(out: &mut Vec<u8>, id: u16, data: &[u8]) {
    out.extend(id.to_le_bytes());
    out.extend(u32::try_from(data.len()).expect("short").to_le_bytes());
    out.extend(data);
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The `dir` stream (MS-OVBA 2.3.4.2), uncompressed: a project in code page 1252 with no
/// references and one standard module `Module1` whose source starts at offset 0 of its stream.
fn dir_stream() -> Vec<u8> {
    let mut d = Vec::new();
    record(&mut d, 0x0001, &1u32.to_le_bytes()); // PROJECTSYSKIND: 32-bit Windows
    record(&mut d, 0x0002, &0x0409u32.to_le_bytes()); // PROJECTLCID
    record(&mut d, 0x0014, &0x0409u32.to_le_bytes()); // PROJECTLCIDINVOKE
    record(&mut d, 0x0003, &1252u16.to_le_bytes()); // PROJECTCODEPAGE
    record(&mut d, 0x0004, b"VBAProject"); // PROJECTNAME
    record(&mut d, 0x0005, b""); // PROJECTDOCSTRING
    record(&mut d, 0x0040, b""); // its Unicode form
    record(&mut d, 0x0006, b""); // PROJECTHELPFILEPATH
    record(&mut d, 0x003D, b"");
    record(&mut d, 0x0007, &0u32.to_le_bytes()); // PROJECTHELPCONTEXT
    record(&mut d, 0x0008, &0u32.to_le_bytes()); // PROJECTLIBFLAGS
                                                 // PROJECTVERSION: reserved 4, major, minor.
    d.extend(0x0009u16.to_le_bytes());
    d.extend(4u32.to_le_bytes());
    d.extend(1u32.to_le_bytes());
    d.extend(0u16.to_le_bytes());
    record(&mut d, 0x000C, b""); // PROJECTCONSTANTS
    record(&mut d, 0x003C, b"");
    // No references. PROJECTMODULES: count 1, then PROJECTCOOKIE.
    record(&mut d, 0x000F, &1u16.to_le_bytes());
    record(&mut d, 0x0013, &0xFFFFu16.to_le_bytes());
    // MODULE Module1.
    record(&mut d, 0x0019, b"Module1"); // MODULENAME
    record(&mut d, 0x0047, &utf16("Module1")); // MODULENAMEUNICODE
    record(&mut d, 0x001A, b"Module1"); // MODULESTREAMNAME
    record(&mut d, 0x0032, &utf16("Module1"));
    record(&mut d, 0x001C, b""); // MODULEDOCSTRING
    record(&mut d, 0x0048, b"");
    record(&mut d, 0x0031, &0u32.to_le_bytes()); // MODULEOFFSET: the source starts at 0
    record(&mut d, 0x001E, &0u32.to_le_bytes()); // MODULEHELPCONTEXT
    record(&mut d, 0x002C, &0xFFFFu16.to_le_bytes()); // MODULECOOKIE
    d.extend(0x0021u16.to_le_bytes()); // MODULETYPE: procedural, reserved 0
    d.extend(0u32.to_le_bytes());
    d.extend(0x002Bu16.to_le_bytes()); // module terminator, reserved 0
    d.extend(0u32.to_le_bytes());
    d.extend(0x0010u16.to_le_bytes()); // dir terminator, reserved 0
    d.extend(0u32.to_le_bytes());
    d
}

/// A VBA project whose `Module1` holds `source` (VBA code, stored in code page 1252).
///
/// # Panics
/// When the source does not fit one chunk ([`MAX_SOURCE`]).
pub fn project(source: &str) -> Vec<u8> {
    let (code, _, _) = encoding_rs::WINDOWS_1252.encode(source);
    let project = "ID=\"{5DD90D76-4904-47A2-AF0D-D69B4673604E}\"\r\n\
        Module=Module1\r\n\
        Name=\"VBAProject\"\r\n\
        HelpContextID=\"0\"\r\n\
        VersionCompatible32=\"393222000\"\r\n\
        \r\n\
        [Host Extender Info]\r\n\
        &H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n\
        \r\n\
        [Workspace]\r\n\
        Module1=0, 0, 0, 0, C\r\n";
    let mut names = b"Module1\0".to_vec();
    names.extend(utf16("Module1"));
    names.extend([0, 0, 0, 0]);
    let streams: [(&str, Vec<u8>); 5] = [
        ("/PROJECT", project.as_bytes().to_vec()),
        ("/PROJECTwm", names),
        // Reserved 0x61CC, version 0xFFFF (no performance cache), reserved.
        (
            "/VBA/_VBA_PROJECT",
            vec![0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00],
        ),
        ("/VBA/dir", compress(&dir_stream())),
        ("/VBA/Module1", compress(&code)),
    ];
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
            .expect("a compound file in memory");
    file.create_storage("/VBA").expect("storage");
    for (path, data) in streams {
        file.create_stream(path)
            .and_then(|mut s| s.write_all(&data))
            .expect("stream");
    }
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

/// The source of a module that shows `text` in a message box.
pub fn message_box(text: &str) -> String {
    format!(
        "Attribute VB_Name = \"Module1\"\r\nSub Notify()\r\n    MsgBox \"{}\"\r\nEnd Sub\r\n",
        text.replace('"', "\"\"")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::vba::VbaProject;

    #[test]
    fn calamine_reads_the_module_source_back() {
        let source = message_box("Ask Zoë Müller before importing");
        let bin = project(&source);
        let vba = VbaProject::new(&mut Cursor::new(&bin), bin.len()).expect("a VBA project");
        assert_eq!(vba.get_module_names(), ["Module1"]);
        assert_eq!(vba.get_module("Module1").unwrap(), source);
        // The compressed source is not the source.
        let raw = String::from_utf8_lossy(&bin);
        assert!(!raw.contains("before importing"));
    }

    #[test]
    fn long_sources_fit_one_chunk() {
        let source = "x".repeat(MAX_SOURCE);
        let bin = project(&source);
        let vba = VbaProject::new(&mut Cursor::new(&bin), bin.len()).unwrap();
        assert_eq!(vba.get_module("Module1").unwrap(), source);
    }
}
