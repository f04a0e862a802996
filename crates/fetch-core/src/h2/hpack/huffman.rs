//! The HPACK Huffman code (RFC 7541 Appendix B).
//!
//! The code is canonical: ordering symbols by (code length, symbol) and
//! counting up gives every code. So the table below holds only each
//! symbol's code length (an RFC fact) and the codes are derived at compile
//! time; the unit tests check a few against the RFC's listing.

/// Code length in bits of symbols 0..=255 and of EOS (256).
const LENGTHS: [u8; 257] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5,
    5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6,
    6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22,
    23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22,
    21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20,
    22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19,
    21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22,
    22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];

/// The end-of-string symbol; never valid inside a string.
const EOS: u16 = 256;
/// Longest code, in bits.
const MAX_LEN: usize = 30;

/// Codes, plus what canonical decoding needs: per length, the first code,
/// how many codes have that length, and where they start in `sorted`.
struct Code {
    codes: [u32; 257],
    first: [u32; MAX_LEN + 1],
    count: [u16; MAX_LEN + 1],
    start: [u16; MAX_LEN + 1],
    sorted: [u16; 257],
}

const CODE: Code = build();

const fn build() -> Code {
    let mut c = Code {
        codes: [0; 257],
        first: [0; MAX_LEN + 1],
        count: [0; MAX_LEN + 1],
        start: [0; MAX_LEN + 1],
        sorted: [0; 257],
    };
    let mut code: u32 = 0;
    let mut n: usize = 0;
    let mut len = 1;
    while len <= MAX_LEN {
        c.first[len] = code;
        c.start[len] = n as u16;
        let mut sym = 0;
        while sym < 257 {
            if LENGTHS[sym] as usize == len {
                c.codes[sym] = code;
                c.sorted[n] = sym as u16;
                code += 1;
                n += 1;
                c.count[len] += 1;
            }
            sym += 1;
        }
        code <<= 1;
        len += 1;
    }
    c
}

/// Length in bytes of `s` once Huffman-coded.
pub(crate) fn encoded_len(s: &[u8]) -> usize {
    let bits: usize = s
        .iter()
        .map(|&b| usize::from(LENGTHS[usize::from(b)]))
        .sum();
    bits.div_ceil(8)
}

/// Appends `s` Huffman-coded to `out`, padded with the EOS prefix (ones).
pub(crate) fn encode(s: &[u8], out: &mut Vec<u8>) {
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    for &b in s {
        let len = u32::from(LENGTHS[usize::from(b)]);
        acc = (acc << len) | u64::from(CODE.codes[usize::from(b)]);
        bits += len;
        while bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1u64 << bits) - 1;
    }
    if bits > 0 {
        let pad = 8 - bits;
        out.push(((acc << pad) | ((1u64 << pad) - 1)) as u8);
    }
}

/// Why a Huffman string could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HuffmanError {
    /// EOS inside the string, a code longer than 30 bits, or padding that
    /// is longer than 7 bits or not the EOS prefix (RFC 7541 section 5.2).
    Invalid,
}

/// Per code length, the first code after the last of that length,
/// left-aligned in 32 bits: the next 32 input bits start a code of length
/// `len` when they are below `LIMIT[len]` and not below `LIMIT[len - 1]`.
/// The code is complete, so `LIMIT[MAX_LEN]` is 2^32.
const LIMIT: [u64; MAX_LEN + 1] = limits();

const fn limits() -> [u64; MAX_LEN + 1] {
    let mut l = [0; MAX_LEN + 1];
    let mut len = 1;
    while len <= MAX_LEN {
        l[len] = ((CODE.first[len] + CODE.count[len] as u32) as u64) << (32 - len);
        len += 1;
    }
    l
}

/// Bits looked up at once by [`FAST`].
const FAST_BITS: u32 = 8;

/// For each value of the next 8 input bits: the symbol and code length
/// when a code of at most 8 bits starts there (most of what headers
/// carry), else length 0.
const FAST: [(u8, u8); 1 << FAST_BITS] = fast();

const fn fast() -> [(u8, u8); 1 << FAST_BITS] {
    let mut t = [(0, 0); 1 << FAST_BITS];
    let mut sym = 0;
    while sym < 256 {
        let len = LENGTHS[sym] as u32;
        if len <= FAST_BITS {
            let base = (CODE.codes[sym] << (FAST_BITS - len)) as usize;
            let mut k = 0;
            while k < 1 << (FAST_BITS - len) {
                t[base + k] = (sym as u8, len as u8);
                k += 1;
            }
        }
        sym += 1;
    }
    t
}

/// The symbol whose code starts the 32 bits `peek`, and its length.
fn symbol(peek: u32) -> (u16, u32) {
    let (sym, len) = FAST[(peek >> (32 - FAST_BITS)) as usize];
    if len != 0 {
        return (u16::from(sym), u32::from(len));
    }
    let mut len = FAST_BITS as usize + 1;
    while len < MAX_LEN && u64::from(peek) >= LIMIT[len] {
        len += 1;
    }
    let offset = (peek >> (32 - len)) - CODE.first[len];
    let sym = CODE.sorted[usize::from(CODE.start[len]) + offset as usize];
    (sym, len as u32)
}

/// Appends the decoding of `input` to `out`: a symbol at a time from a
/// 64-bit window of the input (a table for the codes of up to 8 bits, the
/// canonical limits for longer ones).
pub(crate) fn decode(input: &[u8], out: &mut Vec<u8>) -> Result<(), HuffmanError> {
    out.reserve(input.len() + input.len() / 2);
    // The unread bits, left-aligned; the bits below them are zero.
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    let mut bytes = input.iter();
    loop {
        while bits <= 56 {
            let Some(&b) = bytes.next() else { break };
            acc |= u64::from(b) << (56 - bits);
            bits += 8;
        }
        if bits == 0 {
            return Ok(());
        }
        let (sym, len) = symbol((acc >> 32) as u32);
        if len > bits {
            // No whole code left: the padding, at most 7 bits, all ones
            // (the most significant bits of EOS).
            let pad = acc >> (64 - bits);
            return if bits <= 7 && pad == (1 << bits) - 1 {
                Ok(())
            } else {
                Err(HuffmanError::Invalid)
            };
        }
        if sym == EOS {
            return Err(HuffmanError::Invalid);
        }
        out.push(sym as u8);
        acc <<= len;
        bits -= len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_rfc_listing() {
        // A few rows of RFC 7541 Appendix B.
        assert_eq!(
            (CODE.codes[usize::from(b'0')], LENGTHS[usize::from(b'0')]),
            (0x0, 5)
        );
        assert_eq!(
            (CODE.codes[usize::from(b'a')], LENGTHS[usize::from(b'a')]),
            (0x3, 5)
        );
        assert_eq!(
            (CODE.codes[usize::from(b' ')], LENGTHS[usize::from(b' ')]),
            (0x14, 6)
        );
        assert_eq!((CODE.codes[0], LENGTHS[0]), (0x1ff8, 13));
        assert_eq!((CODE.codes[255], LENGTHS[255]), (0x3ffffee, 26));
        assert_eq!((CODE.codes[256], LENGTHS[256]), (0x3fff_ffff, 30));
    }

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let mut enc = Vec::new();
        encode(&all, &mut enc);
        assert_eq!(enc.len(), encoded_len(&all));
        let mut dec = Vec::new();
        decode(&enc, &mut dec).unwrap();
        assert_eq!(dec, all);
    }

    #[test]
    fn rfc_example_www_example_com() {
        // RFC 7541 C.4.1.
        let mut enc = Vec::new();
        encode(b"www.example.com", &mut enc);
        assert_eq!(
            enc,
            [
                0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff
            ]
        );
    }

    #[test]
    fn bad_padding_and_eos_are_rejected() {
        let mut out = Vec::new();
        // 'a' (00011) then padding 000: not the EOS prefix.
        assert_eq!(decode(&[0b0001_1000], &mut out), Err(HuffmanError::Invalid));
        // A whole byte of padding ones.
        assert_eq!(decode(&[0xff], &mut out), Err(HuffmanError::Invalid));
        // EOS itself (30 ones) padded.
        assert_eq!(
            decode(&[0xff, 0xff, 0xff, 0xff], &mut out),
            Err(HuffmanError::Invalid)
        );
        // Empty input decodes to nothing.
        out.clear();
        assert_eq!(decode(&[], &mut out), Ok(()));
        assert!(out.is_empty());
    }

    /// A bit at a time, the canonical code's definition: what the table
    /// decoder must agree with on every input, valid or not.
    fn reference(input: &[u8], out: &mut Vec<u8>) -> Result<(), HuffmanError> {
        let (mut acc, mut len) = (0u32, 0usize);
        for &byte in input {
            for shift in (0..8).rev() {
                acc = (acc << 1) | u32::from((byte >> shift) & 1);
                len += 1;
                if len > MAX_LEN {
                    return Err(HuffmanError::Invalid);
                }
                let offset = acc.wrapping_sub(CODE.first[len]);
                if acc >= CODE.first[len] && offset < u32::from(CODE.count[len]) {
                    let sym = CODE.sorted[usize::from(CODE.start[len]) + offset as usize];
                    if sym == EOS {
                        return Err(HuffmanError::Invalid);
                    }
                    out.push(sym as u8);
                    (acc, len) = (0, 0);
                }
            }
        }
        if len > 7 || acc != (1u32 << len) - 1 {
            return Err(HuffmanError::Invalid);
        }
        Ok(())
    }

    #[test]
    fn table_decoder_agrees_with_the_bitwise_definition() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..20_000 {
            let n = (next() % 40) as usize;
            let input: Vec<u8> = if round % 2 == 0 {
                // Valid strings: encoded text, long and short codes.
                let text: Vec<u8> = (0..n)
                    .map(|_| match next() % 4 {
                        0 => (next() % 256) as u8,
                        _ => b' ' + (next() % 95) as u8,
                    })
                    .collect();
                let mut enc = Vec::new();
                encode(&text, &mut enc);
                enc
            } else {
                // Arbitrary bytes: mostly invalid.
                (0..n).map(|_| next() as u8).collect()
            };
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let (ra, rb) = (decode(&input, &mut a), reference(&input, &mut b));
            assert_eq!(ra, rb, "{input:02x?}");
            if ra.is_ok() {
                assert_eq!(a, b, "{input:02x?}");
            }
        }
    }
}
