//! A complete header block: HPACK-decoded, validated, and turned into a
//! response head, trailers, or a stream error.

use super::{Block, Connection, Recv};
use crate::h2::error::{ConnError, Reason};
use crate::h2::headers::Collector;

impl Connection {
    pub(super) fn finish_block(&mut self, block: Block) -> Result<Recv, ConnError> {
        if let Some(promised) = block.promised {
            return self.finish_promise(&block, promised);
        }
        let stream = self.streams.get(&block.stream);
        let trailers = stream.is_some_and(|s| s.final_head);
        let mut c = Collector::new(trailers, self.config.limits.max_header_list as usize);
        // Decoded even for a stream we no longer track: the HPACK state
        // is shared by the whole connection.
        self.decoder
            .decode(&block.buf, |n, v| c.field(n, v))
            .map_err(|e| ConnError::local(Reason::COMPRESSION_ERROR, e.detail()))?;
        c.finish();
        let id = block.stream;
        let Some(s) = self.streams.get_mut(&id) else {
            return Ok(Recv::Control);
        };
        if s.remote_end {
            return Ok(self.stream_error(id, Reason::STREAM_CLOSED, "HEADERS after END_STREAM"));
        }
        if c.oversize {
            return Ok(self.stream_error(id, Reason::CANCEL, "response header list too large"));
        }
        if let Some(why) = c.malformed {
            return Ok(self.stream_error(id, Reason::PROTOCOL_ERROR, why));
        }
        let end_stream = block.end_stream;
        if trailers && !end_stream {
            return Ok(self.stream_error(
                id,
                Reason::PROTOCOL_ERROR,
                "trailers without END_STREAM",
            ));
        }
        let status = c.status.unwrap_or(0);
        let interim = !trailers && status < 200;
        if interim && (end_stream || status == 101) {
            return Ok(self.stream_error(id, Reason::PROTOCOL_ERROR, "invalid interim response"));
        }
        if !interim {
            s.final_head = true;
        }
        if end_stream {
            s.remote_end = true;
            if s.is_closed() {
                self.streams.remove(&id);
            }
        }
        if trailers {
            return Ok(Recv::Trailers {
                stream: id,
                fields: c.fields,
            });
        }
        Ok(Recv::Head {
            stream: id,
            status,
            fields: c.fields,
            end_stream,
        })
    }
}
