//! The HPACK encoder: static-table references and literals, no dynamic
//! table (docs/decisions.md: "HTTP/2 layer").
//!
//! Never inserting into the dynamic table keeps the encoder stateless, so
//! the peer's SETTINGS_HEADER_TABLE_SIZE never matters and no size update
//! is ever needed. Request heads are small; the cost is a few bytes per
//! repeated field.

use super::huffman;
use super::table::find_static;

/// Appends the representation of one field to `out`. Fields that carry
/// credentials are sent "never indexed" (RFC 7541 7.1.3) so that no
/// intermediary stores them in a table.
pub(crate) fn encode_field(name: &[u8], value: &[u8], out: &mut Vec<u8>) {
    let (name_index, pair_index) = find_static(name, value);
    if let Some(i) = pair_index {
        integer(i, 7, 0x80, out);
        return;
    }
    let sensitive = matches!(name, b"authorization" | b"proxy-authorization" | b"cookie");
    let flags = if sensitive { 0x10 } else { 0x00 };
    match name_index {
        Some(i) => integer(i, 4, flags, out),
        None => {
            out.push(flags);
            string(name, out);
        }
    }
    string(value, out);
}

/// An integer with an `n`-bit prefix, the rest of the first byte `flags`.
pub(crate) fn integer(value: usize, n: u32, flags: u8, out: &mut Vec<u8>) {
    let max = (1usize << n) - 1;
    if value < max {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | max as u8);
    let mut rest = value - max;
    while rest >= 0x80 {
        out.push((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// A string literal, Huffman-coded when that is shorter.
fn string(s: &[u8], out: &mut Vec<u8>) {
    let coded = huffman::encoded_len(s);
    if coded < s.len() {
        integer(coded, 7, 0x80, out);
        huffman::encode(s, out);
    } else {
        integer(s.len(), 7, 0x00, out);
        out.extend_from_slice(s);
    }
}
