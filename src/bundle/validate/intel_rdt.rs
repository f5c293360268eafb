//! `linux.intelRdt`: a usable CLOS name and schemata lines the resctrl
//! `schemata` file accepts (`L3:0=ff;1=ff`, `MB:0=70`, …), one per entry.

use crate::bundle::doc::Value;

use super::{array, string};
use crate::bundle::{path, Diagnostic};

const AT: &str = "linux.intelRdt";

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    let Some(rdt) = doc.pointer("/linux/intelRdt").filter(|v| v.is_object()) else {
        return;
    };
    if let Some(c) = string(rdt, "closID") {
        if c != "/" && (c.is_empty() || c == "." || c == ".." || c.contains(['/', '\n'])) {
            out.push(Diagnostic::error(
                path::key(AT, "closID"),
                format!("`{c}` is not a resctrl group name (use `/` for the default group)"),
            ));
        }
    }
    if let Some(l3) = string(rdt, "l3CacheSchema") {
        line(l3, &path::key(AT, "l3CacheSchema"), Some("L3"), out);
    }
    if let Some(mb) = string(rdt, "memBwSchema") {
        line(mb, &path::key(AT, "memBwSchema"), Some("MB"), out);
    }
    for (i, l) in array(rdt, "schemata").iter().enumerate() {
        if let Some(l) = l.as_str() {
            line(l, &path::index(&path::key(AT, "schemata"), i), None, out);
        }
    }
}

fn line(l: &str, at: &str, resource: Option<&str>, out: &mut Vec<Diagnostic>) {
    if l.contains('\n') {
        out.push(Diagnostic::error(at, "must be a single line (no newline)"));
        return;
    }
    match parse_line(l) {
        Err(e) => out.push(Diagnostic::error(at, format!("`{l}` {e}"))),
        Ok(name) => {
            if let Some(want) = resource.filter(|w| !name.eq_ignore_ascii_case(w)) {
                let msg = format!("`{l}` should start with `{want}:`");
                // MUST for memBwSchema, SHOULD for l3CacheSchema.
                out.push(if want == "MB" {
                    Diagnostic::error(at, msg)
                } else {
                    Diagnostic::warning(at, msg)
                });
            }
        }
    }
}

/// `RESOURCE:id=value;id=value` → the resource name.
pub fn parse_line(l: &str) -> Result<&str, String> {
    let (name, domains) = l
        .split_once(':')
        .ok_or_else(|| "is not a schemata line like `L3:0=ff;1=ff`".to_string())?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("has a bad resource name `{name}`"));
    }
    for d in domains.split(';') {
        let (id, value) = d
            .split_once('=')
            .ok_or_else(|| format!("has a domain `{}` without `=`", d.trim()))?;
        let (id, value) = (id.trim(), value.trim());
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("has a bad domain id `{id}`"));
        }
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("has a bad value `{value}` for domain {id}"));
        }
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    fn errs(rdt: Value) -> Vec<String> {
        let mut out = Vec::new();
        check(&json!({"linux": {"intelRdt": rdt}}), &mut out);
        out.iter()
            .filter(|d| d.severity == crate::bundle::Severity::Error)
            .map(|d| d.path.clone())
            .collect()
    }

    #[test]
    fn good_rdt() {
        assert!(
            errs(json!({"closID": "/", "l3CacheSchema": "L3:0=ffff0;1=3ff",
            "memBwSchema": "MB:0=20;1=70", "schemata": ["L2:0=ff", "MB: 0=100"]}))
            .is_empty()
        );
    }

    #[test]
    fn bad_rdt() {
        let e = errs(json!({"closID": "../x", "memBwSchema": "L3:0=1",
            "schemata": ["L3:0=ff\nMB:0=1", "L3", "L3:x=1", "L3:0=", "L3:0=zz"]}));
        assert_eq!(
            e,
            [
                "linux.intelRdt.closID",
                "linux.intelRdt.memBwSchema",
                "linux.intelRdt.schemata[0]",
                "linux.intelRdt.schemata[1]",
                "linux.intelRdt.schemata[2]",
                "linux.intelRdt.schemata[3]",
                "linux.intelRdt.schemata[4]",
            ]
        );
    }
}
