//! Running OCI hooks: the state JSON on stdin, `args[0]` as argv[0], only
//! the hook's own `env`, and the `timeout` enforced (the hook is killed and
//! counts as failed). Plain std::process, so it is tested on any OS; the
//! caller may adjust the command (e.g. attach it to a jail) via `prepare`.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::plan::HookPlan;

/// Run one hook; `Err` names the hook and why it failed.
pub fn run_hook(
    h: &HookPlan,
    state_json: &str,
    prepare: &dyn Fn(&mut Command),
) -> Result<(), String> {
    let mut cmd = Command::new(&h.path);
    if let Some((arg0, rest)) = h.args.split_first() {
        cmd.arg0(arg0).args(rest);
    }
    cmd.env_clear();
    for e in &h.env {
        if let Some((k, v)) = e.split_once('=') {
            cmd.env(k, v);
        }
    }
    cmd.stdin(Stdio::piped());
    prepare(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("hook {}: cannot start: {e}", h.path))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin is fine (EPIPE ignored).
        let _ = stdin.write_all(state_json.as_bytes());
    }
    let deadline = h
        .timeout
        .map(|t| Instant::now() + Duration::from_secs(u64::from(t)));
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("hook {}: {e}", h.path))?
        {
            return if status.success() {
                Ok(())
            } else {
                Err(format!("hook {} failed: {status}", h.path))
            };
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "hook {} timed out after {}s",
                h.path,
                h.timeout.unwrap_or(0)
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run hooks in order, stopping at the first failure.
pub fn run_all(
    hooks: &[HookPlan],
    state_json: &str,
    prepare: &dyn Fn(&mut Command),
) -> Result<(), String> {
    hooks
        .iter()
        .try_for_each(|h| run_hook(h, state_json, prepare))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Option<u32>) -> HookPlan {
        HookPlan {
            path: "/bin/sh".into(),
            args: vec!["sh".into(), "-c".into(), script.into()],
            env: vec!["WANT=ok".into()],
            timeout,
        }
    }

    #[test]
    fn stdin_and_env_reach_the_hook() {
        let h = sh(
            r#"read -r line; [ "$line" = '{"id":"c"}' ] && [ "$WANT" = ok ] && [ -z "$HOME" ]"#,
            None,
        );
        run_hook(&h, "{\"id\":\"c\"}\n", &|_| {}).unwrap();
    }

    #[test]
    fn failure_and_timeout_are_errors() {
        assert!(run_hook(&sh("exit 3", None), "", &|_| {})
            .unwrap_err()
            .contains("failed"));
        let t = Instant::now();
        let e = run_hook(&sh("sleep 5", Some(1)), "", &|_| {}).unwrap_err();
        assert!(e.contains("timed out"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(4));
    }

    #[test]
    fn run_all_stops_at_first_failure() {
        let dir = std::env::temp_dir().join(format!("stockade-hooks-{}", std::process::id()));
        let marker = dir.join("ran");
        std::fs::create_dir_all(&dir).unwrap();
        let hooks = [
            sh("exit 1", None),
            sh(&format!("touch {}", marker.display()), None),
        ];
        assert!(run_all(&hooks, "", &|_| {}).is_err());
        assert!(!marker.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
