//! HSTSREADFUNCTION/HSTSREADDATA/HSTSWRITEFUNCTION/HSTSWRITEDATA from C
//! (tests/c/hsts_callbacks.c): the program runs against libfetch under
//! valgrind and, renamed, against the installed libcurl; both must print
//! the same lines (the entry struct's layout, when the read callback is
//! called and what its entries do to the transfers' URLs, the codes of a
//! failing callback, what the write callback gets at cleanup).

mod cbuild;

use cbuild::Twin;

static PROGRAM: Twin = Twin::new("hsts_callbacks");

/// Ours under valgrind, and libcurl's; returns ours after checking they
/// agree.
fn both(mode: &str) -> Vec<String> {
    let ours = PROGRAM.ours(&[mode]);
    let theirs = PROGRAM.theirs(&[mode]);
    assert_eq!(ours, theirs, "libfetch and libcurl differ in mode {mode}");
    ours
}

#[test]
fn entry_layout_is_upstreams() {
    assert_eq!(both("layout"), ["size=40 expire=17 index=16"]);
}

#[test]
fn read_entries_upgrade_transfers_and_come_back_at_cleanup() {
    let out = both("read");
    let expected = [
        "setopt=0 0 0 0",
        "read 1 room=256 sub=0 expire0=0 data=r",
        "read 2 room=256 sub=0 expire0=0 data=r",
        "read 3 room=256 sub=0 expire0=0 data=r",
        // includeSubDomains (the bit field) reached the cache.
        "perform=7 reads=3 url=https://sub.one.example:1/",
        "read 4 room=256 sub=0 expire0=0 data=r",
        // two.example has no subdomains.
        "perform=7 reads=4 url=http://sub.two.example:1/",
        "read 5 room=256 sub=0 expire0=0 data=r",
        "perform=7 reads=5 url=https://two.example:1/",
        "cleanup",
        "write 0/2 name=one.example namelen=11 sub=1 expire=20301231 10:00:00 data=w",
        // The name as the read callback gave it (matching ignores case).
        "write 1/2 name=Two.Example namelen=11 sub=0 expire=unlimited data=w",
    ];
    assert_eq!(out, expected);
}

#[test]
fn a_failing_read_callback_fails_the_transfer() {
    let out = both("fail");
    // FETCHE_ABORTED_BY_CALLBACK, before anything else happens.
    assert_eq!(out[2], "perform=42 reads=1 url=http://sub.one.example:1/");
}

#[test]
fn an_entry_without_a_name_is_a_bad_argument() {
    let out = both("noname");
    assert_eq!(out[2], "perform=43 reads=1 url=http://sub.one.example:1/");
}

#[test]
fn without_hsts_the_callbacks_are_not_called() {
    let out = both("off");
    assert!(
        !out.iter()
            .any(|l| l.starts_with("read ") || l.starts_with("write ")),
        "{out:?}"
    );
}

#[test]
fn the_write_callback_stops_when_it_says_so() {
    let out = both("stop");
    let writes: Vec<&String> = out.iter().filter(|l| l.starts_with("write ")).collect();
    assert_eq!(writes.len(), 1, "{out:?}");
}
