//! The README shows each client's configuration from `docs/clients/` verbatim, the file the
//! client's test runs with, so the two cannot drift; and the snippets name the versions the
//! tests pin.

use serde_json::Value;

use super::{repo_path, snippet};

/// Every snippet and the language of its README code block.
const SNIPPETS: [(&str, &str); 9] = [
    ("claude-code.mcp.json", "json"),
    ("claude-code.http.mcp.json", "json"),
    ("claude-code.settings.json", "json"),
    ("codex.config.toml", "toml"),
    ("codex.http.config.toml", "toml"),
    ("gemini.settings.json", "json"),
    ("gemini.http.settings.json", "json"),
    ("inspector.sh", "sh"),
    ("python_sdk.py", "python"),
];

#[test]
fn the_readme_shows_every_client_snippet_verbatim() {
    let readme = std::fs::read_to_string(repo_path("README.md")).expect("README.md");
    let listed: Vec<String> = std::fs::read_dir(repo_path("docs/clients"))
        .expect("docs/clients")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for file in &listed {
        assert!(
            SNIPPETS.iter().any(|(name, _)| name == file),
            "docs/clients/{file} is not checked against the README: add it to SNIPPETS"
        );
    }
    for (name, language) in SNIPPETS {
        let block = format!("```{language}\n{}\n```\n", snippet(name).trim_end());
        assert!(
            readme.contains(&block),
            "README.md does not show docs/clients/{name} verbatim; paste this block:\n{block}"
        );
    }
}

#[test]
fn the_inspector_snippet_runs_the_pinned_inspector() {
    let package: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("package.json")).expect("package.json"),
    )
    .expect("package.json is JSON");
    let pinned = package["devDependencies"]["@modelcontextprotocol/inspector"]
        .as_str()
        .expect("the Inspector is pinned in package.json");
    let [_, _, package_at_version] = super::inspector::NPX;
    assert_eq!(
        package_at_version,
        format!("@modelcontextprotocol/inspector@{pinned}")
    );
    assert!(snippet("inspector.sh").contains(package_at_version));
}
