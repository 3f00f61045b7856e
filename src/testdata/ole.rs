//! OLE compound files for the generated fixtures: embedded objects (`xl/embeddings/*.bin`) as
//! Office writes them, for the tests of the search through a part's containers.

use std::io::{Cursor, Write};

/// A compound file (written with the `cfb` crate) holding `streams`, each a name and its bytes.
///
/// # Panics
/// When the `cfb` crate refuses a stream's name (the fixtures' names are valid).
pub fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("an empty file");
    for (name, bytes) in streams {
        file.create_stream(name)
            .and_then(|mut stream| stream.write_all(bytes))
            .expect("a valid stream name");
    }
    file.flush().expect("written to memory");
    file.into_inner().into_inner()
}

/// An OLE Package's `\x01Ole10Native` stream as Object Packager writes it, embedding `file`
/// named `label`: its size, then the label, the source path, the temporary path and the file.
pub fn ole10_native(label: &str, file: &[u8]) -> Vec<u8> {
    let mut body = 2u16.to_le_bytes().to_vec();
    body.extend(label.bytes().chain([0]));
    body.extend(format!("C:\\files\\{label}\0").bytes());
    body.extend(0x0003_0000u32.to_le_bytes());
    let temp = format!("C:\\temp\\{label}\0");
    body.extend((temp.len() as u32).to_le_bytes());
    body.extend(temp.bytes());
    body.extend((file.len() as u32).to_le_bytes());
    body.extend(file);
    let mut out = (body.len() as u32).to_le_bytes().to_vec();
    out.extend(body);
    out
}
