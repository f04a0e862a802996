//! Unit tests of the multipart layout and the encoders.

use super::encode::{EncState, Encoder};
use super::*;

fn read_all(mime: &Mime, chunk: usize) -> Vec<u8> {
    let mut r = mime.reader();
    let mut out = Vec::new();
    let mut buf = vec![0; chunk];
    loop {
        match r.read(&mut buf) {
            ReadResult::Data(0) => return out,
            ReadResult::Data(n) => out.extend_from_slice(&buf[..n]),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn layout_matches_upstream_shape_and_size() {
    let mut m = Mime::new();
    m.add_part().name(Some("na\"me")).data(b"value".to_vec());
    m.add_part()
        .name(Some("f"))
        .filename(Some("a.txt"))
        .data(b"hello\n".to_vec());
    let b = m.boundary().to_owned();
    assert_eq!(b.len(), 40);
    assert!(b.starts_with(&"-".repeat(24)));
    let body = read_all(&m, 7);
    let want = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"na%22me\"\r\n\r\nvalue\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nhello\n\r\n--{b}--\r\n"
    );
    assert_eq!(String::from_utf8(body).unwrap(), want);
    assert_eq!(m.size(), Some(want.len() as u64));
    assert_ne!(Mime::new().boundary(), b, "boundaries differ");
}

#[test]
fn subparts_are_multipart_mixed_with_attachment_disposition() {
    let mut sub = Mime::new();
    sub.add_part().filename(Some("x.bin")).data(b"X".to_vec());
    let sb = sub.boundary().to_owned();
    let mut m = Mime::new();
    m.add_part().name(Some("files")).subparts(sub);
    let b = m.boundary().to_owned();
    let body = String::from_utf8(read_all(&m, 3)).unwrap();
    let want = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"files\"\r\n\
         Content-Type: multipart/mixed; boundary={sb}\r\n\r\n\
         --{sb}\r\nContent-Disposition: attachment; filename=\"x.bin\"\r\n\r\nX\r\n--{sb}--\r\n\
         \r\n--{b}--\r\n"
    );
    assert_eq!(body, want);
    assert_eq!(m.size(), Some(want.len() as u64));
}

#[test]
fn user_headers_replace_and_follow() {
    let mut m = Mime::new();
    m.add_part()
        .name(Some("a"))
        .filename(Some("p.png"))
        .headers(vec!["Content-Type: x/y".into(), "X-Extra: 1".into()])
        .data(b"1".to_vec());
    let body = String::from_utf8(read_all(&m, 100)).unwrap();
    assert!(body.contains("filename=\"p.png\"\r\nContent-Type: x/y\r\nX-Extra: 1\r\n\r\n1\r\n"));
    assert!(!body.contains("image/png"));
}

struct Counting(u64, u64);
impl PartSource for Counting {
    fn read(&mut self, buf: &mut [u8]) -> ReadResult {
        let n = (self.1 - self.0).min(buf.len() as u64) as usize;
        for b in &mut buf[..n] {
            *b = b'a' + (self.0 % 26) as u8;
            self.0 += 1;
        }
        ReadResult::Data(n)
    }
    fn rewind(&mut self) -> SeekResult {
        self.0 = 0;
        SeekResult::Ok
    }
}

#[test]
fn sources_stream_rewind_and_unknown_size() {
    let mut m = Mime::new();
    m.add_part().name(Some("s")).source(None, Counting(0, 1000));
    assert_eq!(m.size(), None, "unknown size: chunked");
    let mut r = m.reader();
    let mut first = Vec::new();
    let mut buf = [0u8; 64];
    while let ReadResult::Data(n @ 1..) = r.read(&mut buf) {
        first.extend_from_slice(&buf[..n]);
    }
    assert_eq!(r.rewind(), SeekResult::Ok);
    let mut second = Vec::new();
    while let ReadResult::Data(n @ 1..) = r.read(&mut buf) {
        second.extend_from_slice(&buf[..n]);
    }
    assert_eq!(first, second);
    assert!(first.len() > 1000);
}

#[test]
fn encoders_by_name_and_sizes() {
    assert_eq!(Encoder::by_name("BASE64"), Some(Encoder::Base64));
    assert_eq!(Encoder::by_name("x-uuencode"), None);
    assert!(Part::default().encoder(Some("nope")).is_err());
    for n in [0u64, 1, 2, 3, 56, 57, 58, 200] {
        let data: Vec<u8> = (0..n as u8).collect();
        let mut e = EncState::new(Encoder::Base64);
        let mut out = Vec::new();
        for c in data.chunks(5) {
            e.push(c, &mut out).unwrap();
        }
        e.finish(&mut out);
        assert_eq!(
            Some(out.len() as u64),
            Encoder::Base64.encoded_size(n),
            "n={n}"
        );
        let text: String = String::from_utf8(out).unwrap().replace("\r\n", "");
        use base64::Engine as _;
        let back = base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap();
        assert_eq!(back, data);
    }
}

fn qp_decode(s: &[u8]) -> Vec<u8> {
    let s = String::from_utf8(s.to_vec()).unwrap().replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn quoted_printable_round_trips_with_short_lines() {
    let mut data = b"caf\xc3\xa9 = ok \r\nend \t\r\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 200));
    data.extend_from_slice(b" \r");
    for chunk in [1, 2, 7, 1000] {
        let mut e = EncState::new(Encoder::QuotedPrintable);
        let mut out = Vec::new();
        for c in data.chunks(chunk) {
            e.push(c, &mut out).unwrap();
        }
        e.finish(&mut out);
        assert!(
            out.split(|&b| b == b'\n').all(|l| l.len() <= 77),
            "lines <= 76 + CR"
        );
        assert!(!out.windows(3).any(|w| w == b" \r\n"), "no trailing blank");
        assert_eq!(qp_decode(&out), data, "chunk {chunk}");
    }
}

#[test]
fn seven_bit_refuses_eight_bit_data() {
    let mut m = Mime::new();
    m.add_part()
        .name(Some("a"))
        .data(b"\xff".to_vec())
        .encoder(Some("7bit"))
        .unwrap();
    let mut buf = [0u8; 512];
    let mut r = m.reader();
    let mut saw_fail = false;
    for _ in 0..10 {
        match r.read(&mut buf) {
            ReadResult::Fail => saw_fail = true,
            ReadResult::Data(0) => break,
            _ => {}
        }
    }
    assert!(saw_fail);
}

#[test]
fn file_parts_guess_type_and_read_in_pieces() {
    let dir = std::env::temp_dir().join(format!("fetch-mime-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("blob.dat");
    std::fs::write(&path, vec![7u8; 100_000]).unwrap();
    let mut m = Mime::new();
    m.add_part().name(Some("f")).file(&path).unwrap();
    let body = read_all(&m, 4096);
    let head = String::from_utf8_lossy(&body[..200]).into_owned();
    assert!(head.contains("filename=\"blob.dat\"\r\nContent-Type: application/octet-stream\r\n"));
    assert_eq!(m.size(), Some(body.len() as u64));
    assert!(Part::default().file(dir.join("missing")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
