//! Log output the way runtime clients read it: with `--log FILE` every event
//! goes to FILE, one line each — `--log-format json` writes
//! `{"level":..,"msg":..,"time":<RFC 3339>}` objects (what podman and containerd
//! decode), `text` writes logfmt-style lines. Without `--log`, only `--debug`
//! sends events to stderr: a successful command prints nothing there.
//!
//! Each line is written with a single write(2) on an O_APPEND descriptor and no
//! lock is taken, so logging stays safe in children libcrun forks.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::OnceLock;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

struct Sink {
    file: Option<File>,
    format: Format,
    debug_to_stderr: bool,
}

static SINK: OnceLock<Sink> = OnceLock::new();

/// Set up logging once, before any work. `log` accepts `PATH` or `file:PATH`.
/// `max` is the most detailed level written: errors only by default, as with
/// crun (podman decodes the whole file as one object when a command fails).
pub fn init(log: Option<&Path>, format: Format, max: Level) -> std::io::Result<()> {
    let file = match log {
        Some(p) => {
            let p = p
                .to_str()
                .and_then(|s| s.strip_prefix("file:"))
                .map(Path::new)
                .unwrap_or(p);
            Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .mode(0o600)
                    .open(p)?,
            )
        }
        None => None,
    };
    let debug_to_stderr = max >= Level::DEBUG && file.is_none();
    let _ = SINK.set(Sink {
        file,
        format,
        debug_to_stderr,
    });
    let _ = tracing::subscriber::set_global_default(SinkSubscriber { max });
    Ok(())
}

/// The level from `--debug` / `--log-level` (error, warning, info, debug).
pub fn level_from_flags(debug: bool, log_level: Option<&str>) -> Result<Level, String> {
    if debug {
        return Ok(Level::DEBUG);
    }
    match log_level.map(str::to_ascii_lowercase).as_deref() {
        None | Some("error") => Ok(Level::ERROR),
        Some("warning" | "warn") => Ok(Level::WARN),
        Some("info") => Ok(Level::INFO),
        Some("debug") => Ok(Level::DEBUG),
        Some(other) => Err(format!(
            "invalid --log-level `{other}` (expected error, warning, info or debug)"
        )),
    }
}

/// The final error of a command: once to stderr, once to the log file.
pub fn report_error(msg: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "stockade: {msg}");
    if let Some(sink) = SINK.get() {
        if let Some(f) = &sink.file {
            write_line(f, &render(sink.format, Level::ERROR, msg));
        }
    }
}

fn write_line(mut f: &File, line: &str) {
    let _ = f.write_all(line.as_bytes());
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warning",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// One line for `msg` in `format` (newline included).
pub fn render(format: Format, level: Level, msg: &str) -> String {
    let time = now_rfc3339();
    match format {
        Format::Json => {
            let obj = serde_json::json!({ "level": level_name(level), "msg": msg, "time": time });
            format!("{obj}\n")
        }
        Format::Text => {
            format!(
                "time={:?} level={} msg={:?}\n",
                time,
                level_name(level),
                msg
            )
        }
    }
}

/// Events go straight to the sink. stockade records no spans, so no span
/// registry is kept (a short-lived CLI pays for every allocation at start-up).
struct SinkSubscriber {
    max: Level,
}

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_string();
        } else {
            self.0.push_str(&format!(" {}={value:?}", field.name()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        } else {
            self.0.push_str(&format!(" {}={value:?}", field.name()));
        }
    }
}

impl Subscriber for SinkSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.max
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(self.max.into())
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        // Only events `enabled` let through arrive here.
        let Some(sink) = SINK.get() else { return };
        let level = *event.metadata().level();
        let mut m = Message::default();
        event.record(&mut m);
        let line = render(sink.format, level, &m.0);
        if let Some(f) = &sink.file {
            write_line(f, &line);
        } else if sink.debug_to_stderr {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_line_has_level_msg_and_rfc3339_time() {
        let line = render(Format::Json, Level::ERROR, "container `a` does not exist");
        assert!(line.ends_with('\n'));
        let v: serde_json::Value = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(v["level"], "error");
        assert_eq!(v["msg"], "container `a` does not exist");
        let t = v["time"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok(),
            "{t}"
        );
    }

    #[test]
    fn text_line_quotes_message() {
        let line = render(Format::Text, Level::WARN, "a \"b\"");
        assert!(line.contains("level=warning"), "{line}");
        assert!(line.contains(r#"msg="a \"b\"""#), "{line}");
    }
}
