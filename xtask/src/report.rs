//! The conformance report: one row per rule, one column per backend.

use std::collections::BTreeMap;
use std::path::Path;

use conformance::rules::{Rule, Strength};
use serde::{Deserialize, Serialize};

/// Output format on stdout.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Md,
    Json,
}

/// One scenario's recorded outcome.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Outcome {
    scenario: String,
    rules: Vec<String>,
    pass: bool,
    reason: String,
}

/// The outcomes of one backend's suite run.
pub(crate) struct BackendRun {
    pub(crate) backend: &'static str,
    pub(crate) suite_ok: bool,
    pub(crate) outcomes: Vec<Outcome>,
}

pub(crate) fn read_outcomes(path: &Path) -> Vec<Outcome> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// A report cell.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
enum Cell {
    Pass { scenarios: Vec<String> },
    Fail { scenario: String, reason: String },
    Untested,
    NotRunHere { reason: String },
}

impl Cell {
    fn short(&self) -> String {
        match self {
            Self::Pass { scenarios } => format!("pass ({})", scenarios.len()),
            Self::Fail { scenario, reason } => {
                format!("**FAIL** `{scenario}`: {}", reason.replace('|', "\\|"))
            }
            Self::Untested => "untested".into(),
            Self::NotRunHere { reason } => format!("not run: {reason}"),
        }
    }
}

#[derive(Debug, Serialize)]
struct Row {
    id: String,
    strength: &'static str,
    source: String,
    cells: BTreeMap<String, Cell>,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    columns: Vec<String>,
    rows: Vec<Row>,
    suite_failures: Vec<String>,
    unknown_rule_ids: Vec<String>,
}

const COLUMNS: [&str; 3] = ["epoll", "poll", "kqueue"];

pub(crate) fn build(rules: &[Rule], runs: &[BackendRun]) -> Report {
    let mut rows = Vec::new();
    for rule in rules {
        let mut cells = BTreeMap::new();
        for col in COLUMNS {
            let cell = match runs.iter().find(|r| r.backend == col) {
                None if col == "kqueue" => Cell::NotRunHere {
                    reason: "not run on this host (Linux)".into(),
                },
                None => Cell::NotRunHere {
                    reason: "backend not selected".into(),
                },
                Some(run) => {
                    let citing: Vec<&Outcome> = run
                        .outcomes
                        .iter()
                        .filter(|o| o.rules.contains(&rule.id))
                        .collect();
                    match citing.iter().find(|o| !o.pass) {
                        Some(f) => Cell::Fail {
                            scenario: f.scenario.clone(),
                            reason: f.reason.clone(),
                        },
                        None if citing.is_empty() => Cell::Untested,
                        None => Cell::Pass {
                            scenarios: citing.iter().map(|o| o.scenario.clone()).collect(),
                        },
                    }
                }
            };
            cells.insert(col.to_owned(), cell);
        }
        rows.push(Row {
            id: rule.id.clone(),
            strength: rule.strength.tag(),
            source: rule.source.clone(),
            cells,
        });
    }
    let mut unknown: Vec<String> = runs
        .iter()
        .flat_map(|r| r.outcomes.iter().flat_map(|o| o.rules.iter().cloned()))
        .filter(|id| !rules.iter().any(|r| &r.id == id))
        .collect();
    unknown.sort();
    unknown.dedup();
    Report {
        columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows,
        suite_failures: runs
            .iter()
            .filter(|r| !r.suite_ok)
            .map(|r| r.backend.to_owned())
            .collect(),
        unknown_rule_ids: unknown,
    }
}

impl Report {
    fn count(&self, col: &str, pred: impl Fn(&Cell) -> bool) -> usize {
        self.rows.iter().filter(|r| pred(&r.cells[col])).count()
    }

    /// "N rules; epoll: a pass / b fail / c untested; …".
    pub(crate) fn summary(&self) -> String {
        let mut parts = vec![format!("{} rules", self.rows.len())];
        for col in &self.columns {
            if self
                .rows
                .iter()
                .all(|r| matches!(r.cells[col], Cell::NotRunHere { .. }))
            {
                parts.push(format!("{col}: not run"));
                continue;
            }
            parts.push(format!(
                "{col}: {} pass / {} fail / {} untested",
                self.count(col, |c| matches!(c, Cell::Pass { .. })),
                self.count(col, |c| matches!(c, Cell::Fail { .. })),
                self.count(col, |c| matches!(c, Cell::Untested)),
            ));
        }
        parts.join("; ")
    }

    /// No rule failed, every suite run passed, and every cited ID exists.
    pub(crate) fn ok(&self) -> bool {
        let no_fail = self
            .rows
            .iter()
            .all(|r| r.cells.values().all(|c| !matches!(c, Cell::Fail { .. })));
        no_fail && self.suite_failures.is_empty() && self.unknown_rule_ids.is_empty()
    }

    pub(crate) fn markdown(&self) -> String {
        let mut s = String::new();
        s.push_str("# Conformance report\n\n");
        s.push_str(
            "Generated by `cargo xtask conformance`; do not edit by hand. One row per rule of \
             `docs/rules.md`, one column per readiness backend. A rule is *pass* only when every \
             scenario citing it passed (the count is in brackets); a rule no scenario cites is \
             *untested*, never pass. SHOULD rules are advice and may stay untested.\n\n",
        );
        s.push_str(&format!("**Summary:** {}\n\n", self.summary()));
        if !self.suite_failures.is_empty() {
            s.push_str(&format!(
                "**Suite run failed on:** {}\n\n",
                self.suite_failures.join(", ")
            ));
        }
        if !self.unknown_rule_ids.is_empty() {
            s.push_str(&format!(
                "**Scenarios cite unknown rule IDs:** {}\n\n",
                self.unknown_rule_ids.join(", ")
            ));
        }
        s.push_str("| rule | tag | source |");
        for c in &self.columns {
            s.push_str(&format!(" {c} |"));
        }
        s.push_str("\n|---|---|---|");
        for _ in &self.columns {
            s.push_str("---|");
        }
        s.push('\n');
        for r in &self.rows {
            s.push_str(&format!("| {} | {} | {} |", r.id, r.strength, r.source));
            for c in &self.columns {
                let cell = &r.cells[c];
                let text = match cell {
                    Cell::Untested if r.strength == Strength::Should.tag() => {
                        "untested (advice)".to_owned()
                    }
                    other => other.short(),
                };
                s.push_str(&format!(" {text} |"));
            }
            s.push('\n');
        }
        s
    }

    pub(crate) fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
