//! Issue 14: a program written for upstream's API, renamed
//! `s/curl/fetch/g; s/CURL/FETCH/g`, compiles and links. Checked against
//! the upstream headers installed on this machine (Debian's
//! `libcurl4-openssl-dev`, which `.ci/run` installs), read only here, at
//! test time:
//!
//! 1. every constant (enum member or object-like macro) has its renamed
//!    counterpart with the same value, size and signedness (strings: the
//!    same text);
//! 2. every other macro, every typedef and every struct is there; complete
//!    types have the same size, struct members the same offsets;
//! 3. every function is exported by `libfetch.so`, or provided by the header
//!    (the variadic ones, [`HEADER_PROVIDED`]);
//! 4. `fetch_easy_option_next` lists the same options (name, number, type,
//!    alias flag) as the installed libcurl's `curl_easy_option_next`.
//!
//! The facts are taken by the compiler: the test preprocesses
//! `<curl/curl.h>` to find the names, then compiles C programs that print
//! each name's value for both headers. Deliberate differences are listed in
//! [`OWN_VALUE`] and [`END_MARKER`] (with reasons); nothing else may
//! differ.
//!
//! Rename rule: `curl` -> `fetch`, `CURL` -> `FETCH`, and `Curl` -> `Fetch`
//! (upstream's one mixed-case name, the URL handle's struct tag).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Names whose value is libfetch's own, not upstream's: only their
/// presence is checked.
const OWN_VALUE: &[&str] = &[
    // The library's own version, copyright and release date.
    "LIBCURL_VERSION",
    "LIBCURL_VERSION_MAJOR",
    "LIBCURL_VERSION_MINOR",
    "LIBCURL_VERSION_PATCH",
    "LIBCURL_VERSION_NUM",
    "LIBCURL_COPYRIGHT",
    "LIBCURL_TIMESTAMP",
];

/// Name endings of "one past the last" markers: libfetch follows a newer
/// upstream than the installed one may be, so its markers may be larger,
/// never smaller.
const END_MARKER: &[&str] = &["_LAST", "_LASTENTRY", "_LASTONE"];

/// Upstream functions the header provides instead of the library:
/// variadic ones (a Rust library cannot define C variadics). The setopt /
/// getinfo trio are `_Generic` macros over exported typed entry points;
/// the rest are `static inline` functions (mprintf over the C library's
/// printf family; formadd over `fetch_formadd_items` and share_setopt
/// over `fetch_share_setopt_long`/`_ptr`).
const HEADER_PROVIDED: &[&str] = &[
    "curl_easy_setopt",
    "curl_easy_getinfo",
    "curl_multi_setopt",
    "curl_share_setopt",
    "curl_formadd",
    "curl_mprintf",
    "curl_mfprintf",
    "curl_msprintf",
    "curl_msnprintf",
    "curl_mvprintf",
    "curl_mvfprintf",
    "curl_mvsprintf",
    "curl_mvsnprintf",
    "curl_maprintf",
    "curl_mvaprintf",
];

/// Macros that are not part of the API: upstream's include guards and
/// private helpers (`CURLINC_*`), and function-like macros that only
/// re-spell a function (checked as functions).
fn is_private_macro(name: &str) -> bool {
    name.starts_with("CURLINC_") || name.starts_with("curl_")
}

const UPSTREAM_INCLUDES: &str = "#include <curl/curl.h>\n#include <curl/mprintf.h>\n";
const FETCH_INCLUDES: &str = "#include <fetch/fetch.h>\n#include <fetch/mprintf.h>\n";

fn rename(name: &str) -> String {
    name.replace("curl", "fetch")
        .replace("CURL", "FETCH")
        .replace("Curl", "Fetch")
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/deps, where `cargo test` writes libfetch.so.
fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().expect("target/<profile>/deps").to_path_buf()
}

/// A scratch directory for the generated programs, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = deps_dir().join(format!("upstream-names-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gcc(args: &[&str], input: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new("gcc");
    cmd.args(args)
        .arg("-I")
        .arg(crate_dir().join("include"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::piped());
    let mut child = cmd
        .spawn()
        .expect("`gcc` is required by this test (apt-get install gcc)");
    if let Some(text) = input {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// What upstream's headers declare, read from the preprocessor's output.
#[derive(Default, Debug)]
struct Upstream {
    /// Object-like macros still defined at the end, in order.
    object_macros: Vec<String>,
    /// Function-like macros still defined at the end.
    function_macros: Vec<String>,
    enum_members: Vec<String>,
    functions: BTreeSet<String>,
    typedefs: BTreeSet<String>,
    /// struct tag -> its members (empty for opaque structs).
    structs: BTreeMap<String, Vec<String>>,
}

fn upstream() -> Upstream {
    let out = gcc(
        &["-E", "-dD", "-DCURL_DISABLE_TYPECHECK", "-x", "c", "-"],
        Some(UPSTREAM_INCLUDES),
    );
    assert!(
        out.status.success(),
        "upstream's headers are needed by this test and were not found \
         (install libcurl4-openssl-dev; CI's .ci/run does):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_upstream(&String::from_utf8_lossy(&out.stdout))
}

/// Keeps what comes from curl's own headers (not the system's, not the
/// type-check macro layer), then collects names.
fn parse_upstream(text: &str) -> Upstream {
    let mut u = Upstream::default();
    let mut in_curl = false;
    let mut code = String::new();
    let mut macros: Vec<(String, bool)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            if let Some(file) = rest.split('"').nth(1) {
                in_curl = file.contains("/curl/") && !file.ends_with("typecheck-gcc.h");
            }
            continue;
        }
        if !in_curl {
            continue;
        }
        if let Some(def) = line.strip_prefix("#define ") {
            let end = def
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(def.len());
            let function_like = def[end..].starts_with('(');
            macros.retain(|(n, _)| n != &def[..end]);
            macros.push((def[..end].to_string(), function_like));
        } else if let Some(name) = line.strip_prefix("#undef ") {
            macros.retain(|(n, _)| n != name.trim());
        } else if !line.starts_with('#') {
            code.push_str(line);
            code.push('\n');
        }
    }
    for (name, function_like) in macros {
        let ours =
            name.starts_with("CURL") || name.starts_with("curl") || name.starts_with("LIBCURL");
        if !ours || is_private_macro(&name) {
            continue;
        }
        if function_like {
            u.function_macros.push(name);
        } else {
            u.object_macros.push(name);
        }
    }
    let code = strip_strings(&code);
    for stmt in statements(&code) {
        parse_statement(&mut u, &stmt);
    }
    u
}

/// String literals emptied (deprecation messages name functions).
fn strip_strings(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '"' {
            while let Some(c) = chars.next() {
                if c == '\\' {
                    chars.next();
                } else if c == '"' {
                    out.push('"');
                    break;
                }
            }
        }
    }
    out
}

/// Top-level declarations (split at `;` outside braces), whitespace
/// collapsed.
fn statements(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in code.chars() {
        cur.push(c);
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ';' if depth == 0 => {
                out.push(cur.split_whitespace().collect::<Vec<_>>().join(" "));
                cur.clear();
            }
            _ => {}
        }
    }
    out
}

fn identifiers(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut i = 0;
    let b = s.as_bytes();
    std::iter::from_fn(move || {
        while i < b.len() {
            if b[i].is_ascii_alphabetic() || b[i] == b'_' {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                return Some((start, &s[start..i]));
            }
            if b[i].is_ascii_digit() {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
        None
    })
}

fn is_api_name(name: &str) -> bool {
    name.starts_with("curl") || name.starts_with("CURL") || name.starts_with("Curl")
}

/// The text between the brace at `open` and its partner.
fn braced(s: &str, open: usize) -> (&str, usize) {
    let mut depth = 0;
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (&s[open + 1..open + i], open + i + 1);
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced braces in {s}");
}

fn parse_statement(u: &mut Upstream, stmt: &str) {
    // Struct and enum bodies anywhere in the statement.
    let mut rest = 0;
    while let Some(pos) = stmt[rest..].find('{') {
        let open = rest + pos;
        let head = stmt[..open].trim_end();
        let (body, after) = braced(stmt, open);
        let words: Vec<&str> = head.split_whitespace().collect();
        match words.as_slice() {
            [.., "enum"] | [.., "enum", _] => {
                for entry in body.split(',') {
                    if let Some((_, name)) = identifiers(entry).next() {
                        u.enum_members.push(name.to_string());
                    }
                }
            }
            [.., "struct", tag] if is_api_name(tag) => {
                u.structs.insert(tag.to_string(), members(body));
            }
            _ => {}
        }
        rest = after;
    }
    let flat = collapse_bodies(stmt);
    for (i, name) in identifiers(&flat) {
        if flat[..i].trim_end().ends_with("struct") && is_api_name(name) {
            u.structs.entry(name.to_string()).or_default();
        }
    }
    if flat.starts_with("typedef ") {
        let name = match flat.find("(*") {
            Some(i) => identifiers(&flat[i..]).next().map(|(_, n)| n),
            None => identifiers(&flat).last().map(|(_, n)| n),
        };
        if let Some(n) = name.filter(|n| is_api_name(n)) {
            u.typedefs.insert(n.to_string());
        }
    } else {
        // A function declaration: the first curl_ name followed by `(`.
        for (i, name) in identifiers(&flat) {
            let after = flat[i + name.len()..].trim_start();
            if name.starts_with("curl_") && after.starts_with('(') {
                u.functions.insert(name.to_string());
                break;
            }
        }
    }
}

/// `{...}` bodies replaced by `{}`.
fn collapse_bodies(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The member names of a struct body (nested struct/union members by their
/// own name; bit-fields left out: they have no offset).
fn members(body: &str) -> Vec<String> {
    statements(body)
        .iter()
        .filter(|m| !m.contains(':'))
        .filter_map(|m| {
            let m = collapse_bodies(m);
            let m = m.trim_end_matches(';');
            let m = m.split('[').next().unwrap_or(m);
            match m.find("(*") {
                Some(i) => identifiers(&m[i..]).next().map(|(_, n)| n.to_string()),
                None => identifiers(m).last().map(|(_, n)| n.to_string()),
            }
        })
        .collect()
}

/// Compiles `prelude` + one line per `lines` entry inside `main` (or at file
/// scope), dropping the lines gcc reports errors on until the rest
/// compiles. Returns the output of running it (None when `run` is false)
/// and the indices of the dropped lines.
fn compile_dropping(
    dir: &Path,
    name: &str,
    prelude: &str,
    lines: &[String],
    in_main: bool,
    run: bool,
) -> (String, BTreeSet<usize>) {
    let src = dir.join(format!("{name}.c"));
    let exe = dir.join(name);
    let mut dropped = BTreeSet::new();
    for _ in 0..20 {
        let mut text = format!("#include <stdio.h>\n#include <stddef.h>\n{prelude}\n");
        if in_main {
            text.push_str("int main(void) {\n");
        }
        let first = text.lines().count() + 1;
        for (i, l) in lines.iter().enumerate() {
            text.push_str(if dropped.contains(&i) { "" } else { l });
            text.push('\n');
        }
        if in_main {
            text.push_str("return 0;\n}\n");
        } else {
            text.push_str("int main(void) { return 0; }\n");
        }
        std::fs::write(&src, &text).unwrap();
        let out = gcc(
            &[
                "-w",
                "-DCURL_DISABLE_TYPECHECK",
                src.to_str().unwrap(),
                "-o",
                exe.to_str().unwrap(),
            ],
            None,
        );
        if out.status.success() {
            if !run {
                return (String::new(), dropped);
            }
            let o = Command::new(&exe).output().expect("run generated program");
            assert!(o.status.success(), "{name} failed");
            return (String::from_utf8_lossy(&o.stdout).into_owned(), dropped);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let prefix = format!("{}:", src.display());
        let mut bad = BTreeSet::new();
        for l in stderr.lines() {
            let Some(rest) = l.strip_prefix(&prefix) else {
                continue;
            };
            if !(rest.contains(": error") || rest.contains("in expansion of macro")) {
                continue;
            }
            let line: usize = rest.split(':').next().unwrap().parse().unwrap();
            if line >= first && line < first + lines.len() {
                bad.insert(line - first);
            }
        }
        assert!(
            !bad.is_empty() && bad.is_disjoint(&dropped),
            "{name}: gcc failed on no line of its own:\n{stderr}"
        );
        dropped.extend(bad);
    }
    panic!("{name}: did not converge");
}

/// A constant's value as printed by the generated programs.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    /// (sizeof, signed, value)
    Int(u32, bool, i64),
    Str(String),
}

fn int_line(n: &str) -> String {
    format!(
        "printf(\"%s %d %d %lld\\n\", \"{n}\", (int)sizeof({n}), (__typeof__({n}))-1 < 0, (long long)({n}));"
    )
}

fn str_line(n: &str) -> String {
    format!("printf(\"%s s %s\\n\", \"{n}\", _Generic(({n}), char *: ({n}), const char *: ({n})));")
}

/// The values of `names` under `includes`; names that are neither integers
/// nor strings (or missing) are absent.
fn values(dir: &Path, tag: &str, includes: &str, names: &[String]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let lines: Vec<String> = names.iter().map(|n| int_line(n)).collect();
    let (text, dropped) =
        compile_dropping(dir, &format!("{tag}_int"), includes, &lines, true, true);
    for l in text.lines() {
        let f: Vec<&str> = l.split(' ').collect();
        let v = Value::Int(f[1].parse().unwrap(), f[2] == "1", f[3].parse().unwrap());
        out.insert(f[0].to_string(), v);
    }
    let rest: Vec<String> = dropped.iter().map(|&i| names[i].clone()).collect();
    let lines: Vec<String> = rest.iter().map(|n| str_line(n)).collect();
    let (text, _) = compile_dropping(dir, &format!("{tag}_str"), includes, &lines, true, true);
    for l in text.lines() {
        let (name, s) = l.split_once(" s ").unwrap();
        out.insert(name.to_string(), Value::Str(s.to_string()));
    }
    out
}

/// `sizeof` (or `offsetof`) expressions' values under `includes`.
fn sizes(dir: &Path, tag: &str, includes: &str, exprs: &[String]) -> BTreeMap<String, i64> {
    let lines: Vec<String> = exprs
        .iter()
        .map(|e| format!("printf(\"%lld|%s\\n\", (long long)({e}), \"{e}\");"))
        .collect();
    let (text, _) = compile_dropping(dir, tag, includes, &lines, true, true);
    text.lines()
        .map(|l| {
            let (v, e) = l.split_once('|').unwrap();
            (e.to_string(), v.parse().unwrap())
        })
        .collect()
}

/// What the comparison found.
#[derive(Default)]
struct Report {
    checked: usize,
    missing: Vec<String>,
    differing: Vec<String>,
}

impl Report {
    fn finish(&self, what: &str) {
        eprintln!(
            "{what}: {} names checked, {} missing, {} differing",
            self.checked,
            self.missing.len(),
            self.differing.len()
        );
        assert!(
            self.missing.is_empty() && self.differing.is_empty(),
            "{what}:\nmissing in libfetch ({}):\n  {}\ndiffering ({}):\n  {}",
            self.missing.len(),
            self.missing.join("\n  "),
            self.differing.len(),
            self.differing.join("\n  ")
        );
    }
}

#[test]
fn every_upstream_constant_has_its_number() {
    let scratch = Scratch::new("constants");
    let u = upstream();
    let mut names: Vec<String> = u.enum_members.clone();
    for m in &u.object_macros {
        if !names.contains(m) {
            names.push(m.clone());
        }
    }
    let theirs = values(&scratch.0, "upstream", UPSTREAM_INCLUDES, &names);
    let renamed: Vec<String> = names.iter().map(|n| rename(n)).collect();
    let ours = values(&scratch.0, "fetch", FETCH_INCLUDES, &renamed);
    let mut r = Report::default();
    for (name, v) in &theirs {
        r.checked += 1;
        let fname = rename(name);
        let Some(ov) = ours.get(&fname) else {
            r.missing.push(fname);
            continue;
        };
        if OWN_VALUE.contains(&name.as_str()) || ov == v {
            continue;
        }
        let larger_marker = match (v, ov) {
            (Value::Int(s, g, a), Value::Int(os, og, b)) => {
                END_MARKER.iter().any(|e| name.ends_with(e)) && (s, g) == (os, og) && b >= a
            }
            _ => false,
        };
        if !larger_marker {
            r.differing
                .push(format!("{fname}: upstream {v:?}, libfetch {ov:?}"));
        }
    }
    r.finish("constants");
}

#[test]
fn every_upstream_macro_type_and_struct_exists() {
    let scratch = Scratch::new("types");
    let u = upstream();
    let mut r = Report::default();

    // Macros, whatever they expand to: `#ifdef`.
    let macros: Vec<&String> = u.object_macros.iter().chain(&u.function_macros).collect();
    let lines: Vec<String> = macros
        .iter()
        .map(|m| format!("#ifndef {0}\n#error missing {0}\n#endif", rename(m)))
        .collect();
    let text = format!(
        "{FETCH_INCLUDES}{}\nint main(void) {{ return 0; }}\n",
        lines.join("\n")
    );
    let out = gcc(&["-fsyntax-only", "-x", "c", "-"], Some(&text));
    let stderr = String::from_utf8_lossy(&out.stderr);
    r.checked += macros.len();
    r.missing.extend(
        stderr
            .lines()
            .filter_map(|l| l.split("#error missing ").nth(1))
            .map(str::to_string),
    );

    // Typedefs: declared, and the same size when complete upstream.
    let typedefs: Vec<String> = u.typedefs.iter().cloned().collect();
    let decls: Vec<String> = typedefs
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{} *typedef_{i};", rename(t)))
        .collect();
    let (_, dropped) =
        compile_dropping(&scratch.0, "typedefs", FETCH_INCLUDES, &decls, false, false);
    r.checked += typedefs.len();
    r.missing.extend(
        dropped
            .iter()
            .map(|&i| format!("typedef {}", rename(&typedefs[i]))),
    );

    // Complete types and struct members: sizes and offsets.
    let mut exprs = Vec::new();
    for t in &typedefs {
        exprs.push(format!("sizeof({t})"));
    }
    for (tag, members) in &u.structs {
        exprs.push(format!("sizeof(struct {tag})"));
        for m in members {
            exprs.push(format!("__builtin_offsetof(struct {tag}, {m})"));
        }
    }
    let theirs = sizes(&scratch.0, "upstream_sizes", UPSTREAM_INCLUDES, &exprs);
    let renamed: Vec<String> = theirs.keys().map(|e| rename(e)).collect();
    let ours = sizes(&scratch.0, "fetch_sizes", FETCH_INCLUDES, &renamed);
    for (e, v) in &theirs {
        r.checked += 1;
        match ours.get(&rename(e)) {
            None => r.missing.push(rename(e)),
            Some(ov) if ov != v => r
                .differing
                .push(format!("{}: upstream {v}, libfetch {ov}", rename(e))),
            Some(_) => {}
        }
    }
    // Structs upstream leaves opaque: named in the header.
    let header = std::fs::read_to_string(crate_dir().join("include/fetch/fetch.h")).unwrap();
    for tag in u.structs.keys() {
        if !theirs.contains_key(&format!("sizeof(struct {tag})")) {
            r.checked += 1;
            let ours = format!("struct {}", rename(tag));
            if !header.contains(&ours) {
                r.missing.push(ours);
            }
        }
    }
    r.finish("macros, typedefs and structs");
}

#[test]
fn every_upstream_function_is_exported_or_in_the_header() {
    let u = upstream();
    let so = deps_dir().join("libfetch.so");
    assert!(so.exists(), "{} not built", so.display());
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&so)
        .output()
        .expect("`nm` is required by this test (binutils)");
    assert!(out.status.success());
    let exported: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    let mut r = Report::default();
    let mut provided = Vec::new();
    for f in &u.functions {
        r.checked += 1;
        let ours = rename(f);
        if HEADER_PROVIDED.contains(&f.as_str()) {
            provided.push(ours);
        } else if !exported.contains(&ours) {
            r.missing
                .push(format!("{ours} (not exported by libfetch.so)"));
        }
    }
    // The header-provided ones: a macro, or a function whose address can
    // be taken (an inline definition).
    let body: Vec<String> = provided
        .iter()
        .map(|f| format!("#ifndef {f}\n  (void)&{f};\n#endif"))
        .collect();
    let text = format!(
        "{FETCH_INCLUDES}int main(void) {{\n{}\n  return 0;\n}}\n",
        body.join("\n")
    );
    let out = gcc(
        &[
            "-fsyntax-only",
            "-Werror=implicit-function-declaration",
            "-x",
            "c",
            "-",
        ],
        Some(&text),
    );
    if !out.status.success() {
        r.missing.push(format!(
            "header-provided functions:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    r.finish("functions");
}

/// Builds and runs a program that lists the option directory with
/// `<prefix>_easy_option_next`, one `name id type flags` line per entry.
fn option_directory(dir: &Path, prefix: &str, includes: &str, link: &[&str]) -> BTreeSet<String> {
    let src = dir.join(format!("{prefix}_options.c"));
    let exe = dir.join(format!("{prefix}_options"));
    let upper = prefix.to_uppercase();
    std::fs::write(
        &src,
        format!(
            "#include <stdio.h>\n{includes}int main(void) {{\n\
             const struct {prefix}_easyoption *o = NULL;\n\
             while ((o = {prefix}_easy_option_next(o)))\n\
             printf(\"%s %d %d %u\\n\", o->name, (int)o->id, (int)o->type, o->flags);\n\
             return {upper}OT_FLAG_ALIAS != 1;\n}}\n"
        ),
    )
    .unwrap();
    let mut args = vec![src.to_str().unwrap(), "-o", exe.to_str().unwrap()];
    args.extend(link);
    let out = gcc(&args, None);
    assert!(
        out.status.success(),
        "{prefix}_options.c:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success(), "{prefix}_options failed");
    String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_option_directory_lists_what_upstream_lists() {
    let scratch = Scratch::new("directory");
    let theirs = option_directory(&scratch.0, "curl", "#include <curl/curl.h>\n", &["-lcurl"]);
    // The static library: the shared one's soname (libfetch.so.0) is not
    // in target/.
    let lib = deps_dir().join("libfetch.a");
    let ours = option_directory(
        &scratch.0,
        "fetch",
        "#include <fetch/fetch.h>\n",
        &[lib.to_str().unwrap(), "-lpthread", "-ldl", "-lm"],
    );
    let mut r = Report::default();
    for entry in theirs.iter().map(|e| rename(e)) {
        r.checked += 1;
        let name = entry.split(' ').next().unwrap();
        match ours.iter().find(|o| o.split(' ').next() == Some(name)) {
            None => r.missing.push(format!("option directory entry {name}")),
            Some(o) if *o != entry => r
                .differing
                .push(format!("upstream `{entry}`, libfetch `{o}`")),
            Some(_) => {}
        }
    }
    r.finish("option directory");
}

/// Item 1: what a program gets through upstream's curl.h (FILE, stderr,
/// struct tm, time_t, fd_set, struct sockaddr, INT_MAX) comes through
/// fetch.h too, under `-std=c11 -Wall -Wextra -Werror -pedantic`.
#[test]
fn the_system_headers_come_along() {
    let text = "#include <fetch/fetch.h>\n\
        int main(void) {\n\
          FILE *f = stderr;\n\
          time_t now = time(NULL);\n\
          struct tm *tm = gmtime(&now);\n\
          fd_set set;\n\
          struct sockaddr sa;\n\
          struct timeval tv = {0, 0};\n\
          FD_ZERO(&set);\n\
          sa.sa_family = AF_INET;\n\
          fprintf(f, \"%d %d %ld %d\", tm != NULL, (int)sa.sa_family, (long)tv.tv_sec, INT_MAX > 0);\n\
          return 0;\n\
        }\n";
    let out = gcc(
        &[
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsyntax-only",
            "-x",
            "c",
            "-",
        ],
        Some(text),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
