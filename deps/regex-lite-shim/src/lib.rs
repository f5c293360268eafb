//! The `regex` API that stockade's dependencies call, over `regex-lite`.
//!
//! oci-spec checks one ASCII pattern (`process.execCPUAffinity`) with
//! `regex`, which links a full regex engine and its Unicode tables into every
//! binary that parses a config: about 0.9 MB of code and data, and 145 KB of
//! pointer tables the dynamic loader relocates on every exec (twice per
//! stockade call, because of libcrun's re-exec). regex-lite, from the same
//! authors, has the same syntax minus Unicode classes, and `\d`, `\w`, `\s`
//! match ASCII only (so a config with non-ASCII digits in execCPUAffinity is
//! refused, as libcrun would refuse it anyway).
//!
//! Only what is used is provided; a dependency needing more fails to build
//! rather than silently behaving differently.

pub use regex_lite::{Error, Regex};

/// `regex::RegexBuilder` with the knobs callers set.
#[derive(Debug)]
pub struct RegexBuilder(regex_lite::RegexBuilder);

impl RegexBuilder {
    pub fn new(pattern: &str) -> RegexBuilder {
        RegexBuilder(regex_lite::RegexBuilder::new(pattern))
    }

    pub fn build(&self) -> Result<Regex, Error> {
        self.0.build()
    }

    pub fn size_limit(&mut self, bytes: usize) -> &mut RegexBuilder {
        self.0.size_limit(bytes);
        self
    }

    /// regex-lite has no lazy DFA: nothing to limit.
    pub fn dfa_size_limit(&mut self, _bytes: usize) -> &mut RegexBuilder {
        self
    }
}

/// `regex::RegexSet`: every pattern tried in turn (callers use small sets,
/// at build time: bindgen's allowlists).
#[derive(Clone, Debug)]
pub struct RegexSet(Vec<Regex>);

impl RegexSet {
    pub fn new<I, S>(patterns: I) -> Result<RegexSet, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        patterns
            .into_iter()
            .map(|p| Regex::new(p.as_ref()))
            .collect::<Result<_, _>>()
            .map(RegexSet)
    }

    pub fn is_match(&self, haystack: &str) -> bool {
        self.0.iter().any(|r| r.is_match(haystack))
    }

    pub fn matches(&self, haystack: &str) -> SetMatches {
        SetMatches(self.0.iter().map(|r| r.is_match(haystack)).collect())
    }
}

/// Which patterns of a `RegexSet` matched.
#[derive(Clone, Debug)]
pub struct SetMatches(Vec<bool>);

impl SetMatches {
    pub fn matched_any(&self) -> bool {
        self.0.iter().any(|m| *m)
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(i, _)| i)
    }
}

impl<'a> IntoIterator for &'a SetMatches {
    type Item = usize;
    type IntoIter = Box<dyn Iterator<Item = usize> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_spec_cpu_affinity_pattern() {
        let r = Regex::new(r"^(\d+(-\d+)?)(,\d+(-\d+)?)*$").unwrap();
        for ok in ["0", "0-3", "1,3-5,7"] {
            assert!(r.is_match(ok), "{ok}");
        }
        for bad in ["", "a", "1,,2", "1-", "\u{0663}"] {
            assert!(!r.is_match(bad), "{bad}");
        }
    }

    #[test]
    #[allow(clippy::invalid_regex)] // the bad pattern is the point
    fn builder_limits() {
        let r = RegexBuilder::new("^CAP_[A-Z_]+$")
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()
            .unwrap();
        assert!(r.is_match("CAP_SYS_ADMIN") && !r.is_match("cap_x"));
        assert!(RegexBuilder::new("(").build().is_err());
    }

    #[test]
    fn sets_report_every_match() {
        let s = RegexSet::new(["^(libcrun_.*)$", "^(yajl_tree_parse)$", "^(x)$"]).unwrap();
        assert!(s.is_match("libcrun_container_run") && !s.is_match("other"));
        let m = s.matches("yajl_tree_parse");
        assert!(m.matched_any());
        assert_eq!((&m).into_iter().collect::<Vec<_>>(), [1]);
    }
}
