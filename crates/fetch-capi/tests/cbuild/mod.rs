//! Building the C test programs: `gcc -Wall -Wextra -Werror -std=c11`
//! against `<fetch/fetch.h>` and the static library of this test run.
//! Shared by the test binaries that compile C.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/deps: the test binary lives there, and `cargo test`
/// writes the package's staticlib/cdylib there when it compiles the library
/// for the test run. (Only `cargo build` copies them up to target/<profile>,
/// so the copy there may be stale.)
pub fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().expect("target/<profile>/deps").to_path_buf()
}

/// Fails the test when `tool` is missing: a skipped check must not count
/// as passed (`.ci/run` installs gcc and valgrind).
#[track_caller]
pub fn require(tool: &str) {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`{tool}` is required by this test and is not installed (CI installs it; \
         apt-get install {tool})"
    );
}

/// Compiles one C source into a unique executable and returns its path.
pub fn compile(source: &Path, name: &str) -> PathBuf {
    compile_with(source, name, &[], &[])
}

/// The compiler and linker flags of a pkg-config package, failing the test
/// (not skipping it) with the Debian package to install when it is missing.
#[track_caller]
pub fn pkg_flags(module: &str, apt_package: &str) -> (Vec<String>, Vec<String>) {
    require("pkg-config");
    let query = |what: &str| {
        let out = Command::new("pkg-config")
            .args([what, module])
            .output()
            .expect("run pkg-config");
        assert!(
            out.status.success(),
            "`{module}` (Debian package {apt_package}) is required by this test and is not \
             installed (CI installs it; apt-get install {apt_package}): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    (query("--cflags"), query("--libs"))
}

/// [`compile`] with extra compiler flags (before the source) and extra
/// libraries (after libfetch), e.g. from [`pkg_flags`].
pub fn compile_with(source: &Path, name: &str, cflags: &[String], libs: &[String]) -> PathBuf {
    require("gcc");
    let lib = deps_dir().join("libfetch.a");
    assert!(lib.exists(), "{} not built", lib.display());
    let out_dir = deps_dir().join("c-examples");
    std::fs::create_dir_all(&out_dir).unwrap();
    // Unique per call: tests run in parallel and may build the same example.
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let exe = out_dir.join(format!(
        "{name}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let out = Command::new("gcc")
        .args(["-Wall", "-Wextra", "-Werror", "-std=c11", "-g", "-I"])
        .arg(crate_dir().join("include"))
        .args(cflags)
        .arg(source)
        .arg(&lib)
        .args(libs)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "gcc failed for {}:\n{}",
        source.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// The C program `source` with its `fetch`/`FETCH` names renamed to
/// upstream's `curl`/`CURL` ones, built against the installed libcurl
/// (`-lcurl`): the same program for a side-by-side comparison.
pub fn compile_upstream(source: &Path, name: &str) -> PathBuf {
    require("gcc");
    let text = std::fs::read_to_string(source).unwrap();
    let renamed = text.replace("fetch", "curl").replace("FETCH", "CURL");
    let dir = deps_dir().join("c-examples");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join(format!("{name}_curl_{}.c", std::process::id()));
    std::fs::write(&src, renamed).unwrap();
    let exe = dir.join(format!("{name}_curl_{}", std::process::id()));
    let out = Command::new("gcc")
        .args(["-Wall", "-Wextra", "-std=c11", "-g"])
        .arg(&src)
        .args(["-lcurl", "-o"])
        .arg(&exe)
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "upstream build failed (libcurl4-openssl-dev installed?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Writes `source` into `dir` and builds it with `link` (after the source),
/// against this crate's headers; with `-g` so valgrind can name lines.
pub fn build_in(dir: &Path, name: &str, source: &str, link: &[&str]) -> PathBuf {
    require("gcc");
    let src = dir.join(format!("{name}.c"));
    let exe = dir.join(name);
    std::fs::write(&src, source).unwrap();
    let out = Command::new("gcc")
        .args(["-Wall", "-Wextra", "-Werror", "-std=c11", "-g", "-I"])
        .arg(crate_dir().join("include"))
        .arg(&src)
        .args(link)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "building {name} failed (the upstream build needs libcurl4-openssl-dev):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// One program twice, in `dir`: `upstream` (written with `curl` names)
/// against `-lcurl` as `curl_<stem>`, and `ours` (the renamed text)
/// against this test run's `libfetch.a` as `fetch_<stem>`.
pub fn build_both(dir: &Path, stem: &str, upstream: &str, ours: &str) -> (PathBuf, PathBuf) {
    let theirs = build_in(dir, &format!("curl_{stem}"), upstream, &["-lcurl"]);
    let lib = deps_dir().join("libfetch.a");
    assert!(lib.exists(), "{} not built", lib.display());
    let mine = build_in(
        dir,
        &format!("fetch_{stem}"),
        ours,
        &[lib.to_str().unwrap(), "-lpthread", "-ldl", "-lm"],
    );
    (theirs, mine)
}

/// `valgrind` (memcheck) set up to run `exe` as the C tests do: quiet, exit
/// code 99 on any memory error or definite/indirect leak, the crate's
/// suppressions. Add the program's arguments and run it.
pub fn memcheck(exe: &Path) -> Command {
    require("valgrind");
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "-q",
        "--error-exitcode=99",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect",
    ])
    .arg(format!(
        "--suppressions={}",
        crate_dir().join("tests/valgrind.supp").display()
    ))
    .arg(exe);
    cmd
}

/// The stdout lines of a C test program that must have exited with 0;
/// both its streams are printed first, for the test's log.
pub fn stdout_lines(out: &std::process::Output) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "{stdout}--- stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    stdout.lines().map(str::to_owned).collect()
}

/// Which build of a [`Twin`] program: against this library, or renamed
/// against the installed libcurl.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lib {
    /// Built against this library as written.
    Fetch,
    /// Renamed (fetch -> curl) and built against upstream libcurl.
    Upstream,
}

/// One C program of `tests/c` built twice, each build made at first use:
/// against this library (run under valgrind, [`memcheck`]) and, renamed,
/// against the installed libcurl ([`compile_upstream`]). Meant for a
/// `static`, one per test binary.
pub struct Twin {
    name: &'static str,
    ours: std::sync::OnceLock<PathBuf>,
    theirs: std::sync::OnceLock<PathBuf>,
}

impl Twin {
    /// The program `tests/c/<name>.c`.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            ours: std::sync::OnceLock::new(),
            theirs: std::sync::OnceLock::new(),
        }
    }

    fn source(&self) -> PathBuf {
        crate_dir().join(format!("tests/c/{}.c", self.name))
    }

    /// The build against this library.
    pub fn ours_exe(&self) -> &Path {
        self.ours.get_or_init(|| compile(&self.source(), self.name))
    }

    /// The build against the installed libcurl.
    pub fn theirs_exe(&self) -> &Path {
        self.theirs
            .get_or_init(|| compile_upstream(&self.source(), self.name))
    }

    /// The build against `lib`.
    pub fn exe(&self, lib: Lib) -> &Path {
        match lib {
            Lib::Fetch => self.ours_exe(),
            Lib::Upstream => self.theirs_exe(),
        }
    }

    /// The build against `lib` run with `args` and no proxy environment
    /// ([`run_without_proxy_env`]): what it printed on stdout.
    pub fn run(&self, lib: Lib, args: &[&str]) -> String {
        let mut cmd = Command::new(self.exe(lib));
        cmd.args(args);
        run_without_proxy_env(cmd, &format!("{} {lib:?} {args:?}", self.name))
    }

    /// Our build run under valgrind with `args`: its stdout lines (it must
    /// exit 0, so no memory error or leak).
    pub fn ours(&self, args: &[&str]) -> Vec<String> {
        let out = memcheck(self.ours_exe())
            .args(args)
            .output()
            .expect("run valgrind");
        stdout_lines(&out)
    }

    /// Upstream's build run with `args`: its stdout lines (it must exit 0).
    pub fn theirs(&self, args: &[&str]) -> Vec<String> {
        let out = Command::new(self.theirs_exe())
            .args(args)
            .output()
            .expect("run");
        stdout_lines(&out)
    }
}

/// Runs `cmd` (a C test program) with no proxy in its environment, so a
/// machine's proxy variables cannot change what it connects to; prints
/// both outputs under `label` for a failing test's log and asserts it
/// exited 0. Returns what it printed on stdout.
pub fn run_without_proxy_env(mut cmd: Command, label: &str) -> String {
    for v in [
        "http_proxy",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(v);
    }
    let out = cmd.output().expect("run the C program");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{label}:\n{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{label}: {:?}", out.status);
    text
}

/// The value a C test program printed as `key=value` (the first such
/// line of `out`); panics, showing `out`, when there is none.
pub fn printed<'a>(out: &'a str, key: &str) -> &'a str {
    let prefix = format!("{key}=");
    out.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {key} in:\n{out}"))
}
