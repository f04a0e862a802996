//! Part transfer encodings (upstream's `curl_mime_encoder` names): the
//! identity ones (`binary`, `8bit`, `7bit`, the last refusing 8-bit data
//! when sent) and the streaming `base64` and `quoted-printable` encoders.

/// A part's transfer encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoder {
    /// `binary`: the data as it is.
    Binary,
    /// `8bit`: the data as it is.
    EightBit,
    /// `7bit`: the data as it is; a byte over 127 fails the send with
    /// FETCHE_READ_ERROR.
    SevenBit,
    /// `base64`, in lines of 76 characters separated by CRLF.
    Base64,
    /// `quoted-printable`, lines of at most 76 characters (soft breaks).
    QuotedPrintable,
}

/// The longest encoded line, as upstream.
const LINE: usize = 76;

impl Encoder {
    /// The encoder of this name (any case), as upstream spells them.
    pub fn by_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "binary" => Self::Binary,
            "8bit" => Self::EightBit,
            "7bit" => Self::SevenBit,
            "base64" => Self::Base64,
            "quoted-printable" => Self::QuotedPrintable,
            _ => return None,
        })
    }

    /// The name sent in `Content-Transfer-Encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Binary => "binary",
            Self::EightBit => "8bit",
            Self::SevenBit => "7bit",
            Self::Base64 => "base64",
            Self::QuotedPrintable => "quoted-printable",
        }
    }

    /// The encoded size of `n` bytes, if it depends only on `n`.
    pub(crate) fn encoded_size(self, n: u64) -> Option<u64> {
        match self {
            Self::Binary | Self::EightBit | Self::SevenBit => Some(n),
            Self::Base64 if n == 0 => Some(0),
            Self::Base64 => {
                let chars = 4 * n.div_ceil(3);
                Some(chars + 2 * ((chars - 1) / LINE as u64))
            }
            Self::QuotedPrintable => (n == 0).then_some(0),
        }
    }
}

/// The running state of one part's encoding.
#[derive(Debug)]
pub(crate) struct EncState {
    kind: Encoder,
    /// Input bytes held back: base64's partial group, quoted-printable's
    /// trailing CR or blank (whose encoding depends on the next byte).
    carry: Vec<u8>,
    /// Characters on the current output line.
    col: usize,
}

/// Why encoding stopped.
#[derive(Debug)]
pub(crate) struct EightBitData;

impl EncState {
    pub(crate) fn new(kind: Encoder) -> Self {
        Self {
            kind,
            carry: Vec::new(),
            col: 0,
        }
    }

    /// Encodes `input` onto `out`, holding back what depends on what
    /// follows.
    pub(crate) fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), EightBitData> {
        match self.kind {
            Encoder::Binary | Encoder::EightBit => out.extend_from_slice(input),
            Encoder::SevenBit => {
                if input.iter().any(|&b| b > 127) {
                    return Err(EightBitData);
                }
                out.extend_from_slice(input);
            }
            Encoder::Base64 => {
                self.carry.extend_from_slice(input);
                let whole = self.carry.len() / 3 * 3;
                let rest = self.carry.split_off(whole);
                let groups = std::mem::replace(&mut self.carry, rest);
                self.base64(&groups, out);
            }
            Encoder::QuotedPrintable => {
                self.carry.extend_from_slice(input);
                let data = std::mem::take(&mut self.carry);
                let used = self.qp(&data, false, out);
                self.carry = data[used..].to_vec();
            }
        }
        Ok(())
    }

    /// Encodes what was held back: the end of the data.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        let data = std::mem::take(&mut self.carry);
        match self.kind {
            Encoder::Base64 => self.base64(&data, out),
            Encoder::QuotedPrintable => {
                self.qp(&data, true, out);
            }
            _ => {}
        }
    }

    fn base64(&mut self, data: &[u8], out: &mut Vec<u8>) {
        use base64::Engine as _;
        let text = base64::engine::general_purpose::STANDARD.encode(data);
        for c in text.bytes() {
            if self.col == LINE {
                out.extend_from_slice(b"\r\n");
                self.col = 0;
            }
            out.push(c);
            self.col += 1;
        }
    }

    /// Quoted-printable of `data`; returns how many bytes it used (the
    /// rest waits for more input unless `last`).
    fn qp(&mut self, data: &[u8], last: bool, out: &mut Vec<u8>) -> usize {
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            let next = data.get(i + 1).copied();
            if b == b'\r' && next == Some(b'\n') {
                out.extend_from_slice(b"\r\n");
                self.col = 0;
                i += 2;
                continue;
            }
            let literal = match b {
                // A blank stays literal only when it is known not to end
                // a line.
                b' ' | b'\t' => match next {
                    None if !last => return i,
                    None | Some(b'\r') => false,
                    Some(_) => true,
                },
                b'\r' if next.is_none() && !last => return i,
                33..=60 | 62..=126 => true,
                _ => false,
            };
            let width = if literal { 1 } else { 3 };
            if self.col + width > LINE - 1 {
                out.extend_from_slice(b"=\r\n");
                self.col = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(format!("={b:02X}").as_bytes());
            }
            self.col += width;
            i += 1;
        }
        i
    }
}
