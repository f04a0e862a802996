//! HPACK against the examples of RFC 7541 Appendix C, and against
//! malformed blocks.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

fn decode(dec: &mut Decoder, block: &str) -> Result<Vec<(String, String)>, HpackError> {
    let mut out = Vec::new();
    dec.decode(&hex(block), |n, v| {
        out.push((
            String::from_utf8(n.to_vec()).unwrap(),
            String::from_utf8(v.to_vec()).unwrap(),
        ));
    })?;
    Ok(out)
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn c2_single_representations() {
    let mut d = Decoder::new(TABLE_SIZE);
    let got = decode(
        &mut d,
        "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
    );
    assert_eq!(got.unwrap(), fields(&[("custom-key", "custom-header")]));
    assert_eq!(d.table().size(), 55);

    let mut d = Decoder::new(TABLE_SIZE);
    let got = decode(&mut d, "040c 2f73 616d 706c 652f 7061 7468");
    assert_eq!(got.unwrap(), fields(&[(":path", "/sample/path")]));
    assert_eq!(d.table().len(), 0);

    let mut d = Decoder::new(TABLE_SIZE);
    let got = decode(&mut d, "1008 7061 7373 776f 7264 0673 6563 7265 74");
    assert_eq!(got.unwrap(), fields(&[("password", "secret")]));
    assert_eq!(d.table().len(), 0);

    let mut d = Decoder::new(TABLE_SIZE);
    assert_eq!(decode(&mut d, "82").unwrap(), fields(&[(":method", "GET")]));
}

const REQ1: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
];
const REQ2: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
    ("cache-control", "no-cache"),
];
const REQ3: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "https"),
    (":path", "/index.html"),
    (":authority", "www.example.com"),
    ("custom-key", "custom-value"),
];

fn requests(blocks: [&str; 3]) {
    let mut d = Decoder::new(TABLE_SIZE);
    assert_eq!(decode(&mut d, blocks[0]).unwrap(), fields(REQ1));
    assert_eq!(d.table().size(), 57);
    assert_eq!(decode(&mut d, blocks[1]).unwrap(), fields(REQ2));
    assert_eq!(d.table().size(), 110);
    assert_eq!(decode(&mut d, blocks[2]).unwrap(), fields(REQ3));
    assert_eq!(d.table().size(), 164);
    assert_eq!(d.table().len(), 3);
}

#[test]
fn c3_requests_without_huffman() {
    requests([
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ]);
}

#[test]
fn c4_requests_with_huffman() {
    requests([
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ]);
}

const DATE1: &str = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2: &str = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOC: &str = "https://www.example.com";
const COOKIE: &str = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

fn responses(blocks: [&str; 3]) {
    let mut d = Decoder::new(256);
    let r1 = [
        (":status", "302"),
        ("cache-control", "private"),
        ("date", DATE1),
        ("location", LOC),
    ];
    assert_eq!(decode(&mut d, blocks[0]).unwrap(), fields(&r1));
    assert_eq!(d.table().size(), 222);
    let r2 = [
        (":status", "307"),
        ("cache-control", "private"),
        ("date", DATE1),
        ("location", LOC),
    ];
    assert_eq!(decode(&mut d, blocks[1]).unwrap(), fields(&r2));
    assert_eq!(d.table().size(), 222);
    let r3 = [
        (":status", "200"),
        ("cache-control", "private"),
        ("date", DATE2),
        ("location", LOC),
        ("content-encoding", "gzip"),
        ("set-cookie", COOKIE),
    ];
    assert_eq!(decode(&mut d, blocks[2]).unwrap(), fields(&r3));
    assert_eq!(d.table().size(), 215);
    assert_eq!(d.table().len(), 3);
}

#[test]
fn c5_responses_without_huffman_evict() {
    responses([
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
         6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
         3d31",
    ]);
}

#[test]
fn c6_responses_with_huffman_evict() {
    responses([
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
         9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ]);
}

#[test]
fn encoder_output_decodes_to_the_same_fields() {
    let long = "x".repeat(300);
    let input: Vec<(&[u8], &[u8])> = vec![
        (b":method", b"GET"),
        (b":scheme", b"https"),
        (b":path", b"/a/b?c=d"),
        (b":authority", b"example.com:8443"),
        (b"user-agent", b"fetch/0.1"),
        (b"authorization", b"Basic dXNlcjpwYXNz"),
        (b"x-long", long.as_bytes()),
        (b"x-binaryish", b"\x01\xff"),
    ];
    let mut block = Vec::new();
    for (n, v) in &input {
        encode_field(n, v, &mut block);
    }
    // An exact static pair is one byte.
    let mut one = Vec::new();
    encode_field(b":method", b"GET", &mut one);
    assert_eq!(one, [0x82]);
    let mut d = Decoder::new(TABLE_SIZE);
    let mut got: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    d.decode(&block, |n, v| got.push((n.to_vec(), v.to_vec())))
        .unwrap();
    let want: Vec<(Vec<u8>, Vec<u8>)> = input
        .iter()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect();
    assert_eq!(got, want);
    // Nothing was inserted: the encoder never uses the dynamic table.
    assert_eq!(d.table().len(), 0);
}

#[test]
fn malformed_blocks_are_compression_errors() {
    let cases: &[(&str, HpackError)] = &[
        ("80", HpackError::BadIndex), // index 0
        ("be", HpackError::BadIndex), // 62: empty dynamic table
        ("ff ff ff ff ff 0f", HpackError::IntegerOverflow),
        ("ff 80 80 80 80 80 01", HpackError::IntegerOverflow),
        ("400a 6375 7374", HpackError::Truncated), // name shorter than its length
        ("41", HpackError::Truncated),             // value missing
        ("3fe2 1f", HpackError::BadTableSizeUpdate), // 4096 + 1 > limit
        ("82 20", HpackError::BadTableSizeUpdate), // update after a field
        ("4081 ff00", HpackError::BadHuffman),     // bad padding in a name
    ];
    for (block, want) in cases {
        let mut d = Decoder::new(TABLE_SIZE);
        assert_eq!(decode(&mut d, block), Err(*want), "block {block}");
    }
}

#[test]
fn size_update_evicts_and_entry_larger_than_table_empties_it() {
    let mut d = Decoder::new(TABLE_SIZE);
    decode(
        &mut d,
        "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
    )
    .unwrap();
    assert_eq!(d.table().len(), 1);
    // Size update to 0 then back to 4096 at the start of a block.
    decode(&mut d, "20 3fe1 1f").unwrap();
    assert_eq!((d.table().len(), d.table().max_size()), (0, 4096));
    // Shrink to 40, then insert a 55-byte entry: the table ends empty.
    let got = decode(
        &mut d,
        "3f09 400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
    );
    assert_eq!(got.unwrap(), fields(&[("custom-key", "custom-header")]));
    assert_eq!((d.table().len(), d.table().size()), (0, 0));
}

#[test]
fn table_stays_within_its_limit_under_many_inserts() {
    let mut d = Decoder::new(TABLE_SIZE);
    let mut block = Vec::new();
    for i in 0..1000 {
        block.push(0x40);
        let name = format!("n{i}");
        block.push(name.len() as u8);
        block.extend_from_slice(name.as_bytes());
        block.push(100);
        block.extend_from_slice(&[b'v'; 100]);
    }
    let mut count = 0;
    d.decode(&block, |_, _| count += 1).unwrap();
    assert_eq!(count, 1000);
    assert!(d.table().size() <= TABLE_SIZE);
    assert_eq!(d.table().len(), TABLE_SIZE / (4 + 100 + 32));
}
