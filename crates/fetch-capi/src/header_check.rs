//! The header cannot drift from the Rust side: `include/fetch/fetch.h` is
//! parsed (its `#define`s and enum bodies, with the few operators they
//! use) and every constant the crate defines is compared with it, and the
//! option and info enums with the tables, both ways.

use std::collections::{BTreeMap, BTreeSet};

use crate::codes::CODE_CONSTANTS;
use crate::easy::{EASY_OPTIONS, INFO_ITEMS, OPTION_ALIASES, REFUSED_INFO, REFUSED_OPTIONS};
use crate::multi::MULTI_OPTIONS;

/// What the header defines: every name with a value, and the members of
/// each typedef'd enum.
#[derive(Default)]
struct Header {
    values: BTreeMap<String, i128>,
    enums: BTreeMap<String, Vec<String>>,
}

fn header_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/fetch/fetch.h");
    let text = std::fs::read_to_string(path).expect("read fetch.h");
    strip_comments(&text)
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("*/").expect("closed comment");
        rest = &rest[i + end + 2..];
    }
    out.push_str(rest);
    out.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Header {
    fn parse() -> Self {
        let text = header_text();
        let mut h = Self::default();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let line = line.trim();
            if let Some(def) = line.strip_prefix("#define ") {
                h.define(def);
            } else if line.starts_with("typedef enum") || line == "enum {" {
                let mut body = String::new();
                for l in lines.by_ref() {
                    if let Some(tail) = l.trim().strip_prefix('}') {
                        let name = tail.trim().trim_end_matches(';').to_string();
                        h.enum_body(&name, &body);
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
            }
        }
        h
    }

    /// `NAME value`; function-like macros and values that are not
    /// integer expressions (types, format strings) are skipped.
    fn define(&mut self, def: &str) {
        let (name, value) = def.split_once(char::is_whitespace).unwrap_or((def, ""));
        if name.contains('(') {
            return;
        }
        if let Some(v) = self.eval(value) {
            self.values.insert(name.to_string(), v);
        }
    }

    fn enum_body(&mut self, name: &str, body: &str) {
        let mut next = 0;
        let mut members = Vec::new();
        for entry in body.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (member, value) = match entry.split_once('=') {
                Some((m, v)) => (m.trim(), self.eval(v).expect("enum value evaluates")),
                None => (entry, next),
            };
            self.values.insert(member.to_string(), value);
            members.push(member.to_string());
            next = value + 1;
        }
        self.enums.insert(name.to_string(), members);
    }

    fn eval(&self, expr: &str) -> Option<i128> {
        let tokens = tokenize(expr)?;
        let mut p = Parser {
            tokens: &tokens,
            pos: 0,
            h: self,
        };
        let v = p.or()?;
        (p.pos == tokens.len()).then_some(v)
    }
}

#[derive(Debug, PartialEq)]
enum Tok {
    Num(i128),
    Ident(String),
    Op(&'static str),
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let lit = s[start..i].trim_end_matches(['L', 'l', 'U', 'u']);
            let v = match lit.strip_prefix("0x").or_else(|| lit.strip_prefix("0X")) {
                Some(hex) => i128::from_str_radix(hex, 16).ok()?,
                None => lit.parse().ok()?,
            };
            out.push(Tok::Num(v));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].to_string()));
        } else if s[i..].starts_with("<<") {
            out.push(Tok::Op("<<"));
            i += 2;
        } else {
            let op = ["(", ")", "+", "-", "|"]
                .into_iter()
                .find(|o| s[i..].starts_with(o))?;
            out.push(Tok::Op(op));
            i += 1;
        }
    }
    Some(out)
}

/// `or := shift ('|' shift)*`, `shift := sum ('<<' sum)*`,
/// `sum := unary (('+'|'-') unary)*`, `unary := '-' unary | atom`.
struct Parser<'a> {
    tokens: &'a [Tok],
    pos: usize,
    h: &'a Header,
}

impl Parser<'_> {
    fn eat(&mut self, op: &str) -> bool {
        let hit = matches!(self.tokens.get(self.pos), Some(Tok::Op(o)) if *o == op);
        self.pos += usize::from(hit);
        hit
    }

    fn or(&mut self) -> Option<i128> {
        let mut v = self.shift()?;
        while self.eat("|") {
            v |= self.shift()?;
        }
        Some(v)
    }

    fn shift(&mut self) -> Option<i128> {
        let mut v = self.sum()?;
        while self.eat("<<") {
            v <<= self.sum()?;
        }
        Some(v)
    }

    fn sum(&mut self) -> Option<i128> {
        let mut v = self.unary()?;
        loop {
            if self.eat("+") {
                v += self.unary()?;
            } else if self.eat("-") {
                v -= self.unary()?;
            } else {
                return Some(v);
            }
        }
    }

    fn unary(&mut self) -> Option<i128> {
        if self.eat("-") {
            return self.unary().map(|v| -v);
        }
        if self.eat("(") {
            let v = self.or()?;
            return self.eat(")").then_some(v);
        }
        let tok = self.tokens.get(self.pos)?;
        self.pos += 1;
        match tok {
            Tok::Num(n) => Some(*n),
            Tok::Ident(name) => self.h.values.get(name).copied(),
            Tok::Op(_) => None,
        }
    }
}

/// Names whose header value differs from the Rust one, or that the header
/// lacks.
fn mismatches<'a>(h: &Header, rust: impl IntoIterator<Item = (&'a str, i128)>) -> Vec<String> {
    rust.into_iter()
        .filter_map(|(name, v)| match h.values.get(name) {
            Some(hv) if *hv == v => None,
            Some(hv) => Some(format!("{name}: Rust {v}, header {hv}")),
            None => Some(format!("{name}: Rust {v}, not in the header")),
        })
        .collect()
}

/// The header's enum `name` and the table's names are the same set.
fn same_members<'a>(h: &Header, name: &str, table: impl IntoIterator<Item = &'a str>) {
    let header: BTreeSet<&str> = h.enums[name]
        .iter()
        .map(String::as_str)
        .filter(|m| !m.ends_with("_NONE") && !m.ends_with("_LASTENTRY") && !m.ends_with("_LASTONE"))
        .collect();
    let table: BTreeSet<&str> = table.into_iter().collect();
    let missing: Vec<_> = header.difference(&table).collect();
    let extra: Vec<_> = table.difference(&header).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: in the header but not in the table: {missing:?}; \
         in the table but not in the header: {extra:?}"
    );
}

#[test]
fn every_rust_constant_has_its_header_value() {
    let h = Header::parse();
    let aliases = OPTION_ALIASES
        .iter()
        .map(|(name, number)| (*name, i128::from(*number)));
    let bad = mismatches(&h, CODE_CONSTANTS.iter().copied().chain(aliases));
    assert!(bad.is_empty(), "codes.rs vs fetch.h:\n{}", bad.join("\n"));
}

#[test]
fn easy_option_table_and_header_enum_agree() {
    let h = Header::parse();
    let table = EASY_OPTIONS
        .iter()
        .map(|o| (o.name, o.number))
        .chain(REFUSED_OPTIONS.iter().map(|o| (o.name, o.number)));
    let bad = mismatches(&h, table.clone().map(|(n, v)| (n, i128::from(v))));
    assert!(
        bad.is_empty(),
        "option table vs fetch.h:\n{}",
        bad.join("\n")
    );
    same_members(&h, "FETCHoption", table.map(|(n, _)| n));
}

#[test]
fn multi_option_table_and_header_enum_agree() {
    let h = Header::parse();
    let table = MULTI_OPTIONS.iter().map(|o| (o.name, i128::from(o.number)));
    let bad = mismatches(&h, table);
    assert!(
        bad.is_empty(),
        "multi option table vs fetch.h:\n{}",
        bad.join("\n")
    );
    same_members(&h, "FETCHMoption", MULTI_OPTIONS.iter().map(|o| o.name));
}

#[test]
fn info_table_and_header_enum_agree() {
    let h = Header::parse();
    let table = INFO_ITEMS
        .iter()
        .map(|i| (i.name, i.number))
        .chain(REFUSED_INFO.iter().map(|i| (i.name, i.number)));
    let bad = mismatches(&h, table.clone().map(|(n, v)| (n, i128::from(v))));
    assert!(bad.is_empty(), "info table vs fetch.h:\n{}", bad.join("\n"));
    same_members(&h, "FETCHINFO", table.map(|(n, _)| n));
}

#[test]
fn the_parser_reads_what_the_header_uses() {
    let mut h = Header::default();
    h.define("A 0x10L");
    h.define("B (A | (1 << 2))");
    h.define("C (-1)");
    h.define("F(x) x");
    h.define("S PRId64");
    h.enum_body("E", "E_X = B + 1,\n E_Y,\n");
    assert_eq!(h.values["A"], 16);
    assert_eq!(h.values["B"], 20);
    assert_eq!(h.values["C"], -1);
    assert_eq!(h.values["E_Y"], 22);
    assert!(!h.values.contains_key("F") && !h.values.contains_key("S"));
}
