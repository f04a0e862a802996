//! Content decoders against bodies made by the same crates' encoders, fed
//! and drained in every size from one byte up.

use std::io::Write;

use super::*;

fn sample(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| b"the quick brown fox jumps over the lazy dog "[i % 44] ^ (i / 997) as u8)
        .collect()
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn br(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = ::brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(data).unwrap();
    }
    out
}

fn zst(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

fn chain(codings: &[&str]) -> Content {
    let names: Vec<String> = codings.iter().map(|s| s.to_string()).collect();
    match plan(&names) {
        Plan::Decode(c) => c,
        _ => panic!("not a decoding plan"),
    }
}

/// Pushes `data` `push` bytes at a time, pulling into `out`-sized pieces
/// after each push; checks no piece is larger than asked.
fn run(c: &mut Content, data: &[u8], push: usize, out: usize) -> Result<Vec<u8>, Error> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; out];
    for piece in data.chunks(push.max(1)) {
        let mut piece = piece;
        loop {
            let n = c.pull(&mut piece, &mut buf)?;
            assert!(n <= out);
            if n == 0 {
                assert!(piece.is_empty(), "input left unused");
                break;
            }
            got.extend_from_slice(&buf[..n]);
            // Now and then stop early, as a pause does, and keep the rest.
            if got.len() % 3 == 0 {
                c.keep(piece);
                piece = &[];
            }
        }
    }
    Ok(got)
}

fn each_size(codings: &[&str], encoded: &[u8], want: &[u8]) {
    for (push, out) in [(1, 1), (1, 16384), (7, 5), (4096, 16384), (1 << 20, 16384)] {
        let got = run(&mut chain(codings), encoded, push, out).unwrap();
        assert!(got == want, "{codings:?} push {push} out {out}");
    }
}

#[test]
fn gzip_in_every_size() {
    let data = sample(200_000);
    each_size(&["gzip"], &gzip(&data), &data);
    each_size(&["x-gzip"], &gzip(b""), b"");
}

#[test]
fn gzip_header_with_every_field() {
    let data = sample(5000);
    let mut e = flate2::GzBuilder::new()
        .filename("name.txt")
        .comment("a comment")
        .extra(vec![1, 2, 3, 4])
        .write(Vec::new(), flate2::Compression::default());
    e.write_all(&data).unwrap();
    each_size(&["gzip"], &e.finish().unwrap(), &data);
}

#[test]
fn deflate_zlib_and_raw() {
    let data = sample(100_000);
    each_size(&["deflate"], &zlib(&data), &data);
    each_size(&["deflate"], &raw_deflate(&data), &data);
    // The smallest raw stream: one empty final block.
    each_size(&["deflate"], &raw_deflate(b""), b"");
}

#[test]
fn brotli_in_every_size() {
    let data = sample(150_000);
    each_size(&["br"], &br(&data), &data);
}

#[test]
fn zstd_in_every_size() {
    let data = sample(400_000);
    each_size(&["zstd"], &zst(&data), &data);
    // Frames may follow one another, and skippable frames are skipped.
    let mut two = zst(&data[..1000]);
    two.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    two.extend_from_slice(&zst(&data[1000..]));
    each_size(&["zstd"], &two, &data);
}

#[test]
fn chained_codings_undone_in_reverse() {
    let data = sample(80_000);
    // "gzip, br": gzip applied first, then br.
    each_size(&["gzip", "br"], &br(&gzip(&data)), &data);
    each_size(&["zstd", "identity", "deflate"], &zlib(&zst(&data)), &data);
}

#[test]
fn plans() {
    let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches!(plan(&v(&[])), Plan::Identity));
    assert!(matches!(plan(&v(&["identity", "None"])), Plan::Identity));
    assert!(matches!(plan(&v(&["gzip", "compress"])), Plan::Unknown));
    assert!(matches!(plan(&v(&["GZIP"])), Plan::Decode(_)));
    match plan(&v(&["identity"; 6])) {
        Plan::Refused(e) => {
            assert_eq!(e.code(), ErrorCode::BadContentEncoding);
            assert!(
                e.to_string().contains("more than 5 content encodings"),
                "{e}"
            );
        }
        _ => panic!("six codings accepted"),
    }
    assert!(
        unknown_coding()
            .to_string()
            .contains("deflate, gzip, br, zstd")
    );
}

fn fails(codings: &[&str], encoded: &[u8]) -> Error {
    run(&mut chain(codings), encoded, 1 << 20, 16384).expect_err("corrupt stream decoded")
}

#[test]
fn corrupt_streams_are_bad_content_encoding() {
    let data = sample(50_000);
    let mut gz = gzip(&data);
    let n = gz.len();
    gz[20..60].fill(0xff);
    assert_eq!(fails(&["gzip"], &gz).code(), ErrorCode::BadContentEncoding);
    let mut crc = gzip(&data);
    crc[n - 8] ^= 1;
    let e = fails(&["gzip"], &crc);
    assert!(e.to_string().contains("incorrect data check"), "{e}");
    assert_eq!(
        fails(&["gzip"], b"not gzip at all").code(),
        ErrorCode::BadContentEncoding
    );
    assert_eq!(
        fails(&["br"], &[0xff; 64]).code(),
        ErrorCode::BadContentEncoding
    );
    assert_eq!(
        fails(&["zstd"], &[0x28, 0xb5, 0x2f, 0xfd, 0x08]).code(),
        ErrorCode::BadContentEncoding
    );
    let mut z = zst(&data);
    let at = z.len() / 2;
    z[at..].fill(0x5a);
    assert_eq!(fails(&["zstd"], &z).code(), ErrorCode::BadContentEncoding);
}

#[test]
fn data_after_the_stream() {
    let mut gz = gzip(b"abc");
    gz.extend_from_slice(b"garbage");
    // Upstream's answer to bytes after a zlib stream: a write error.
    assert_eq!(fails(&["gzip"], &gz).code(), ErrorCode::WriteError);
    let mut b = br(b"abc");
    b.extend_from_slice(b"garbage");
    assert_eq!(fails(&["br"], &b).code(), ErrorCode::BadContentEncoding);
    let mut z = zst(b"abc");
    z.extend_from_slice(b"garbage");
    assert_eq!(fails(&["zstd"], &z).code(), ErrorCode::BadContentEncoding);
}

#[test]
fn zstd_window_limit() {
    // Window descriptor 0xb8: 2^(10+23) = 8 GiB.
    let frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xb8, 0, 0, 0];
    let e = fails(&["zstd"], &frame);
    assert!(e.to_string().contains("too much memory"), "{e}");
}

#[test]
fn a_bomb_comes_out_in_bounded_pieces() {
    // 64 MiB of zeros gzip to about 64 KiB; one push yields pieces of at
    // most the buffer size, one per pull, never the whole at once.
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 100_000);
    let mut c = chain(&["gzip"]);
    let mut input = &bomb[..];
    let mut buf = vec![0u8; 16384];
    let mut total = 0usize;
    for _ in 0..8 {
        let n = c.pull(&mut input, &mut buf).unwrap();
        assert_eq!(n, 16384);
        total += n;
    }
    assert_eq!(total, 8 * 16384);
}
