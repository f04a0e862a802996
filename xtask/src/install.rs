//! `cargo xtask install`: lays out the C library the way `pkg-config`
//! users expect.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The library version, from the workspace manifest.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds fetch-capi and installs it under `prefix`.
pub(crate) fn install(root: &Path, prefix: &Path, debug: bool) -> io::Result<()> {
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build.current_dir(root).args(["build", "-p", "fetch-capi"]);
    if !debug {
        build.arg("--release");
    }
    if !build.status()?.success() {
        return Err(io::Error::other("cargo build -p fetch-capi failed"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join(if debug { "debug" } else { "release" });
    let prefix = std::path::absolute(prefix)?;
    let lib = prefix.join("lib");
    let inc = prefix.join("include").join("fetch");
    let pc = lib.join("pkgconfig");
    for dir in [&lib, &inc, &pc] {
        std::fs::create_dir_all(dir)?;
    }

    let real = format!("libfetch.so.{VERSION}");
    std::fs::copy(target.join("libfetch.so"), lib.join(&real))?;
    for link in ["libfetch.so.0", "libfetch.so"] {
        let path = lib.join(link);
        let _ = std::fs::remove_file(&path);
        std::os::unix::fs::symlink(&real, &path)?;
    }
    std::fs::copy(target.join("libfetch.a"), lib.join("libfetch.a"))?;

    let headers = root.join("crates/fetch-capi/include/fetch");
    for entry in std::fs::read_dir(&headers)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "h") {
            std::fs::copy(&path, inc.join(path.file_name().expect("a file")))?;
        }
    }

    let template = std::fs::read_to_string(root.join("crates/fetch-capi/fetch.pc.in"))?;
    let text = template
        .replace("@PREFIX@", &prefix.to_string_lossy())
        .replace("@VERSION@", VERSION);
    std::fs::write(pc.join("fetch.pc"), text)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Installs into a temporary prefix, then builds a C program exactly as
    /// a user would: `cc app.c $(pkg-config --cflags --libs fetch)`, and
    /// runs it against a local server.
    #[test]
    fn install_then_build_with_pkg_config() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let prefix = std::env::temp_dir().join(format!("fetch-install-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&prefix);
        install(root, &prefix, true).expect("install");
        for f in [
            "lib/libfetch.so",
            "lib/libfetch.so.0",
            "lib/libfetch.a",
            "include/fetch/fetch.h",
            "lib/pkgconfig/fetch.pc",
        ] {
            assert!(prefix.join(f).exists(), "{f} installed");
        }
        let pc_path = prefix.join("lib/pkgconfig");
        let flags = Command::new("pkg-config")
            .args(["--cflags", "--libs", "fetch"])
            .env("PKG_CONFIG_PATH", &pc_path)
            .output()
            .expect("pkg-config is installed (.ci/run installs it)");
        assert!(flags.status.success());
        let flags = String::from_utf8(flags.stdout).unwrap();
        let exe = prefix.join("perform_poll");
        let src = root.join("crates/fetch-capi/examples/perform_poll.c");
        let sh = format!(
            "cc -Wall -Wextra -Werror -std=c11 {} -o {} {}",
            src.display(),
            exe.display(),
            flags.trim()
        );
        let cc = Command::new("sh").args(["-c", &sh]).status().unwrap();
        assert!(cc.success(), "{sh}");
        let srv = fixtures::HttpServer::start();
        let out = Command::new(&exe)
            .arg(srv.url("/bytes/1234"))
            .env("LD_LIBRARY_PATH", prefix.join("lib"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::remove_dir_all(&prefix);
    }
}
