//! `hostname` and `domainname` go to sethostname(2)/setdomainname(2), which
//! take at most 64 bytes.

use crate::bundle::doc::Value;

use super::string;
use crate::bundle::Diagnostic;

const UTS_MAX: usize = 64;

pub(super) fn check(doc: &Value, out: &mut Vec<Diagnostic>) {
    for key in ["hostname", "domainname"] {
        if let Some(s) = string(doc, key).filter(|s| s.len() > UTS_MAX) {
            out.push(Diagnostic::error(
                key,
                format!(
                    "is {} bytes long; the kernel takes at most {UTS_MAX}",
                    s.len()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn uts_names_fit_the_kernel() {
        let mut out = Vec::new();
        check(
            &json!({"hostname": "a".repeat(64), "domainname": "b".repeat(65)}),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path, "domainname");
    }
}
