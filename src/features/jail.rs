//! What `features` says about a FreeBSD host. v1.3.0's features document
//! has no `freebsd` member (and may carry nothing the spec does not
//! define), so the host's jail support goes into our own annotations:
//!
//! * `org.stockade.freebsd.jailParams`: every jail parameter the running
//!   kernel describes (`security.jail.param.*`), comma-separated, sorted;
//!   a bundle asking for one not listed is refused at create.
//! * `org.stockade.freebsd.allow`: the `allow.*` flags among them.
//! * `org.stockade.freebsd.devfsRulesets`: the devfs rulesets loaded, which
//!   a devfs mount's `ruleset=N` may name.

use std::collections::BTreeMap;

use super::ANNOTATION_PREFIX;
use crate::backend::jail::hostcheck::HostFacts;

pub fn annotations(facts: &HostFacts) -> BTreeMap<String, String> {
    let join = |it: &mut dyn Iterator<Item = String>| it.collect::<Vec<_>>().join(",");
    let params = join(&mut facts.params.iter().cloned());
    let allow = join(
        &mut facts
            .params
            .iter()
            .filter(|p| p.starts_with("allow.") && !p.ends_with(".mount"))
            .cloned(),
    );
    let rulesets = join(&mut facts.devfs_rulesets.iter().map(u32::to_string));
    BTreeMap::from([
        (format!("{ANNOTATION_PREFIX}freebsd.jailParams"), params),
        (format!("{ANNOTATION_PREFIX}freebsd.allow"), allow),
        (
            format!("{ANNOTATION_PREFIX}freebsd.devfsRulesets"),
            rulesets,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_support_as_annotations() {
        let facts = HostFacts {
            params: [
                "allow.mlock",
                "allow.mount",
                "allow.mount.tmpfs",
                "vnet",
                "name",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            devfs_rulesets: [1, 4].into(),
        };
        let a = annotations(&facts);
        assert_eq!(
            a["org.stockade.freebsd.jailParams"],
            "allow.mlock,allow.mount,allow.mount.tmpfs,name,vnet"
        );
        assert_eq!(
            a["org.stockade.freebsd.allow"],
            "allow.mlock,allow.mount.tmpfs"
        );
        assert_eq!(a["org.stockade.freebsd.devfsRulesets"], "1,4");
        let doc = super::super::common(&["prestart"], vec![], a, &[]);
        assert_eq!(
            doc["annotations"]["org.stockade.freebsd.devfsRulesets"],
            "1,4"
        );
    }
}
