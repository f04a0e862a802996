//! Writing the cache files (cookie jar, HSTS, Alt-Svc) the way upstream
//! does: the whole text into a temporary file beside the target, then
//! renamed over it, so a reader never sees half a file.

use std::fs;
use std::io;
use std::path::Path;

/// Replaces `path` with `text` through `<path>.<pid>.tmp`; the temporary
/// file is removed again when the rename fails.
pub(crate) fn replace(path: &Path, text: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    fs::write(&tmp, text)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}
