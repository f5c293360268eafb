//! Asking the host what `hostcheck` decides on: the jail parameters its
//! kernel describes (`sysctl -N security.jail.param`) and the devfs rulesets
//! it has loaded (`devfs rule showsets`). FreeBSD only.

use std::process::Command;

use anyhow::{bail, Context, Result};

use super::hostcheck::{parse_param_sysctls, parse_rulesets, HostFacts};
use super::plan::JailPlan;

fn run(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("running {program}"))?;
    if !out.status.success() {
        bail!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn jail_params() -> Result<std::collections::BTreeSet<String>> {
    let text = run("/sbin/sysctl", &["-N", "security.jail.param"])?;
    let params = parse_param_sysctls(&text);
    if params.is_empty() {
        bail!("the kernel describes no jail parameters (sysctl security.jail.param)");
    }
    Ok(params)
}

pub fn devfs_rulesets() -> Result<std::collections::BTreeSet<u32>> {
    let text =
        run("/sbin/devfs", &["rule", "showsets"]).context("listing the host's devfs rulesets")?;
    Ok(parse_rulesets(&text))
}

/// What `plan` needs to know (rulesets only when a devfs mount names one).
pub fn gather(plan: &JailPlan) -> Result<HostFacts> {
    let needs_rulesets = plan
        .mounts
        .iter()
        .any(|m| m.fstype == "devfs" && m.options.iter().any(|o| o.name == "ruleset"));
    Ok(HostFacts {
        params: jail_params()?,
        devfs_rulesets: if needs_rulesets {
            devfs_rulesets()?
        } else {
            Default::default()
        },
    })
}

/// Everything, for `features`.
pub fn gather_all() -> Result<HostFacts> {
    Ok(HostFacts {
        params: jail_params()?,
        devfs_rulesets: devfs_rulesets()?,
    })
}
