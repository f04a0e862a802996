//! The multipart body as a stream: the mime tree is laid out as a list of
//! segments (boundary and header text made up front, part data read when
//! its turn comes), so nothing but the header text is held in memory.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::encode::{EncState, Encoder};
use super::{Data, Mime, Part};
use crate::{ReadResult, SeekResult};

/// One piece of the body.
enum Segment {
    /// Boundaries and part headers.
    Text(Vec<u8>),
    /// A part's data.
    Content(Content),
}

struct Content {
    data: Data,
    /// The raw size, if known when the reader was made.
    size: Option<u64>,
    encoder: Option<Encoder>,
    /// Read from since the last rewind (a source needs a rewind then).
    touched: bool,
}

/// Where the reader is inside the current segment.
#[derive(Default)]
struct Cursor {
    /// Bytes of the segment's text, or raw bytes of its data, consumed.
    off: u64,
    file: Option<File>,
    enc: Option<EncState>,
    /// Encoded bytes not yet handed out, from `pending_pos`.
    pending: Vec<u8>,
    pending_pos: usize,
    /// The raw data ended (the encoder was finished).
    raw_done: bool,
}

/// Reads a [`Mime`] body in pieces ([`Mime::reader`]).
pub struct MimeReader {
    segments: Vec<Segment>,
    index: usize,
    cursor: Cursor,
    /// A failure or abort met after bytes were handed out, answered by
    /// the next read.
    stopped: Option<ReadResult>,
}

/// `"` and line breaks in a header parameter, percent-escaped as
/// upstream does for form data (HTML5's rule).
fn escape(value: &str) -> String {
    value
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Upstream's guess of a type from a file name's extension.
fn type_for(name: Option<&str>) -> Option<&'static str> {
    const TYPES: [(&str, &str); 9] = [
        (".gif", "image/gif"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".png", "image/png"),
        (".svg", "image/svg+xml"),
        (".txt", "text/plain"),
        (".htm", "text/html"),
        (".html", "text/html"),
        (".pdf", "application/pdf"),
    ];
    let name = name?;
    let lower = name.to_ascii_lowercase();
    TYPES
        .iter()
        .find(|(ext, _)| lower.ends_with(ext))
        .map(|(_, t)| *t)
        .or_else(|| lower.ends_with(".xml").then_some("application/xml"))
}

/// Whether a user header line of `part` names `name`.
fn user_has(part: &Part, name: &str) -> bool {
    part.headers.iter().any(|h| {
        h.split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
    })
}

/// The part's header block, ending with the empty line. `form`: the
/// parent is `multipart/form-data`.
fn part_head(part: &Part, form: bool) -> Vec<u8> {
    let mut head = String::new();
    if !user_has(part, "Content-Disposition") {
        let disposition = if form {
            Some("form-data")
        } else {
            (part.name.is_some() || part.filename.is_some()).then_some("attachment")
        };
        if let Some(d) = disposition {
            head.push_str("Content-Disposition: ");
            head.push_str(d);
            if let Some(n) = &part.name {
                head.push_str(&format!("; name=\"{}\"", escape(n)));
            }
            if let Some(f) = &part.filename {
                head.push_str(&format!("; filename=\"{}\"", escape(f)));
            }
            head.push_str("\r\n");
        }
    }
    if !user_has(part, "Content-Type") {
        let file_path = match &part.data {
            Data::File(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        };
        let guessed = match &part.data {
            Data::Multipart(_) => Some("multipart/mixed"),
            Data::File(_) => type_for(part.filename.as_deref())
                .or_else(|| type_for(file_path.as_deref()))
                .or(Some("application/octet-stream")),
            _ => type_for(part.filename.as_deref()),
        };
        if let Some(t) = part.mime_type.as_deref().or(guessed) {
            head.push_str("Content-Type: ");
            head.push_str(t);
            if let Data::Multipart(sub) = &part.data {
                head.push_str("; boundary=");
                head.push_str(&sub.boundary);
            }
            head.push_str("\r\n");
        }
    }
    if let (Some(e), false) = (part.encoder, user_has(part, "Content-Transfer-Encoding")) {
        head.push_str(&format!("Content-Transfer-Encoding: {}\r\n", e.name()));
    }
    for line in &part.headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

/// Lays out `mime` (`form`: as `multipart/form-data`) onto `out`.
fn layout(mime: &Mime, form: bool, out: &mut Vec<Segment>) {
    let mut text = Vec::new();
    for part in &mime.parts {
        text.extend_from_slice(b"--");
        text.extend_from_slice(mime.boundary.as_bytes());
        text.extend_from_slice(b"\r\n");
        text.extend_from_slice(&part_head(part, form));
        match &part.data {
            Data::None => {}
            Data::Multipart(sub) => {
                out.push(Segment::Text(std::mem::take(&mut text)));
                let sub_form = part
                    .mime_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"));
                layout(sub, sub_form, out);
            }
            data => {
                out.push(Segment::Text(std::mem::take(&mut text)));
                let size = match data {
                    Data::Bytes(b) => Some(b.len() as u64),
                    Data::File(p) => file_size(p),
                    Data::Source { size, .. } => *size,
                    Data::None | Data::Multipart(_) => unreachable!("matched above"),
                };
                out.push(Segment::Content(Content {
                    data: data.clone(),
                    size,
                    encoder: part.encoder,
                    touched: false,
                }));
            }
        }
        text.extend_from_slice(b"\r\n");
    }
    text.extend_from_slice(b"--");
    text.extend_from_slice(mime.boundary.as_bytes());
    text.extend_from_slice(b"--\r\n");
    out.push(Segment::Text(text));
}

/// The body's size, if every part's is known.
pub(super) fn body_size(mime: &Mime, form: bool) -> Option<u64> {
    let mut segments = Vec::new();
    layout(mime, form, &mut segments);
    segments.iter().try_fold(0u64, |sum, s| {
        let n = match s {
            Segment::Text(t) => t.len() as u64,
            Segment::Content(c) => match c.encoder {
                Some(e) => e.encoded_size(c.size?)?,
                None => c.size?,
            },
        };
        Some(sum + n)
    })
}

/// What one step of reading produced.
enum Step {
    /// This many bytes went into the buffer (0: the segment ended).
    Bytes(usize),
    /// Stop with this result (pause, abort, failure) if nothing was read.
    Stop(ReadResult),
}

impl MimeReader {
    pub(super) fn new(mime: Mime, form: bool) -> Self {
        let mut segments = Vec::new();
        layout(&mime, form, &mut segments);
        Self {
            segments,
            index: 0,
            cursor: Cursor::default(),
            stopped: None,
        }
    }

    /// Fills `buf` with the next bytes of the body; `Data(0)` at its end.
    /// A part source's pause or abort is passed on once nothing more can
    /// be given; a file that cannot be read or 8-bit data under `7bit`
    /// fails.
    pub fn read(&mut self, buf: &mut [u8]) -> ReadResult {
        if let Some(r) = self.stopped {
            return r;
        }
        let mut filled = 0;
        while filled < buf.len() && self.index < self.segments.len() {
            match self.step(&mut buf[filled..]) {
                Step::Bytes(0) => {
                    self.index += 1;
                    self.cursor = Cursor::default();
                }
                Step::Bytes(n) => filled += n,
                Step::Stop(r) if filled == 0 => return r,
                Step::Stop(r) => {
                    if r != ReadResult::Pause {
                        self.stopped = Some(r);
                    }
                    break;
                }
            }
        }
        ReadResult::Data(filled)
    }

    /// Goes back to the first byte: every part source read from is
    /// rewound (the first failure is the answer), files are reopened.
    pub fn rewind(&mut self) -> SeekResult {
        for seg in &mut self.segments {
            if let Segment::Content(c) = seg {
                if let (true, Data::Source { source, .. }) = (c.touched, &c.data) {
                    let r = source.lock().map_or(SeekResult::Fail, |mut s| s.rewind());
                    if r != SeekResult::Ok {
                        return r;
                    }
                }
                c.touched = false;
            }
        }
        self.index = 0;
        self.cursor = Cursor::default();
        self.stopped = None;
        SeekResult::Ok
    }

    fn step(&mut self, buf: &mut [u8]) -> Step {
        let cur = &mut self.cursor;
        match &mut self.segments[self.index] {
            Segment::Text(t) => {
                let rest = &t[cur.off as usize..];
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                cur.off += n as u64;
                Step::Bytes(n)
            }
            Segment::Content(c) => {
                c.touched = true;
                let Some(e) = c.encoder else {
                    return read_raw(c, cur, buf).map_or_else(Step::Stop, Step::Bytes);
                };
                loop {
                    if cur.pending_pos < cur.pending.len() {
                        let rest = &cur.pending[cur.pending_pos..];
                        let n = rest.len().min(buf.len());
                        buf[..n].copy_from_slice(&rest[..n]);
                        cur.pending_pos += n;
                        return Step::Bytes(n);
                    }
                    if cur.raw_done {
                        return Step::Bytes(0);
                    }
                    if let Err(r) = encode_more(c, cur, e, buf.len()) {
                        return Step::Stop(r);
                    }
                }
            }
        }
    }
}

/// Reads and encodes the next raw bytes into the cursor's pending output
/// (finishing the encoding at the data's end).
fn encode_more(
    c: &mut Content,
    cur: &mut Cursor,
    e: Encoder,
    want: usize,
) -> Result<(), ReadResult> {
    let mut raw = vec![0; want.clamp(3, 64 * 1024)];
    let n = read_raw(c, cur, &mut raw)?;
    let enc = cur.enc.get_or_insert_with(|| EncState::new(e));
    cur.pending.clear();
    cur.pending_pos = 0;
    if n == 0 {
        cur.raw_done = true;
        enc.finish(&mut cur.pending);
        Ok(())
    } else {
        enc.push(&raw[..n], &mut cur.pending)
            .map_err(|_| ReadResult::Fail)
    }
}

/// Reads raw data of the current part into `buf`, at most its known size.
fn read_raw(c: &mut Content, cur: &mut Cursor, buf: &mut [u8]) -> Result<usize, ReadResult> {
    let limit = c.size.map_or(buf.len(), |s| {
        s.saturating_sub(cur.off).min(buf.len() as u64) as usize
    });
    let buf = &mut buf[..limit];
    if buf.is_empty() {
        return Ok(0);
    }
    let n = match &c.data {
        Data::Bytes(b) => {
            let rest = &b[cur.off as usize..];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            n
        }
        Data::File(path) => {
            if cur.file.is_none() {
                cur.file = Some(File::open(path).map_err(|_| ReadResult::Fail)?);
            }
            let f = cur.file.as_mut().expect("opened above");
            f.read(buf).map_err(|_| ReadResult::Fail)?
        }
        Data::Source { source, .. } => {
            let mut s = source.lock().map_err(|_| ReadResult::Fail)?;
            match s.read(buf) {
                ReadResult::Data(n) => n.min(buf.len()),
                other => return Err(other),
            }
        }
        Data::None | Data::Multipart(_) => 0,
    };
    cur.off += n as u64;
    Ok(n)
}
