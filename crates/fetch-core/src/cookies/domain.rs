//! The public-suffix check: a `Domain` attribute may name the host itself
//! or a parent of it, but never a public suffix (`com`, `co.uk`,
//! `github.io`), so one site cannot set cookies for every other site under
//! the same suffix. The list is the `psl` crate's compiled copy of the
//! Public Suffix List (ICANN and private sections, with the implicit `*`
//! rule, so an unknown top-level name is a suffix too).

/// Whether `host` may set a cookie for `domain` (both lower case, `domain`
/// already known to domain-match `host`): the same name always may; a
/// parent only when it is longer than `host`'s public suffix.
pub(crate) fn acceptable(host: &str, domain: &str) -> bool {
    if host.eq_ignore_ascii_case(domain) {
        return true;
    }
    match psl::suffix(host.as_bytes()) {
        Some(suffix) => domain.len() > suffix.as_bytes().len(),
        None => true,
    }
}
