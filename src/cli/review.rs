//! `codex-bridge review`: Codex's read-only code review of a git working tree, the review
//! on stdout (or the `codex_review` JSON), and an exit code that can gate CI
//! (`--fail-on P1`: exit 1 when a finding is at or above that priority).

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{ArgGroup, Args};

use super::exit::{report, report_error, Exit};
use super::flags::CeilingArgs;
use super::output::{AnswerPrinter, Format};
use super::runner::{self, TerminalWatcher};
use super::session::SessionArgs;
use crate::bridge::caller::Caller;
use crate::bridge::ops::review::Review;
use crate::bridge::ops::turns::{TurnOutcome, Waiting};
use crate::bridge::results::{ReviewReport, TurnPhase, TurnResult};
use crate::bridge::watch::{Asking, Ending, Stop};
use crate::shutdown::Signals;

#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("target").args(["uncommitted", "base", "commit", "custom"])))]
pub struct ReviewArgs {
    /// Review the staged, unstaged and untracked changes (the default).
    #[arg(long)]
    pub uncommitted: bool,

    /// Review the changes against BRANCH.
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,

    /// Review one commit.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,

    /// The commit's title, shown to the reviewer.
    #[arg(long, value_name = "TITLE", requires = "commit")]
    pub commit_title: Option<String>,

    /// Review what TEXT asks for.
    #[arg(long, value_name = "TEXT")]
    pub custom: Option<String>,

    /// Review in a read-only fork of this thread (the reviewer knows the work behind the
    /// change; the thread is not changed).
    #[arg(long, value_name = "ID")]
    pub thread_id: Option<String>,

    /// The git working tree to review (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,

    /// Model name (default: Codex's configured model).
    #[arg(long)]
    pub model: Option<String>,

    /// Reasoning effort, one the model supports (`codex-bridge models` lists them).
    #[arg(long)]
    pub effort: Option<String>,

    /// Exit 1 when a finding has this priority or a more severe one (P0 is the most
    /// severe; a finding without a priority counts as P3).
    #[arg(long, value_name = "PRIORITY", value_parser = PossibleValuesParser::new(["P0", "P1", "P2", "P3"]))]
    pub fail_on: Option<String>,

    /// Print one JSON object (the `codex_review` result, with `review.findings`).
    #[arg(long)]
    pub json: bool,

    /// Seconds the review may take; then it is interrupted and the exit code is 4. 0 means
    /// no limit.
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub timeout: f64,

    #[command(flatten)]
    pub session: SessionArgs,

    #[command(flatten)]
    pub ceilings: CeilingArgs,
}

pub async fn run(args: ReviewArgs, signals: &mut Signals) -> Exit {
    if !args.timeout.is_finite() || args.timeout < 0.0 {
        return report(
            Exit::Usage,
            format!("--timeout must be 0 or more seconds, got {}", args.timeout),
        );
    }
    let cwd = match &args.cwd {
        Some(cwd) => match std::path::absolute(cwd) {
            Ok(path) => Some(path),
            Err(error) => return report(Exit::Usage, format!("--cwd {}: {error}", cwd.display())),
        },
        None => None,
    };
    let mut ceiling_args = args.ceilings.clone();
    if ceiling_args.allowed_roots.is_empty() {
        if let Some(cwd) = &cwd {
            ceiling_args.allowed_roots.push(cwd.clone());
        }
    }
    let ceilings = match ceiling_args.resolve() {
        Ok(ceilings) => ceilings,
        Err(error) => return report_error(&error),
    };
    let target = if args.base.is_some() {
        "base_branch"
    } else if args.commit.is_some() {
        "commit"
    } else if args.custom.is_some() {
        "custom"
    } else {
        "uncommitted"
    };
    let review = Review {
        target: target.to_string(),
        base_branch: args.base.clone(),
        commit: args.commit.clone(),
        commit_title: args.commit_title.clone(),
        instructions: args.custom.clone(),
        cwd: cwd.map(|cwd| cwd.display().to_string()),
        thread_id: args.thread_id.clone(),
        model: args.model.clone(),
        effort: args.effort.clone(),
        wait_seconds: None,
    };
    let session = match args.session.connected(signals).await {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let bridge = session.bridge(ceilings);
    let format = if args.json {
        Format::Json
    } else {
        Format::Plain
    };
    let caller = Caller {
        agent: None,
        can_ask: false,
        roots: None,
    };
    let outcome = {
        let mut watcher =
            TerminalWatcher::new(AnswerPrinter::new(format), signals, Asking::No, |handle| {
                session.say(format_args!(
                    "reviewing in thread {} · turn {}",
                    handle.thread_id, handle.turn_id
                ));
            });
        let outcome = bridge
            .review(
                review,
                &caller,
                Waiting::Until(runner::deadline(args.timeout)),
                &mut watcher,
            )
            .await;
        (outcome, watcher.printer)
    };
    let exit = match outcome {
        (Ok(TurnOutcome::Ran { result, ending }), mut printer) => {
            printer.finish(&result);
            if format == Format::Plain {
                print_findings(&result);
            }
            exit_for(&result, &ending, args.fail_on.as_deref())
        }
        (Ok(TurnOutcome::Abandoned(ending)), _) => match ending {
            Ending::Stopped(Stop::Signal(caught)) => Exit::for_signal(caught),
            _ => report(Exit::Timeout, "stopped before Codex started the review"),
        },
        (Err(error), _) => report_error(&error),
    };
    session.close().await;
    exit
}

/// The structured findings under the review text (stderr: stdout holds only the review).
fn print_findings(result: &TurnResult) {
    let Some(review) = &result.review else {
        return;
    };
    eprintln!(
        "codex-bridge: verdict: {} ({} findings)",
        review
            .overall_correctness
            .as_deref()
            .unwrap_or("none given"),
        review.findings.len()
    );
    for finding in &review.findings {
        let place = match (&finding.file, finding.line_start) {
            (Some(file), Some(line)) => format!("{file}:{line}: "),
            (Some(file), None) => format!("{file}: "),
            (None, _) => String::new(),
        };
        eprintln!(
            "codex-bridge: {place}{}{}",
            finding.title,
            finding
                .confidence
                .map(|c| format!(" (confidence {c:.2})"))
                .unwrap_or_default()
        );
    }
}

fn exit_for(result: &TurnResult, ending: &Ending, fail_on: Option<&str>) -> Exit {
    match ending {
        Ending::DeadlinePassed => return Exit::Timeout,
        Ending::Stopped(Stop::Signal(caught)) => return Exit::for_signal(*caught),
        Ending::Stopped(Stop::Cancelled | Stop::Disconnected) | Ending::InputRequired(_) => {
            return Exit::TurnFailed
        }
        Ending::Finished => {}
    }
    if result.status != TurnPhase::Completed {
        if let Some(error) = &result.error {
            eprintln!("codex-bridge: review {}: {error}", result.status.word());
        }
        return Exit::TurnFailed;
    }
    let Some(threshold) = fail_on.and_then(priority) else {
        return Exit::Success;
    };
    match &result.review {
        Some(review) if gate_fails(review, threshold) => {
            eprintln!("codex-bridge: the review has findings at or above P{threshold} (--fail-on)");
            Exit::TurnFailed
        }
        Some(_) => Exit::Success,
        None => {
            eprintln!(
                "codex-bridge: the reviewer answered in prose, without findings to check against --fail-on"
            );
            Exit::TurnFailed
        }
    }
}

fn priority(word: &str) -> Option<u8> {
    word.strip_prefix('P')?.parse().ok()
}

/// A finding at or above `threshold` (a finding without a priority counts as P3).
fn gate_fails(review: &ReviewReport, threshold: u8) -> bool {
    review
        .findings
        .iter()
        .any(|finding| finding.priority.unwrap_or(3) <= threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::results::ReviewFinding;

    fn report(priorities: &[Option<u8>]) -> ReviewReport {
        ReviewReport {
            overall_correctness: None,
            overall_explanation: None,
            overall_confidence: None,
            findings: priorities
                .iter()
                .map(|priority| ReviewFinding {
                    title: "t".into(),
                    body: String::new(),
                    priority: *priority,
                    confidence: None,
                    file: None,
                    line_start: None,
                    line_end: None,
                })
                .collect(),
        }
    }

    #[test]
    fn the_gate_fails_at_or_above_its_priority() {
        assert!(gate_fails(&report(&[Some(1)]), 1));
        assert!(gate_fails(&report(&[Some(0)]), 1));
        assert!(!gate_fails(&report(&[Some(2)]), 1));
        assert!(!gate_fails(&report(&[]), 3));
        assert!(gate_fails(&report(&[None]), 3));
        assert!(!gate_fails(&report(&[None]), 2));
    }
}
