//! A check's verdict, as `doctor` prints it: `ok`, `note` or `PROBLEM` with the fix.

/// Whether every check so far passed.
pub struct Verdict {
    pub all_ok: bool,
}

impl Verdict {
    pub fn record(&mut self, check: Check) {
        check.print();
        self.all_ok &= check.ok;
    }
}

/// One check's verdict.
pub struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
    fix: Option<String>,
    /// Shown as `note`: neither ok nor a problem.
    note: bool,
}

impl Check {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            ok: true,
            detail: detail.into(),
            fix: None,
            note: false,
        }
    }

    /// Worth knowing, but no problem.
    pub fn note(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            ok: true,
            detail: detail.into(),
            fix: None,
            note: true,
        }
    }

    pub fn problem(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
            note: false,
        }
    }

    pub fn print(&self) {
        let mark = match (self.ok, self.note) {
            (true, false) => "ok     ",
            (true, true) => "note   ",
            (false, _) => "PROBLEM",
        };
        println!("{mark}  {}: {}", self.name, self.detail);
        if let Some(fix) = &self.fix {
            println!("         fix: {fix}");
        }
    }
}
