//! Response decoding: an incremental state machine over the bytes read,
//! returning heads, body ranges, trailers and the end of the message.

use super::{
    Decoded, HeadOptions, HttpError, InfoFields, MAX_HEAD_SIZE, ResponseHead, head, quirks,
};

/// Longest chunk-size line (size plus extensions) we wait for.
pub(super) const MAX_CHUNK_LINE: usize = 16 * 1024;

/// Where the decoder is within one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a (possibly interim) head.
    Head,
    /// Content-Length body with this many bytes left (never 0).
    Length(u64),
    /// Body ends when the peer closes.
    UntilClose,
    /// Waiting for a chunk-size line.
    ChunkSize,
    /// Inside chunk data with this many bytes left (never 0).
    ChunkData(u64),
    /// Waiting for the line ending after chunk data.
    ChunkDataEnd,
    /// After the last chunk, skipping trailers up to the empty line.
    Trailers,
    /// The message is complete; `Done` is returned next.
    Complete,
    /// `Done` was returned.
    Done,
}

/// Incremental HTTP/1.1 response decoder for one response (plus its 1xx heads).
#[derive(Debug)]
pub(crate) struct ResponseDecoder {
    /// The request was HEAD, so the response has no body.
    head_request: bool,
    /// Current position in the message.
    state: State,
    /// Bytes at the front of the next input already searched in vain for the
    /// end of the current head, chunk-size line or trailer section.
    scan: usize,
    /// Head bytes consumed so far, interim heads included.
    head_bytes: usize,
    /// Some input byte has been seen.
    started: bool,
    /// The connection may be reused once the message completes.
    reusable: bool,
    /// The error already returned; the decoder is unusable after it.
    failed: Option<HttpError>,
    /// A head lent by the caller ([`Self::lend`]): the next head is made
    /// in its allocations.
    spare: Option<Box<ResponseHead>>,
    /// FETCHOPT_IGNORE_CONTENT_LENGTH. (The decoder holds nothing of
    /// the head options that needs a drop: its drop glue then stays as
    /// small as before, inlined where a plain transfer drops it; the
    /// aliases are lent to [`Self::decode_aliased`].)
    ignore_content_length: bool,
}

impl ResponseDecoder {
    /// A decoder for the response to a request; `head_request` means HEAD, so
    /// no body follows regardless of the headers.
    pub(crate) fn new(head_request: bool) -> Self {
        Self {
            head_request,
            state: State::Head,
            scan: 0,
            head_bytes: 0,
            started: false,
            reusable: false,
            failed: None,
            spare: None,
            ignore_content_length: false,
        }
    }

    /// Makes this decoder the one [`Self::new`] makes, in place: field by
    /// field, without a drop of the whole old decoder. (Every field is
    /// named, so a new one cannot be missed.)
    #[inline(always)]
    pub(crate) fn reset(&mut self, head_request: bool) {
        let Self {
            head_request: request,
            state,
            scan,
            head_bytes,
            started,
            reusable,
            failed,
            spare,
            ignore_content_length,
        } = self;
        *request = head_request;
        *state = State::Head;
        *scan = 0;
        *head_bytes = 0;
        *started = false;
        *reusable = false;
        *failed = None;
        *spare = None;
        *ignore_content_length = false;
    }

    /// Reads the heads to come as the transfer's `options` say
    /// (FETCHOPT_IGNORE_CONTENT_LENGTH; the aliases are handed to
    /// [`Self::decode_aliased`] when a head is refused).
    pub(crate) fn set_options(&mut self, options: &HeadOptions) {
        self.ignore_content_length = options.ignore_content_length;
    }

    /// Lends the decoder a head its reader is done with, so that the next
    /// head it makes needs no allocation.
    pub(crate) fn lend(&mut self, head: Option<Box<ResponseHead>>) {
        self.spare = head;
    }

    /// Whether the decoder waits for a (possibly interim) head: only then
    /// may it use a lent head.
    pub(crate) fn awaits_head(&self) -> bool {
        self.state == State::Head
    }

    /// Ends a complete message without another [`Self::decode`] call:
    /// `Some(reusable)` when the last body bytes were handed out (the
    /// `Done` the next call would return, which it then no longer does).
    pub(crate) fn take_done(&mut self) -> Option<bool> {
        (self.state == State::Complete).then(|| {
            self.state = State::Done;
            self.reusable
        })
    }

    /// The lent head, if the decoder did not use it.
    pub(crate) fn take_spare(&mut self) -> Option<Box<ResponseHead>> {
        self.spare.take()
    }

    /// Decodes from the front of `input`. Returns (consumed, what). The
    /// caller drops `consumed` bytes and calls again with the rest (plus new
    /// bytes) until NeedMore. `consumed` can be non-zero with NeedMore
    /// (framing bytes such as chunk-size lines); the caller drops them too.
    /// When NeedMore is returned, unconsumed bytes are kept by the caller and
    /// presented again, prefix-identical, with new data appended (so you may
    /// remember a scan offset to avoid O(n^2) head scanning).
    pub(crate) fn decode(&mut self, input: &[u8]) -> Result<(usize, Decoded), HttpError> {
        // Bytes of a Content-Length body, the usual call: the step
        // `length_body` takes, without the state machine's set-up. (A
        // failure, which `eof` can leave in this state, goes the long way.)
        if let (State::Length(left), [_, ..], None) = (self.state, input, &self.failed) {
            self.started = true;
            let take = self.length_take(left, input.len());
            return Ok((take, Decoded::Body(0..take)));
        }
        self.decode_any(input)
    }

    /// [`Self::decode`] in any state. (Out of line: the body bytes above
    /// need none of its set-up.)
    #[inline(never)]
    fn decode_any(&mut self, input: &[u8]) -> Result<(usize, Decoded), HttpError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        self.started |= !input.is_empty();
        let result = self.step(input);
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// [`Self::decode`] without the error bookkeeping.
    fn step(&mut self, input: &[u8]) -> Result<(usize, Decoded), HttpError> {
        let mut pos = 0;
        loop {
            let buf = &input[pos..];
            let moved = match self.state {
                State::Head => self.head(buf)?,
                State::Length(left) => self.length_body(buf, left),
                State::UntilClose if buf.is_empty() => Move::Emit(0, Decoded::NeedMore),
                State::UntilClose => Move::Emit(buf.len(), Decoded::Body(0..buf.len())),
                State::ChunkSize => self.chunk_size(buf)?,
                State::ChunkData(left) => self.chunk_data(buf, left),
                State::ChunkDataEnd => self.chunk_data_end(buf)?,
                State::Trailers => self.trailers(buf)?,
                State::Complete => {
                    self.state = State::Done;
                    Move::Emit(
                        0,
                        Decoded::Done {
                            reusable: self.reusable,
                        },
                    )
                }
                State::Done => Move::Emit(0, Decoded::NeedMore),
            };
            match moved {
                Move::Advance(n) => pos += n,
                Move::Emit(n, decoded) => return Ok((pos + n, shifted(decoded, pos))),
            }
        }
    }

    /// A (possibly interim) head, after any empty lines before it.
    fn head(&mut self, buf: &[u8]) -> Result<Move, HttpError> {
        // Like httparse, tolerate empty lines before a status line.
        let skip = match buf {
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            [b'\r'] => return Ok(Move::Emit(0, Decoded::NeedMore)),
            _ => 0,
        };
        if skip > 0 {
            self.head_bytes += skip;
            if self.head_bytes > MAX_HEAD_SIZE {
                return Err(HttpError::HeadTooLarge);
            }
            return Ok(Move::Advance(skip));
        }
        let limit = MAX_HEAD_SIZE - self.head_bytes;
        // A plain head read whole in one pass, which also finds its end;
        // tried once per head (a head still arriving is searched below,
        // from where the last search stopped).
        if self.scan == 0 {
            let mut facts = head::HeadFacts::new();
            if let Some((end, minor_version, status)) = head::fast_prefix(buf, &mut facts) {
                if end <= limit {
                    self.head_bytes += end;
                    let head = self.start_parsed(&buf[..end], minor_version, status, &facts)?;
                    return Ok(Move::Emit(end, Decoded::Head(head)));
                }
            }
        }
        let Some(end) = find_empty_line(buf, &mut self.scan) else {
            if buf.len() >= limit {
                return Err(HttpError::HeadTooLarge);
            }
            return Ok(Move::Emit(0, Decoded::NeedMore));
        };
        if end > limit {
            return Err(HttpError::HeadTooLarge);
        }
        self.scan = 0;
        self.head_bytes += end;
        let head = self.start_message(&buf[..end])?;
        Ok(Move::Emit(end, Decoded::Head(head)))
    }

    fn length_body(&mut self, buf: &[u8], left: u64) -> Move {
        if buf.is_empty() {
            return Move::Emit(0, Decoded::NeedMore);
        }
        let take = self.length_take(left, buf.len());
        Move::Emit(take, Decoded::Body(0..take))
    }

    /// How many of `available` body bytes a Content-Length body with
    /// `left` bytes to go takes, moving on to what follows them.
    #[inline(always)]
    fn length_take(&mut self, left: u64, available: usize) -> usize {
        let take = clamp(left, available);
        self.state = if take as u64 == left {
            State::Complete
        } else {
            State::Length(left - take as u64)
        };
        take
    }

    fn chunk_size(&mut self, buf: &[u8]) -> Result<Move, HttpError> {
        let Some(newline) = find_byte(buf, b'\n', &mut self.scan) else {
            if buf.len() > MAX_CHUNK_LINE {
                return Err(HttpError::ChunkLineTooLong);
            }
            return Ok(Move::Emit(0, Decoded::NeedMore));
        };
        // The same limit whether or not the line end has arrived yet, so
        // the outcome does not depend on how the bytes were split into reads.
        if newline > MAX_CHUNK_LINE {
            return Err(HttpError::ChunkLineTooLong);
        }
        self.scan = 0;
        let line = &buf[..newline];
        let size = parse_chunk_size(line.strip_suffix(b"\r").unwrap_or(line))?;
        self.state = if size == 0 {
            State::Trailers
        } else {
            State::ChunkData(size)
        };
        Ok(Move::Advance(newline + 1))
    }

    fn chunk_data(&mut self, buf: &[u8], left: u64) -> Move {
        if buf.is_empty() {
            return Move::Emit(0, Decoded::NeedMore);
        }
        let take = clamp(left, buf.len());
        self.state = if take as u64 == left {
            State::ChunkDataEnd
        } else {
            State::ChunkData(left - take as u64)
        };
        Move::Emit(take, Decoded::Body(0..take))
    }

    fn chunk_data_end(&mut self, buf: &[u8]) -> Result<Move, HttpError> {
        let n = match buf {
            [] | [b'\r'] => return Ok(Move::Emit(0, Decoded::NeedMore)),
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            _ => return Err(HttpError::MissingChunkCrlf),
        };
        self.state = State::ChunkSize;
        Ok(Move::Advance(n))
    }

    /// The trailer section up to its empty line; its fields come out
    /// (without the empty line) when there are any.
    fn trailers(&mut self, buf: &[u8]) -> Result<Move, HttpError> {
        let Some(end) = find_empty_line(buf, &mut self.scan) else {
            if buf.len() >= MAX_HEAD_SIZE {
                return Err(HttpError::TrailersTooLarge);
            }
            return Ok(Move::Emit(0, Decoded::NeedMore));
        };
        if end > MAX_HEAD_SIZE {
            return Err(HttpError::TrailersTooLarge);
        }
        self.scan = 0;
        self.state = State::Complete;
        let fields = buf[..end]
            .strip_suffix(b"\r\n")
            .or_else(|| buf[..end].strip_suffix(b"\n"))
            .map_or(0, <[u8]>::len);
        Ok(if fields > 0 {
            Move::Emit(end, Decoded::Trailers(0..fields))
        } else {
            Move::Advance(end)
        })
    }

    /// Parses a complete head and sets up framing for what follows it.
    fn start_message(&mut self, raw: &[u8]) -> Result<Box<ResponseHead>, HttpError> {
        let parsed = head::parse(raw)?;
        self.start_parsed(raw, parsed.minor_version, parsed.status, &parsed.facts)
    }

    /// After [`Self::decode`] failed on a head at the front of `input`
    /// (the decoder awaited one): the head read with one of `options`'
    /// FETCHOPT_HTTP200ALIASES taking its first line, the failure
    /// forgotten; `None` (the failure stands) when none takes it.
    #[cold]
    pub(crate) fn decode_aliased(
        &mut self,
        input: &[u8],
        options: &HeadOptions,
    ) -> Option<Result<(usize, Decoded), HttpError>> {
        // (The failed call skipped the empty lines and counted the head
        // bytes already.)
        let skip = input
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let buf = &input[skip..];
        if !options.aliases_first_line(buf) {
            return None;
        }
        let end = find_empty_line(buf, &mut 0)?;
        let result = self.start_aliased(&buf[..end]);
        self.failed = result.as_ref().err().cloned();
        Some(result.map(|head| (skip + end, Decoded::Head(head))))
    }

    /// A head whose first line is one of FETCHOPT_HTTP200ALIASES: read as
    /// `HTTP/1.0 200` with the same header lines; the head keeps the
    /// line the server sent (upstream hands that to the header callback).
    #[cold]
    fn start_aliased(&mut self, raw: &[u8]) -> Result<Box<ResponseHead>, HttpError> {
        let line = quirks::first_line(raw);
        let read_as = [quirks::ALIASED_STATUS_LINE, &raw[line.len()..]].concat();
        let parsed = head::parse(&read_as)?;
        let mut head = self.start_parsed(&read_as, 0, 200, &parsed.facts)?;
        quirks::restore_first_line(&mut head, line);
        Ok(head)
    }

    /// Sets up framing for what follows the head `raw`, read as HTTP/1.x
    /// (`minor_version`) with `status` and what its lines say, `facts`.
    /// (The facts are lent, not moved: they stay where the reader made them.)
    fn start_parsed(
        &mut self,
        raw: &[u8],
        minor_version: u8,
        status: u16,
        facts: &head::HeadFacts<'_>,
    ) -> Result<Box<ResponseHead>, HttpError> {
        if status < 100 {
            return Err(HttpError::MalformedHead(
                "Unsupported response code in HTTP response",
            ));
        }
        let close = facts.close || (minor_version == 0 && !facts.keep_alive);
        let has_te = facts.last_coding.is_some();
        let chunked = facts
            .last_coding
            .is_some_and(|c| c.eq_ignore_ascii_case(b"chunked"));
        let interim = (100..200).contains(&status) && status != 101;
        let no_body =
            self.head_request || (100..200).contains(&status) || matches!(status, 204 | 304);
        let content_length = if self.ignore_content_length {
            // Upstream reads no Content-Length line then; a 204 or 304
            // says 0 as it always does.
            matches!(status, 204 | 304).then_some(0)
        } else if has_te || !facts.has_content_length {
            None
        } else if no_body {
            // Framing does not depend on it, so a bad value is not fatal here.
            facts.content_length.clone().ok().flatten()
        } else {
            facts.content_length.clone()?
        };
        if !interim {
            self.state = body_state(no_body, chunked, has_te, content_length);
            // RFC 9112 6.1: Transfer-Encoding with Content-Length, or in
            // HTTP/1.0, suggests smuggling; do not trust the connection after.
            // (A Content-Length line ignored is not read: upstream then
            // keeps a chunked response's connection.)
            let cl_line = facts.has_content_length && !self.ignore_content_length;
            let suspicious = has_te && (minor_version == 0 || cl_line);
            self.reusable =
                !close && !suspicious && status != 101 && self.state != State::UntilClose;
        }
        // A lent head is filled in place: its buffers are reused and the
        // head is not moved whole into its box. Without one, a new empty
        // head is filled the same way.
        let mut head = self.spare.take().unwrap_or_default();
        head.status = status;
        head.minor_version = minor_version;
        head.raw.clear();
        head.raw.extend_from_slice(raw);
        head.content_length = content_length;
        head.chunked = chunked;
        head.close = close;
        head.location = facts
            .location
            .map(|v| String::from_utf8_lossy(head::trim_ows(v)).into_owned());
        head.content_encoding.clear();
        // (Most heads have no coding: no iterator to run.)
        if !facts.content_encoding.is_empty() {
            let codings = facts.content_encoding.iter();
            head.content_encoding
                .extend(codings.map(|c| String::from_utf8_lossy(c).into_owned()));
        }
        head.info_fields = info_fields(raw, facts);
        Ok(head)
    }

    /// The peer closed the connection (EOF). Returns Done{reusable:false} if
    /// that legitimately ends the message (close-delimited body, or already
    /// complete), otherwise the error.
    pub(crate) fn eof(&mut self) -> Result<Decoded, HttpError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let err = match self.state {
            State::Head if !self.started => HttpError::GotNothing,
            State::Head => HttpError::PartialHead,
            State::Length(left) => HttpError::PartialBody {
                remaining: Some(left),
            },
            State::ChunkSize | State::ChunkData(_) | State::ChunkDataEnd | State::Trailers => {
                HttpError::PartialBody { remaining: None }
            }
            State::UntilClose | State::Complete | State::Done => {
                self.state = State::Done;
                return Ok(Decoded::Done { reusable: false });
            }
        };
        self.failed = Some(err.clone());
        Err(err)
    }

    /// True once any byte of a response has been received (given to `decode`,
    /// consumed or not).
    pub(crate) fn started(&self) -> bool {
        self.started
    }

    /// Whether the message is complete and `Done` comes with the next call,
    /// whatever the input (the last body bytes were handed out).
    pub(crate) fn is_complete(&self) -> bool {
        self.state == State::Complete
    }

    /// True after Done was returned.
    #[cfg(test)]
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }
}

/// Where the values the transfer info reads sit in `raw` (trimmed).
fn info_fields(raw: &[u8], facts: &head::HeadFacts<'_>) -> InfoFields {
    // (The values are slices of `raw`: their offsets carry over to the
    // head's copy of it.)
    let range = |v: Option<&[u8]>| {
        v.map(|v| {
            let v = head::trim_ows(v);
            let start = v.as_ptr() as usize - raw.as_ptr() as usize;
            start..start + v.len()
        })
    };
    InfoFields {
        content_type: range(facts.content_type),
        retry_after: range(facts.retry_after),
        last_modified: range(facts.last_modified),
    }
}

/// Where the body of a final response starts the decoder.
fn body_state(no_body: bool, chunked: bool, has_te: bool, content_length: Option<u64>) -> State {
    if no_body {
        State::Complete
    } else if chunked {
        State::ChunkSize
    } else if has_te {
        // RFC 9112 6.3: a non-chunked transfer coding is close-delimited.
        State::UntilClose
    } else {
        match content_length {
            Some(0) => State::Complete,
            Some(n) => State::Length(n),
            None => State::UntilClose,
        }
    }
}

/// What one state's step did with the bytes it was given.
enum Move {
    /// Consumed this many bytes; go on with the next state.
    Advance(usize),
    /// Consumed this many bytes and produced an event (ranges relative to
    /// the bytes given to the step).
    Emit(usize, Decoded),
}

/// `decoded` with its range moved by `by` (the bytes before the step).
fn shifted(decoded: Decoded, by: usize) -> Decoded {
    match decoded {
        Decoded::Body(r) => Decoded::Body(r.start + by..r.end + by),
        Decoded::Trailers(r) => Decoded::Trailers(r.start + by..r.end + by),
        other => other,
    }
}

/// `left` limited to `available`, as a length.
fn clamp(left: u64, available: usize) -> usize {
    usize::try_from(left).map_or(available, |left| left.min(available))
}

/// The end (exclusive) of the first empty line in `buf`, i.e. the end of a
/// head or trailer section. `scan` says how far earlier calls got and is
/// advanced on failure.
pub(super) fn find_empty_line(buf: &[u8], scan: &mut usize) -> Option<usize> {
    // Line starts are the buffer start and every byte after a '\n'; jump
    // from one to the next with memchr instead of testing every byte.
    let mut i = *scan;
    loop {
        if i >= buf.len() {
            *scan = buf.len();
            return None;
        }
        if i == 0 || buf[i - 1] == b'\n' {
            match (buf[i], buf.get(i + 1)) {
                (b'\n', _) => return Some(i + 1),
                (b'\r', Some(b'\n')) => return Some(i + 2),
                (b'\r', None) => {
                    *scan = i;
                    return None;
                }
                _ => {}
            }
        }
        match memchr::memchr(b'\n', &buf[i..]) {
            Some(at) => i += at + 1,
            None => {
                *scan = buf.len();
                return None;
            }
        }
    }
}

/// The index of the first `byte` in `buf`, searching from `scan` on.
fn find_byte(buf: &[u8], byte: u8, scan: &mut usize) -> Option<usize> {
    let found = buf[*scan..].iter().position(|&b| b == byte);
    match found {
        Some(at) => Some(*scan + at),
        None => {
            *scan = buf.len();
            None
        }
    }
}

/// Parses a chunk-size line without its line ending: hex digits, optional
/// whitespace, optional `;extensions`.
pub(super) fn parse_chunk_size(line: &[u8]) -> Result<u64, HttpError> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(HttpError::BadChunkSize);
    }
    let mut size: u64 = 0;
    for &b in &line[..digits] {
        let digit = (b as char).to_digit(16).map_or(0, u64::from);
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(digit))
            .ok_or(HttpError::BadChunkSize)?;
    }
    let rest = &line[digits..];
    let rest = &rest[rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()..];
    if rest.is_empty() || rest[0] == b';' {
        Ok(size)
    } else {
        Err(HttpError::BadChunkSize)
    }
}
