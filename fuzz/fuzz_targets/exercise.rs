// The work one fuzz input drives through the front end, shared by the
// libFuzzer target (fuzz_targets/frontend.rs) and the regression test that
// replays the corpus in CI (tests/fuzz_regressions.rs).
//
// Input: bytes, used as the text of config.json when they are UTF-8. For
// Linux and FreeBSD: load_str (parse, normalize incl. the FreeBSD annotation
// bridge, validate), the validate report, and for a FreeBSD bundle that
// loads, the jail planner. Invariants: no panic, no hang, and every error
// is a single line.

use std::path::Path;

use stockade::backend::jail::plan::plan;
use stockade::bundle::host::BackendSupport;
use stockade::bundle::{load_str, report_with, Input, Platform};

pub fn exercise(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = Path::new("/nonexistent-stockade-fuzz-bundle");
    for platform in [Platform::Linux, Platform::FreeBsd] {
        match load_str(text, dir, platform) {
            Ok(bundle) => {
                let _ = bundle.doc.to_string();
                if platform == Platform::FreeBsd {
                    if let Err(problems) = plan(&bundle, "fuzz") {
                        for p in problems {
                            let line = p.to_string();
                            assert!(!line.contains('\n'), "multi-line plan error: {line:?}");
                        }
                    }
                }
            }
            Err(e) => {
                let line = e.to_string();
                assert!(!line.contains('\n'), "multi-line error: {line:?}");
            }
        }
        let r = report_with(
            Input::Text { text, dir },
            platform,
            None,
            &BackendSupport::LINUX,
        );
        let _ = r.to_text();
    }
}
