//! The HPACK decoder (RFC 7541 sections 3, 5 and 6).

use super::huffman;
use super::table::DynamicTable;

/// Why a header block could not be decoded. Each is a connection error of
/// type COMPRESSION_ERROR (RFC 9113 section 4.3): the decoder's state can
/// no longer be trusted to match the peer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HpackError {
    /// The block ended inside a representation.
    Truncated,
    /// An integer that does not fit, or uses more continuation bytes
    /// than any value we accept needs.
    IntegerOverflow,
    /// Index 0, or past the end of the static and dynamic tables.
    BadIndex,
    /// A dynamic table size update above the limit we advertised, or not
    /// at the start of the block.
    BadTableSizeUpdate,
    /// An invalid Huffman string.
    BadHuffman,
}

impl HpackError {
    /// A short description for errors and traces.
    pub(crate) fn detail(self) -> &'static str {
        match self {
            Self::Truncated => "HPACK: truncated header block",
            Self::IntegerOverflow => "HPACK: integer overflow",
            Self::BadIndex => "HPACK: invalid table index",
            Self::BadTableSizeUpdate => "HPACK: invalid dynamic table size update",
            Self::BadHuffman => "HPACK: invalid Huffman string",
        }
    }
}

/// Decodes header blocks, keeping the dynamic table across blocks.
#[derive(Debug)]
pub(crate) struct Decoder {
    table: DynamicTable,
    /// The SETTINGS_HEADER_TABLE_SIZE we advertised: the most a size
    /// update may ask for.
    limit: usize,
    name: Vec<u8>,
    value: Vec<u8>,
}

/// A cursor over a header block.
struct Input<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    fn byte(&mut self) -> Result<u8, HpackError> {
        let b = *self.buf.get(self.pos).ok_or(HpackError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// An integer with an `n`-bit prefix whose first byte was `first`
    /// (RFC 7541 5.1). Values are capped at `u32::MAX`, more than any
    /// length or index we can accept.
    fn integer(&mut self, first: u8, n: u32) -> Result<usize, HpackError> {
        let mask = (1u16 << n) - 1;
        let mut value = u64::from(first) & u64::from(mask);
        if value < u64::from(mask) {
            return Ok(value as usize);
        }
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            value += u64::from(b & 0x7f) << shift;
            if value > u64::from(u32::MAX) {
                return Err(HpackError::IntegerOverflow);
            }
            if b & 0x80 == 0 {
                return usize::try_from(value).map_err(|_| HpackError::IntegerOverflow);
            }
            shift += 7;
            if shift > 28 {
                return Err(HpackError::IntegerOverflow);
            }
        }
    }

    /// A string literal (RFC 7541 5.2), appended to `out` (cleared first).
    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), HpackError> {
        out.clear();
        let first = self.byte()?;
        let len = self.integer(first, 7)?;
        let end = self.pos.checked_add(len).ok_or(HpackError::Truncated)?;
        let raw = self.buf.get(self.pos..end).ok_or(HpackError::Truncated)?;
        self.pos = end;
        if first & 0x80 != 0 {
            huffman::decode(raw, out).map_err(|_| HpackError::BadHuffman)
        } else {
            out.extend_from_slice(raw);
            Ok(())
        }
    }
}

impl Decoder {
    /// A decoder whose table may grow to `limit` (our advertised
    /// SETTINGS_HEADER_TABLE_SIZE; 4096 unless we send another).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            table: DynamicTable::new(limit),
            limit,
            name: Vec::new(),
            value: Vec::new(),
        }
    }

    /// The dynamic table, for tests and traces.
    pub(crate) fn table(&self) -> &DynamicTable {
        &self.table
    }

    /// Decodes one complete header block, calling `emit` for each field in
    /// order. On error the decoder is unusable (the caller ends the
    /// connection with COMPRESSION_ERROR).
    pub(crate) fn decode(
        &mut self,
        block: &[u8],
        mut emit: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), HpackError> {
        let mut input = Input { buf: block, pos: 0 };
        let mut fields_seen = false;
        while input.pos < block.len() {
            let first = input.byte()?;
            if first & 0x80 != 0 {
                let index = input.integer(first, 7)?;
                let (n, v) = self.table.get(index).ok_or(HpackError::BadIndex)?;
                emit(n, v);
                fields_seen = true;
            } else if first & 0xc0 == 0x40 {
                self.literal(&mut input, first, 6)?;
                self.table.insert(&self.name, &self.value);
                emit(&self.name, &self.value);
                fields_seen = true;
            } else if first & 0xe0 == 0x20 {
                // RFC 7541 4.2: size updates come first in a block.
                let size = input.integer(first, 5)?;
                if fields_seen || size > self.limit {
                    return Err(HpackError::BadTableSizeUpdate);
                }
                self.table.set_max_size(size);
            } else {
                // 0000xxxx without indexing, 0001xxxx never indexed.
                self.literal(&mut input, first, 4)?;
                emit(&self.name, &self.value);
                fields_seen = true;
            }
        }
        Ok(())
    }

    /// Reads a literal's name (indexed or literal) and value into
    /// `self.name` and `self.value`.
    fn literal(&mut self, input: &mut Input<'_>, first: u8, prefix: u32) -> Result<(), HpackError> {
        let index = input.integer(first, prefix)?;
        if index == 0 {
            input.string(&mut self.name)?;
        } else {
            let (n, _) = self.table.get(index).ok_or(HpackError::BadIndex)?;
            self.name.clear();
            self.name.extend_from_slice(n);
        }
        input.string(&mut self.value)
    }
}
