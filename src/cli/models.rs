//! `codex-bridge models`: the models Codex offers and their reasoning efforts, as a table or
//! as the `codex_list_models` JSON.

use clap::Args;

use super::exit::{report, report_error, Exit};
use super::session::SessionArgs;
use crate::bridge::results::ModelList;
use crate::shutdown::Signals;

#[derive(Debug, Clone, Args)]
pub struct ModelsArgs {
    /// Also list models Codex hides from its own pickers.
    #[arg(long)]
    pub include_hidden: bool,

    /// Print the list as JSON (`models`), as codex_list_models returns it.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub session: SessionArgs,
}

pub async fn run(args: ModelsArgs, signals: &mut Signals) -> Exit {
    let (session, bridge) = match args.session.reading(signals).await {
        Ok(connected) => connected,
        Err(exit) => return exit,
    };
    let exit = match bridge.list_models(args.include_hidden).await {
        Ok(list) if args.json => match serde_json::to_string(&list) {
            Ok(json) => {
                println!("{json}");
                Exit::Success
            }
            Err(error) => report(Exit::Protocol, error),
        },
        Ok(list) => {
            print!("{}", render(&list));
            Exit::Success
        }
        Err(error) => report_error(&error),
    };
    session.close().await;
    exit
}

/// One line per model: name, default effort, efforts, display name.
fn render(list: &ModelList) -> String {
    let mut text = String::new();
    for model in &list.models {
        let efforts: Vec<&str> = model.efforts.iter().map(|e| e.effort.as_str()).collect();
        text.push_str(&format!(
            "{:<24} {:<8} {:<36} {}{}\n",
            model.model,
            model.default_effort.as_deref().unwrap_or("-"),
            efforts.join(","),
            model.display_name,
            if model.is_default { " (default)" } else { "" }
        ));
    }
    if list.models.is_empty() {
        text.push_str("(no models)\n");
    }
    text
}
