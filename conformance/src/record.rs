//! Scenario outcomes, written as JSON lines for `cargo xtask conformance`
//! to turn into the per-rule, per-backend report.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

/// Where results go: `FETCH_CONFORMANCE_OUT`, or nowhere (plain test runs).
const OUT_ENV: &str = "FETCH_CONFORMANCE_OUT";

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Runs one scenario that checks `rules`, records pass or fail for each,
/// and re-raises a failure so the test fails too.
pub fn scenario(name: &str, rules: &[&str], body: impl FnOnce()) {
    let outcome = catch_unwind(AssertUnwindSafe(body));
    let reason = match &outcome {
        Ok(()) => String::new(),
        Err(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panicked".to_owned()),
    };
    if let Ok(path) = std::env::var(OUT_ENV) {
        let line = format!(
            "{{\"scenario\":\"{}\",\"rules\":[{}],\"pass\":{},\"reason\":\"{}\"}}\n",
            escape(name),
            rules
                .iter()
                .map(|r| format!("\"{}\"", escape(r)))
                .collect::<Vec<_>>()
                .join(","),
            outcome.is_ok(),
            escape(reason.lines().next().unwrap_or("")),
        );
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
    if let Err(p) = outcome {
        resume_unwind(p);
    }
}
