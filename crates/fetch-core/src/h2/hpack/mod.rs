//! HPACK header compression (RFC 7541): the decoder with its dynamic
//! table and size limits, a stateless encoder, and the Huffman code.

mod decoder;
mod encoder;
mod huffman;
mod table;
#[cfg(test)]
mod tests;

pub(crate) use decoder::{Decoder, HpackError};
pub(crate) use encoder::encode_field;

/// The dynamic table size we allow the server's encoder (the RFC default;
/// we never advertise another SETTINGS_HEADER_TABLE_SIZE).
pub(crate) const TABLE_SIZE: usize = 4096;
