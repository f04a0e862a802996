//! br (RFC 7932) on brotli-decompressor, a pure-Rust decoder.

use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc};

use super::{Step, corrupt};
use crate::error::Error;

/// A brotli decoder.
pub(super) struct Brotli {
    state: Box<BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>>,
    done: bool,
}

impl Brotli {
    pub(super) fn new() -> Self {
        Self {
            state: Box::new(BrotliState::new(
                StandardAlloc::default(),
                StandardAlloc::default(),
                StandardAlloc::default(),
            )),
            done: false,
        }
    }

    /// One step; see `Stage::run`.
    pub(super) fn run(&mut self, input: &[u8], out: &mut [u8]) -> Result<Step, Error> {
        if self.done {
            if input.is_empty() {
                return Ok(Step { used: 0, made: 0 });
            }
            return Err(corrupt("brotli: data after the end of the stream"));
        }
        let (mut avail_in, mut in_at) = (input.len(), 0);
        let (mut avail_out, mut out_at) = (out.len(), 0);
        let mut total = 0;
        let result = BrotliDecompressStream(
            &mut avail_in,
            &mut in_at,
            input,
            &mut avail_out,
            &mut out_at,
            out,
            &mut total,
            &mut self.state,
        );
        match result {
            BrotliResult::ResultFailure => {
                Err(corrupt(format_args!("brotli: {:?}", self.state.error_code)))
            }
            BrotliResult::ResultSuccess => {
                self.done = true;
                Ok(Step {
                    used: in_at,
                    made: out_at,
                })
            }
            BrotliResult::NeedsMoreInput | BrotliResult::NeedsMoreOutput => Ok(Step {
                used: in_at,
                made: out_at,
            }),
        }
    }
}
