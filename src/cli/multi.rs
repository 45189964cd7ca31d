//! `codex-bridge brainstorm` and `codex-bridge fanout`: the multi-turn tools from the
//! terminal. The result is the MCP tool's (`--json`) or a readable summary on stdout;
//! progress lines go to stderr.

use clap::Args;

use super::exit::{report, report_error, Exit};
use super::flags::CeilingArgs;
use super::options::TurnArgs;
use super::output::{AnswerPrinter, Format};
use super::runner::{self, TerminalWatcher};
use super::session::SessionArgs;
use crate::bridge::caller::Caller;
use crate::bridge::debate::ParticipantSpec;
use crate::bridge::ops::brainstorm::Brainstorm;
use crate::bridge::ops::fanout::{Fanout, Variant};
use crate::bridge::ops::turns::Waiting;
use crate::bridge::results::{BrainstormResult, FanoutResult, TurnPhase};
use crate::bridge::watch::Asking;
use crate::shutdown::Signals;

#[derive(Debug, Clone, Args)]
pub struct BrainstormArgs {
    /// What to debate.
    #[arg(value_name = "TOPIC")]
    pub topic: String,

    /// A participant: ROLE, or ROLE:MODEL (repeatable; default: a proponent, a skeptic and a
    /// pragmatist).
    #[arg(long = "participant", value_name = "ROLE[:MODEL]")]
    pub participants: Vec<String>,

    /// Rounds, 1 to 5.
    #[arg(long, default_value_t = 2)]
    pub rounds: i64,

    /// Your own position, stated first: it joins from round 2 as one more participant.
    #[arg(long, value_name = "TEXT")]
    pub caller_position: Option<String>,

    /// Text the participants need.
    #[arg(long, value_name = "TEXT")]
    pub context: Option<String>,

    /// Fork this thread's history into every participant.
    #[arg(long, value_name = "ID")]
    pub seed_thread_id: Option<String>,

    /// No synthesis thread at the end.
    #[arg(long)]
    pub no_synthesis: bool,

    /// Include every answer of every round.
    #[arg(long)]
    pub transcript: bool,

    /// Directory the participants may read (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<std::path::PathBuf>,

    /// Model for every participant that names none.
    #[arg(long)]
    pub model: Option<String>,

    /// Reasoning effort for every participant.
    #[arg(long)]
    pub effort: Option<String>,

    /// Print the codex_brainstorm result as JSON.
    #[arg(long)]
    pub json: bool,

    /// Seconds the debate may take; then it is stopped and the exit code is 4. 0 means no
    /// limit.
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub timeout: f64,

    #[command(flatten)]
    pub session: SessionArgs,

    #[command(flatten)]
    pub ceilings: CeilingArgs,
}

#[derive(Debug, Clone, Args)]
pub struct FanoutArgs {
    /// What every variant is asked.
    #[arg(value_name = "PROMPT")]
    pub prompt: String,

    /// A variant: NAME, NAME:MODEL or NAME:MODEL:EFFORT (repeatable).
    #[arg(
        long = "variant",
        value_name = "NAME[:MODEL[:EFFORT]]",
        conflicts_with = "count"
    )]
    pub variants: Vec<String>,

    /// That many identical variants instead.
    #[arg(long)]
    pub count: Option<i64>,

    #[command(flatten)]
    pub turn: TurnArgs,

    /// Print the codex_fanout result as JSON.
    #[arg(long)]
    pub json: bool,

    /// Seconds the variants may take; then they are interrupted and the exit code is 4. 0
    /// means no limit.
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub timeout: f64,

    #[command(flatten)]
    pub session: SessionArgs,

    #[command(flatten)]
    pub ceilings: CeilingArgs,
}

pub async fn brainstorm(args: BrainstormArgs, signals: &mut Signals) -> Exit {
    if let Err(exit) = check_timeout(args.timeout) {
        return exit;
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
        ceiling_args.allowed_roots.extend(cwd.clone());
    }
    let ceilings = match ceiling_args.resolve() {
        Ok(ceilings) => ceilings,
        Err(error) => return report_error(&error),
    };
    let participants = (!args.participants.is_empty()).then(|| {
        args.participants
            .iter()
            .map(|spec| {
                let (role, model) = match spec.split_once(':') {
                    Some((role, model)) => (role, Some(model.to_string())),
                    None => (spec.as_str(), None),
                };
                ParticipantSpec {
                    role: role.to_string(),
                    model,
                    ..ParticipantSpec::default()
                }
            })
            .collect()
    });
    let call = Brainstorm {
        topic: Some(args.topic.clone()),
        context: args.context.clone(),
        participants,
        rounds: Some(args.rounds),
        caller_position: args.caller_position.clone(),
        synthesize: Some(!args.no_synthesis),
        cwd: cwd.map(|cwd| cwd.display().to_string()),
        model: args.model.clone(),
        effort: args.effort.clone(),
        seed_thread_id: args.seed_thread_id.clone(),
        transcript: args.transcript,
        ..Brainstorm::default()
    };
    let session = match args.session.connected(signals).await {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let bridge = session.bridge(ceilings);
    let caller = Caller {
        agent: None,
        can_ask: false,
        roots: None,
    };
    let outcome = {
        let mut watcher = TerminalWatcher::new(
            AnswerPrinter::new(Format::Plain),
            signals,
            Asking::No,
            |_| {},
        );
        bridge
            .brainstorm(
                call,
                &caller,
                Waiting::Until(runner::deadline(args.timeout)),
                &mut watcher,
            )
            .await
    };
    let exit = match outcome {
        Ok(result) => {
            print_result(args.json, &result, brainstorm_text);
            match result.status.as_str() {
                "completed" => Exit::Success,
                "interrupted" if args.timeout > 0.0 => Exit::Timeout,
                _ => Exit::TurnFailed,
            }
        }
        Err(error) => report_error(&error),
    };
    session.close().await;
    exit
}

pub async fn fanout(args: FanoutArgs, signals: &mut Signals) -> Exit {
    if let Err(exit) = check_timeout(args.timeout) {
        return exit;
    }
    let options = match args.turn.options() {
        Ok(options) => options,
        Err(error) => return report_error(&error),
    };
    let ceilings = match args.turn.ceilings(&args.ceilings) {
        Ok(ceilings) => ceilings,
        Err(error) => return report_error(&error),
    };
    let variants = (!args.variants.is_empty()).then(|| {
        args.variants
            .iter()
            .map(|spec| {
                let mut parts = spec.splitn(3, ':').map(str::to_string);
                Variant {
                    name: parts.next().filter(|name| !name.is_empty()),
                    model: parts.next().filter(|model| !model.is_empty()),
                    effort: parts.next().filter(|effort| !effort.is_empty()),
                    developer_instructions: None,
                }
            })
            .collect()
    });
    let count = match (&variants, args.count) {
        (None, None) => Some(2),
        (_, count) => count,
    };
    let call = Fanout {
        prompt: args.prompt.clone(),
        variants,
        count,
        options,
    };
    let session = match args.session.connected(signals).await {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let bridge = session.bridge(ceilings);
    let caller = Caller {
        agent: None,
        can_ask: false,
        roots: None,
    };
    let outcome = {
        let mut watcher = TerminalWatcher::new(
            AnswerPrinter::new(Format::Plain),
            signals,
            Asking::No,
            |_| {},
        );
        bridge
            .fanout(
                call,
                &caller,
                Waiting::Until(runner::deadline(args.timeout)),
                &mut watcher,
            )
            .await
    };
    let exit = match outcome {
        Ok(result) => {
            print_result(args.json, &result, fanout_text);
            let all_completed = result.variants.iter().all(|variant| {
                variant
                    .turn
                    .as_ref()
                    .is_some_and(|turn| turn.status == TurnPhase::Completed)
            });
            match result.status.as_str() {
                "interrupted" | "running" if args.timeout > 0.0 => Exit::Timeout,
                _ if all_completed => Exit::Success,
                _ => Exit::TurnFailed,
            }
        }
        Err(error) => report_error(&error),
    };
    session.close().await;
    exit
}

fn check_timeout(timeout: f64) -> Result<(), Exit> {
    if !timeout.is_finite() || timeout < 0.0 {
        return Err(report(
            Exit::Usage,
            format!("--timeout must be 0 or more seconds, got {timeout}"),
        ));
    }
    Ok(())
}

fn print_result<T: serde::Serialize>(json: bool, result: &T, text: impl Fn(&T) -> String) {
    if json {
        match serde_json::to_string(result) {
            Ok(json) => println!("{json}"),
            Err(error) => eprintln!("codex-bridge: cannot encode the result: {error}"),
        }
    } else {
        print!("{}", text(result));
    }
}

fn brainstorm_text(result: &BrainstormResult) -> String {
    let mut out = format!(
        "brainstorm {} · {} · {} of {} rounds{}\n",
        result.brainstorm_id,
        result.status,
        result.rounds_run,
        result.rounds,
        result
            .stop_reason
            .as_deref()
            .map(|reason| format!(" ({reason})"))
            .unwrap_or_default()
    );
    for participant in &result.participants {
        out.push_str(&format!(
            "\n## {} · {} · {}{}\n",
            participant.label,
            participant.role,
            participant.status,
            participant
                .thread_id
                .as_deref()
                .map(|id| format!(" · thread {id}"))
                .unwrap_or_default()
        ));
        if let Some(position) = &participant.position {
            out.push_str(&format!("{position}\n"));
        }
        for point in &participant.key_points {
            out.push_str(&format!("- {point}\n"));
        }
        if let Some(error) = &participant.error {
            out.push_str(&format!("error: {error}\n"));
        }
    }
    if !result.agreements.is_empty() {
        out.push_str("\n## Agreements\n");
        for agreement in &result.agreements {
            out.push_str(&format!(
                "- {} ({} support)\n",
                agreement.point, agreement.support
            ));
        }
    }
    if !result.disagreements.is_empty() {
        out.push_str("\n## Disagreements\n");
        for disagreement in &result.disagreements {
            out.push_str(&format!("- {}\n", disagreement.point));
            for side in &disagreement.sides {
                out.push_str(&format!("  - {}: {}\n", side.view, side.strongest_point));
            }
        }
    }
    if !result.open_questions.is_empty() {
        out.push_str("\n## Open questions\n");
        for question in &result.open_questions {
            out.push_str(&format!("- {question}\n"));
        }
    }
    if let Some(synthesis) = &result.synthesis {
        out.push_str(&format!("\n## Recommendation\n{synthesis}\n"));
    }
    out
}

fn fanout_text(result: &FanoutResult) -> String {
    let mut out = String::new();
    for variant in &result.variants {
        out.push_str(&format!("=== {}", variant.name));
        if let Some(turn) = &variant.turn {
            out.push_str(&format!(
                " · {} · thread {}\n{}\n\n",
                turn.status.word(),
                turn.thread_id,
                turn.text
            ));
        } else {
            out.push_str(&format!(
                " · did not start: {}\n\n",
                variant.error.as_deref().unwrap_or("unknown")
            ));
        }
    }
    out
}
