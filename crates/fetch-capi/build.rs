//! Gives the shared library its soname, so installed copies version
//! properly (libfetch.so -> libfetch.so.0 -> libfetch.so.0.1.0).

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libfetch.so.0");
    }
}
