//! The rule catalogue, read from `docs/rules.md` (the single source).

use std::path::Path;

/// How binding a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// A documented guarantee: a scenario may fail on it.
    Must,
    /// Advice: may stay untested; where a scenario checks the library side
    /// of it, it passes or fails like any other rule.
    Should,
    /// Upstream's observed behaviour, matched for compatibility.
    Impl,
}

impl Strength {
    /// The tag as written in the catalogue.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Must => "MUST",
            Self::Should => "SHOULD",
            Self::Impl => "IMPL",
        }
    }

    /// Hard guarantees need a scenario (MUST and IMPL).
    pub fn is_hard(self) -> bool {
        !matches!(self, Self::Should)
    }
}

/// One catalogue entry.
#[derive(Debug, Clone)]
pub struct Rule {
    /// e.g. "SA-01".
    pub id: String,
    /// Its strength.
    pub strength: Strength,
    /// The upstream page it restates.
    pub source: String,
    /// The statement, one paragraph.
    pub statement: String,
}

/// Parses the catalogue text: `### ID [TAG]`, a `source:` line, statement.
pub fn parse(text: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut current: Option<Rule> = None;
    for line in text.lines() {
        if let Some(head) = line.strip_prefix("### ") {
            rules.extend(current.take());
            let mut parts = head.split_whitespace();
            let (Some(id), Some(tag)) = (parts.next(), parts.next()) else {
                continue;
            };
            let strength = match tag.trim_matches(|c| c == '[' || c == ']' || c == ',') {
                "MUST" => Strength::Must,
                "SHOULD" => Strength::Should,
                _ => Strength::Impl,
            };
            current = Some(Rule {
                id: id.to_owned(),
                strength,
                source: String::new(),
                statement: String::new(),
            });
        } else if line.starts_with("## ") {
            rules.extend(current.take());
        } else if let Some(rule) = current.as_mut() {
            if let Some(src) = line.strip_prefix("source:") {
                rule.source = src.trim().to_owned();
            } else if !line.trim().is_empty() {
                if !rule.statement.is_empty() {
                    rule.statement.push(' ');
                }
                rule.statement.push_str(line.trim());
            }
        }
    }
    rules.extend(current);
    rules
}

/// Loads `docs/rules.md` from the workspace root.
pub fn load(root: &Path) -> std::io::Result<Vec<Rule>> {
    Ok(parse(&std::fs::read_to_string(root.join("docs/rules.md"))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_every_rule() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let rules = load(root).unwrap();
        assert_eq!(rules.len(), 89);
        assert_eq!(rules[0].id, "SA-01");
        assert!(
            rules
                .iter()
                .all(|r| !r.statement.is_empty() && !r.source.is_empty())
        );
    }
}
