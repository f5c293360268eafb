//! What `/proc/PID/stat` says about a process, for telling a container's
//! process from a later one that was given the same pid.

/// The line `/proc/PID/stat` holds.
pub fn read(pid: i32) -> Option<String> {
    crate::sys::pseudo_file::read_record(format!("/proc/{pid}/stat")).ok()
}

/// Whether process `pid` is still the one that started at `start_time`
/// (field 22) and has not exited (not a zombie, not dead).
pub fn started_at_and_alive(pid: i32, start_time: u64) -> bool {
    let stat = read(pid).unwrap_or_default();
    matches!(
        state_and_start(&stat),
        Some((state, t)) if t == start_time && state != 'Z' && state != 'X'
    )
}

/// The state letter (field 3) and start time (field 22, clock ticks after
/// boot) of a `/proc/PID/stat` line. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted after its last `)`.
pub fn state_and_start(stat: &str) -> Option<(char, u64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    // The state is field 3, so the start time is 19 fields further.
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

#[cfg(test)]
mod tests {
    use super::state_and_start;

    #[test]
    fn fields_are_counted_after_the_command_name() {
        let line = "31408 (stockade) S 1 31408 31408 0 -1 4194560 138 0 0 0 0 0 0 0 20 0 1 0 3979663 5046272 665 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        assert_eq!(state_and_start(line), Some(('S', 3979663)));
        let odd = "7 (a) b (c)) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0";
        assert_eq!(state_and_start(odd), Some(('Z', 42)));
        assert_eq!(state_and_start("7 (a) S 1 2"), None);
        assert_eq!(state_and_start("no name here"), None);
    }
}
