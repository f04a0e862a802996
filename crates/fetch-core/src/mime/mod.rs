//! Multipart bodies (upstream's mime API, `FETCHOPT_MIMEPOST`): a
//! [`Mime`] is a list of [`Part`]s, each with a name, an optional file
//! name, type, encoder and extra header lines, and its data from memory,
//! a file, a [`PartSource`] or nested parts. [`Easy::mime_post`] sends it
//! as `multipart/form-data`, streamed: file and callback data are read in
//! pieces while the request body goes out, never loaded whole. The size is
//! announced with Content-Length when every part's size is known, else the
//! body is sent chunked. The body rewinds (retry on a new connection,
//! 307/308 redirect) by seeking every part back to its start.
//!
//! ```
//! use fetch_core::{Easy, mime::Mime};
//!
//! let mut form = Mime::new();
//! form.add_part().name(Some("user")).data(b"alice".to_vec());
//! let photo = form.add_part();
//! photo.name(Some("photo")).filename(Some("me.png")).data(vec![0x89, b'P', b'N', b'G']);
//! assert!(form.size().is_some());
//! let mut easy = Easy::with_url("http://127.0.0.1:1/upload");
//! easy.mime_post(form);
//! ```
//!
//! [`Easy::mime_post`]: crate::Easy::mime_post

mod encode;
mod reader;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub use encode::Encoder;
pub use reader::MimeReader;

use crate::{Error, ErrorCode, ReadResult, SeekResult};

/// The data of a part that comes from the application while the body is
/// sent (upstream's `curl_mime_data_cb`).
pub trait PartSource: Send {
    /// Fills `buf`; `Data(0)` ends the part's data.
    fn read(&mut self, buf: &mut [u8]) -> ReadResult;
    /// Goes back to the first byte, for a resend. The default cannot.
    fn rewind(&mut self) -> SeekResult {
        SeekResult::CantSeek
    }
}

/// Where a part's data comes from.
#[derive(Clone, Default)]
pub(crate) enum Data {
    /// No data (an empty part).
    #[default]
    None,
    /// A copy made when it was set.
    Bytes(Arc<[u8]>),
    /// A file read when the body is sent; its size is taken then too.
    File(PathBuf),
    /// The application's source and its size, if known.
    Source {
        source: Arc<Mutex<dyn PartSource>>,
        size: Option<u64>,
    },
    /// Nested parts, sent as their own multipart (`multipart/mixed`
    /// unless the part's type says otherwise).
    Multipart(Mime),
}

/// One part of a [`Mime`].
#[derive(Clone, Default)]
pub struct Part {
    pub(crate) name: Option<String>,
    pub(crate) filename: Option<String>,
    pub(crate) mime_type: Option<String>,
    pub(crate) encoder: Option<Encoder>,
    pub(crate) headers: Vec<String>,
    pub(crate) data: Data,
}

/// A multipart body: parts separated by a random boundary.
#[derive(Clone)]
pub struct Mime {
    pub(crate) parts: Vec<Part>,
    pub(crate) boundary: String,
}

impl Default for Mime {
    fn default() -> Self {
        Self::new()
    }
}

/// A new boundary: 24 dashes and 16 hex digits, upstream's shape. The
/// digits come from std's randomly keyed SipHash over a process counter
/// (no extra crate): unpredictable enough that data never holds it by
/// chance, which is all a boundary needs.
fn new_boundary() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{}{:016x}", "-".repeat(24), h.finish())
}

impl Mime {
    /// An empty multipart body with a new random boundary.
    pub fn new() -> Self {
        Self {
            parts: Vec::new(),
            boundary: new_boundary(),
        }
    }

    /// Appends a new, empty part and returns it to be filled in.
    pub fn add_part(&mut self) -> &mut Part {
        self.parts.push(Part::default());
        self.parts.last_mut().expect("just pushed")
    }

    /// Appends a part made elsewhere.
    pub fn push_part(&mut self, part: Part) -> &mut Self {
        self.parts.push(part);
        self
    }

    /// The parts, in order.
    pub fn parts_mut(&mut self) -> &mut [Part] {
        &mut self.parts
    }

    /// The boundary that separates the parts (without the leading `--`).
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The request's `Content-Type` value: `multipart/form-data` with the
    /// boundary.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The size of the whole body, if every part's size is known (files
    /// are looked at now; a missing file makes it unknown).
    pub fn size(&self) -> Option<u64> {
        reader::body_size(self, true)
    }

    /// A streaming reader of the whole body, as sent with
    /// [`crate::Easy::mime_post`].
    pub fn reader(&self) -> MimeReader {
        MimeReader::new(self.clone(), true)
    }
}

impl Part {
    /// The form field name (`Content-Disposition: form-data; name=...`);
    /// `None` removes it.
    pub fn name(&mut self, name: Option<&str>) -> &mut Self {
        self.name = name.map(str::to_owned);
        self
    }

    /// The file name shown to the server (`filename=...`); `None` removes
    /// it.
    pub fn filename(&mut self, filename: Option<&str>) -> &mut Self {
        self.filename = filename.map(str::to_owned);
        self
    }

    /// The part's `Content-Type`; `None` lets it be guessed from the file
    /// name (or `application/octet-stream` for file data).
    pub fn mime_type(&mut self, mime_type: Option<&str>) -> &mut Self {
        self.mime_type = mime_type.map(str::to_owned);
        self
    }

    /// The transfer encoding applied to the data when sent (`binary`,
    /// `8bit`, `7bit`, `base64`, `quoted-printable`, any case); `None`
    /// sends the data as it is. Other names fail with
    /// FETCHE_BAD_FUNCTION_ARGUMENT, as upstream.
    pub fn encoder(&mut self, name: Option<&str>) -> Result<&mut Self, Error> {
        self.encoder = match name {
            None => None,
            Some(n) => Some(Encoder::by_name(n).ok_or_else(|| {
                Error::new(
                    ErrorCode::BadFunctionArgument,
                    format!("unknown mime encoder {n:?}"),
                )
            })?),
        };
        Ok(self)
    }

    /// Extra header lines for this part, sent after the ones libfetch
    /// makes; a line of the same name replaces libfetch's.
    pub fn headers(&mut self, lines: Vec<String>) -> &mut Self {
        self.headers = lines;
        self
    }

    /// The data, copied now.
    pub fn data(&mut self, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.data = Data::Bytes(bytes.into().into());
        self
    }

    /// Data read from the file at `path` while the body is sent; the file
    /// name shown becomes the path's last component (as upstream). A file
    /// that cannot be read now answers FETCHE_READ_ERROR, but the part is
    /// set anyway (upstream too: the file may appear before the send).
    pub fn file(&mut self, path: impl AsRef<Path>) -> Result<&mut Self, Error> {
        let path = path.as_ref();
        self.data = Data::File(path.to_path_buf());
        self.filename = path.file_name().map(|n| n.to_string_lossy().into_owned());
        match std::fs::File::open(path) {
            Ok(_) => Ok(self),
            Err(e) => Err(Error::new(
                ErrorCode::ReadError,
                format!("cannot read {}: {e}", path.display()),
            )),
        }
    }

    /// Data from `source`, `size` bytes if known (else the body is sent
    /// chunked).
    pub fn source(&mut self, size: Option<u64>, source: impl PartSource + 'static) -> &mut Self {
        self.data = Data::Source {
            source: Arc::new(Mutex::new(source)),
            size,
        };
        self
    }

    /// Nested parts, sent as a `multipart/mixed` part (or the type set
    /// with [`Part::mime_type`]).
    pub fn subparts(&mut self, mime: Mime) -> &mut Self {
        self.data = Data::Multipart(mime);
        self
    }

    /// Removes the data (the part sends none).
    pub fn clear_data(&mut self) -> &mut Self {
        self.data = Data::None;
        self
    }
}

#[cfg(test)]
mod tests;
