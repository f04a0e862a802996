//! NOPROXY matching (FETCHOPT_NOPROXY, `no_proxy`): which hosts are
//! reached directly although a proxy is set.

use std::net::IpAddr;

/// Whether `host` (lower case, IPv6 without brackets) is named by the
/// NOPROXY list `list`: entries separated by commas or spaces; `*` alone
/// matches every host; a name matches itself and its subdomains (a leading
/// dot is ignored, as upstream); an IP address matches itself, and
/// `ADDR/BITS` a range of addresses.
pub(crate) fn no_proxy_matches(list: &str, host: &str) -> bool {
    if list.trim() == "*" {
        return true;
    }
    let host = host.trim_end_matches('.');
    let ip = host.parse::<IpAddr>().ok();
    list.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| match ip {
            Some(ip) => ip_matches(entry, ip),
            None => name_matches(entry, host),
        })
}

/// A host name against one entry: equal, or a subdomain of it.
fn name_matches(entry: &str, host: &str) -> bool {
    let entry = entry.trim_start_matches('.').trim_end_matches('.');
    if entry.is_empty() || entry.len() > host.len() {
        return false;
    }
    let tail = &host[host.len() - entry.len()..];
    if !tail.eq_ignore_ascii_case(entry) {
        return false;
    }
    host.len() == entry.len() || host.as_bytes()[host.len() - entry.len() - 1] == b'.'
}

/// An address against one entry: the same address, or inside `ADDR/BITS`.
fn ip_matches(entry: &str, ip: IpAddr) -> bool {
    let entry = entry.trim_start_matches('[').trim_end_matches(']');
    let (addr, bits) = match entry.split_once('/') {
        Some((a, b)) => match b.parse::<u32>() {
            Ok(b) => (a, Some(b)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(h)) => prefix_eq(&n.octets(), &h.octets(), bits.unwrap_or(32)),
        (IpAddr::V6(n), IpAddr::V6(h)) => prefix_eq(&n.octets(), &h.octets(), bits.unwrap_or(128)),
        _ => false,
    }
}

/// The first `bits` bits of `a` and `b` are equal (`bits` beyond their
/// length: no match, as upstream treats a bad mask).
fn prefix_eq(a: &[u8], b: &[u8], bits: u32) -> bool {
    let bits = bits as usize;
    if bits > a.len() * 8 {
        return false;
    }
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}
