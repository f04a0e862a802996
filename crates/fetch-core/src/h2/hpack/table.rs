//! The HPACK static table (RFC 7541 Appendix A) and the dynamic table
//! (RFC 7541 section 2.3.2 and 4).

use std::collections::VecDeque;

/// RFC 7541 Appendix A; index 1 is the first entry.
pub(crate) const STATIC: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// Bytes an entry counts for beyond its name and value (RFC 7541 4.1).
pub(crate) const ENTRY_OVERHEAD: usize = 32;

/// The static-table index of `name`, and of the exact pair if there is one.
pub(crate) fn find_static(name: &[u8], value: &[u8]) -> (Option<usize>, Option<usize>) {
    let mut name_at = None;
    for (i, (n, v)) in STATIC.iter().enumerate() {
        if *n == name {
            if *v == value {
                return (Some(i + 1), Some(i + 1));
            }
            name_at.get_or_insert(i + 1);
        }
    }
    (name_at, None)
}

/// A dynamic table entry: name and value.
type Entry = (Box<[u8]>, Box<[u8]>);

/// The decoder's dynamic table: newest entry first, evicting the oldest
/// while the size exceeds the maximum. Its memory is bounded by the size
/// limit we advertise (SETTINGS_HEADER_TABLE_SIZE) plus one entry.
#[derive(Debug)]
pub(crate) struct DynamicTable {
    entries: VecDeque<Entry>,
    size: usize,
    max_size: usize,
}

impl DynamicTable {
    pub(crate) fn new(max_size: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            size: 0,
            max_size,
        }
    }

    /// The current size in RFC 7541 terms (not bytes of memory).
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The current maximum size.
    pub(crate) fn max_size(&self) -> usize {
        self.max_size
    }

    /// Entry `index` in the combined address space (1..=61 static, then
    /// dynamic, newest first).
    pub(crate) fn get(&self, index: usize) -> Option<(&[u8], &[u8])> {
        if index == 0 {
            return None;
        }
        if index <= STATIC.len() {
            let (n, v) = STATIC[index - 1];
            return Some((n, v));
        }
        self.entries
            .get(index - STATIC.len() - 1)
            .map(|(n, v)| (&n[..], &v[..]))
    }

    /// A dynamic table size update: evicts down to the new maximum.
    pub(crate) fn set_max_size(&mut self, max: usize) {
        self.max_size = max;
        self.evict_to(max);
    }

    /// Inserts an entry; one larger than the whole table empties it
    /// (RFC 7541 4.4) and is not kept.
    pub(crate) fn insert(&mut self, name: &[u8], value: &[u8]) {
        let entry = name.len() + value.len() + ENTRY_OVERHEAD;
        if entry > self.max_size {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.max_size - entry);
        self.entries.push_front((name.into(), value.into()));
        self.size += entry;
    }

    fn evict_to(&mut self, target: usize) {
        while self.size > target {
            let Some((n, v)) = self.entries.pop_back() else {
                self.size = 0;
                break;
            };
            self.size -= n.len() + v.len() + ENTRY_OVERHEAD;
        }
    }
}
