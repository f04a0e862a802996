//! Gives the shared library its soname, so installed copies version
//! properly (libfetch.so -> libfetch.so.0 -> libfetch.so.0.1.0), and
//! passes the target triple on for `fetch_version_info`'s `host`.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=FETCH_TARGET={target}");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libfetch.so.0");
    }
}
