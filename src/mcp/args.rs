//! Tool arguments as clients send them, checked and made into what the tool's published
//! input schema says, before the tool sees them.
//!
//! Every tool, one place, driven by the schema (so a new tool gets the same front door):
//! - an argument the tool does not take is refused, naming it and, where it is clear, the
//!   argument or tool meant (`thread_id` on `codex_ask` -> `codex_continue_thread`;
//!   `workingDirectory` -> `cwd`): nothing is silently ignored;
//! - a string that is exactly a number, `"true"`/`"false"`, or a JSON object is accepted for
//!   a number, boolean or object argument (the MCP Inspector CLI 0.15 sends every argument
//!   as a string; models sometimes send an object as a string); `null` means absent;
//! - a wrong type or value is an error that names the argument, says what it got and what
//!   it accepts in the schema's words (validated with the `jsonschema` crate).

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use rmcp::model::{JsonObject, Tool};
use serde_json::{Map, Value};

/// The argument checks of every tool. Each tool's validator is compiled on its first call,
/// not at start-up: compiling all of them was most of the bridge's start-up time and a good
/// part of its idle memory.
pub struct ArgumentChecks {
    tools: HashMap<String, ToolArguments>,
}

struct ToolArguments {
    name: String,
    schema: Value,
    properties: Map<String, Value>,
    validator: OnceLock<Option<jsonschema::Validator>>,
}

impl ToolArguments {
    /// The compiled input schema; `None` if it does not compile (a bug the tests catch: the
    /// tool's calls then go on unchecked rather than failing).
    fn validator(&self) -> Option<&jsonschema::Validator> {
        self.validator
            .get_or_init(|| match jsonschema::validator_for(&self.schema) {
                Ok(validator) => Some(validator),
                Err(error) => {
                    tracing::error!(tool = %self.name, %error, "input schema does not compile");
                    None
                }
            })
            .as_ref()
    }
}

impl ArgumentChecks {
    pub fn new(tools: &[Tool]) -> ArgumentChecks {
        let tools = tools
            .iter()
            .map(|tool| {
                let properties = tool
                    .input_schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                (
                    tool.name.to_string(),
                    ToolArguments {
                        name: tool.name.to_string(),
                        schema: Value::Object((*tool.input_schema).clone()),
                        properties,
                        validator: OnceLock::new(),
                    },
                )
            })
            .collect();
        ArgumentChecks { tools }
    }

    /// Compile every tool's validator now; the tools whose schema does not compile.
    #[cfg(test)]
    pub(crate) fn compile_all(&self) -> Vec<String> {
        self.tools
            .values()
            .filter(|tool| tool.validator().is_none())
            .map(|tool| tool.name.clone())
            .collect()
    }

    /// How many tools are checked.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.tools.len()
    }

    /// The arguments of a call to `tool`, checked and coerced; or the error to show.
    pub fn check(&self, tool: &str, arguments: Option<JsonObject>) -> Result<JsonObject, String> {
        let mut arguments = arguments.unwrap_or_default();
        let Some(checks) = self.tools.get(tool) else {
            return Ok(arguments);
        };
        arguments.retain(|_, value| !value.is_null());
        let unknown: Vec<&String> = arguments
            .keys()
            .filter(|key| !checks.properties.contains_key(key.as_str()))
            .collect();
        if !unknown.is_empty() {
            return Err(unknown_arguments(tool, &unknown, &checks.properties));
        }
        for (name, value) in arguments.iter_mut() {
            if let Some(schema) = checks.properties.get(name) {
                coerce(value, schema);
            }
        }
        let instance = Value::Object(arguments);
        let mut problems: Vec<String> = Vec::new();
        let Some(validator) = checks.validator() else {
            let Value::Object(arguments) = instance else {
                unreachable!("built from an object above")
            };
            return Ok(arguments);
        };
        for error in validator.iter_errors(&instance) {
            let problem = describe(&error, &instance, &checks.properties);
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        let Value::Object(arguments) = instance else {
            unreachable!("built from an object above")
        };
        Ok(arguments)
    }
}

/// Accept a string for a number, integer, boolean or object argument when it is exactly
/// one; anything else is left for validation to refuse.
fn coerce(value: &mut Value, schema: &Value) {
    let Value::String(text) = value else {
        return;
    };
    let parsed = match schema.get("type").and_then(Value::as_str) {
        Some("number") => serde_json::from_str::<serde_json::Number>(text)
            .ok()
            .filter(|_| text.trim() == text.as_str())
            .map(Value::Number),
        Some("integer") => serde_json::from_str::<serde_json::Number>(text)
            .ok()
            .filter(|number| text.trim() == text.as_str() && (number.is_i64() || number.is_u64()))
            .map(Value::Number),
        Some("boolean") => match text.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Some("object") => serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object),
        _ => None,
    };
    if let Some(parsed) = parsed {
        *value = parsed;
    }
}

/// The words for one validation error: the argument, what it got, what it accepts.
fn describe(
    error: &jsonschema::ValidationError<'_>,
    instance: &Value,
    properties: &Map<String, Value>,
) -> String {
    let pointer = error.instance_path().to_string();
    let name = pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            let hint = properties
                .get(property)
                .map(|schema| format!(": {}", first_sentence(schema)))
                .unwrap_or_default();
            format!("`{property}` is required{hint}")
        }
        _ => {
            let Some(schema) = properties.get(&name) else {
                return format!("the arguments are not valid: {error}");
            };
            let got = instance.pointer(&pointer).map(got).unwrap_or_default();
            let element = if pointer.matches('/').count() > 1 {
                " (an element)"
            } else {
                ""
            };
            format!(
                "`{name}`{element} got {got}; expected {}. {}",
                expected(schema),
                first_sentence(schema)
            )
            .trim_end()
            .to_string()
        }
    }
}

/// What a value is, in a few words.
fn got(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{:?} (text)", crate::text::shorten(text, 60)),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
        Value::Null => "null".into(),
    }
}

/// What a property accepts, in the schema's words.
fn expected(schema: &Value) -> String {
    if let Some(Value::Array(choices)) = schema.get("enum") {
        let words: Vec<String> = choices
            .iter()
            .map(|choice| format!("`{}`", choice.as_str().unwrap_or_default()))
            .collect();
        return format!("one of {}", words.join(", "));
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let mut words = match kind {
        "number" => "a number".to_string(),
        "integer" => "a whole number".to_string(),
        "boolean" => "true or false".to_string(),
        "string" => "text".to_string(),
        "object" => "a JSON object".to_string(),
        "array" => match schema.pointer("/items/type").and_then(Value::as_str) {
            Some("string") => "a list of strings".to_string(),
            _ => "a list".to_string(),
        },
        _ => "a value of the documented kind".to_string(),
    };
    if let Some(minimum) = schema.get("minimum") {
        words.push_str(&format!(" of at least {minimum}"));
    }
    if let Some(maximum) = schema.get("maximum") {
        words.push_str(&format!(" of at most {maximum}"));
    }
    words
}

fn first_sentence(schema: &Value) -> String {
    let description = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match description.find(". ") {
        Some(end) => description[..=end].to_string(),
        None => description.to_string(),
    }
}

/// Names a caller might use for an argument, by its normalised form (lowercase, no `_`/`-`).
const ALIASES: &[(&str, &str)] = &[
    ("workingdirectory", "cwd"),
    ("workdir", "cwd"),
    ("directory", "cwd"),
    ("dir", "cwd"),
    ("folder", "cwd"),
    ("path", "cwd"),
    ("message", "prompt"),
    ("text", "prompt"),
    ("query", "prompt"),
    ("question", "prompt"),
    ("input", "prompt"),
    ("task", "prompt"),
    ("timeout", "wait_seconds"),
    ("wait", "wait_seconds"),
    ("timeoutseconds", "wait_seconds"),
    ("waittime", "wait_seconds"),
    ("threadid", "thread_id"),
    ("thread", "thread_id"),
    ("turnid", "turn_id"),
    ("conversationid", "thread_id"),
    ("sessionid", "thread_id"),
    ("turn", "turn_id"),
    ("sandboxmode", "sandbox"),
    ("sandboxpolicy", "sandbox"),
    ("approval", "approval_policy"),
    ("approvals", "approval_policy"),
    ("approvalmode", "approval_policy"),
    ("askforapproval", "approval_policy"),
    ("reasoningeffort", "effort"),
    ("reasoning", "effort"),
    ("schema", "output_schema"),
    ("jsonschema", "output_schema"),
    ("responseformat", "output_schema"),
    ("title", "name"),
];

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The argument a caller most likely meant by `unknown`, if it is clear.
fn meant(unknown: &str, properties: &Map<String, Value>) -> Option<String> {
    let wanted = normalise(unknown);
    let mut candidates = properties.keys().filter(|name| normalise(name) == wanted);
    if let Some(name) = candidates.next() {
        return Some(name.clone());
    }
    if let Some((_, target)) = ALIASES.iter().find(|(alias, _)| *alias == wanted) {
        return Some((*target).to_string());
    }
    // A near-miss spelling: at most one edit per four letters.
    properties
        .keys()
        .map(|name| (strsim::osa_distance(&normalise(name), &wanted), name))
        .filter(|(distance, name)| *distance <= (name.len() / 4).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.clone())
}

fn unknown_arguments(tool: &str, unknown: &[&String], properties: &Map<String, Value>) -> String {
    let mut parts = Vec::new();
    for name in unknown {
        let guess = meant(name, properties);
        let part = match guess.as_deref() {
            Some("thread_id") if !properties.contains_key("thread_id") => format!(
                "unknown argument `{name}`: {tool} always starts a NEW thread; to continue an existing thread call codex_continue_thread with thread_id and prompt"
            ),
            Some(target) if properties.contains_key(target) => {
                format!("unknown argument `{name}` (did you mean `{target}`?)")
            }
            _ => format!("unknown argument `{name}`"),
        };
        parts.push(part);
    }
    let mut accepted: Vec<&str> = properties.keys().map(String::as_str).collect();
    accepted.sort_unstable();
    format!(
        "{}. Nothing was sent to Codex. {tool} takes: {}",
        parts.join("; "),
        accepted.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn checks() -> ArgumentChecks {
        let Value::Object(schema) = json!({
            "type": "object",
            "properties": {
                "prompt": {"type": "string", "description": "What to ask Codex. Required."},
                "cwd": {"type": "string", "description": "Working directory."},
                "wait_seconds": {"type": "number", "description": "Seconds this call waits. More."},
                "ephemeral": {"type": "boolean", "description": "Not saved."},
                "sandbox": {"type": "string", "enum": ["read-only", "workspace-write", "danger-full-access"], "description": "Sandbox."},
                "output_schema": {"type": "object", "description": "JSON Schema."},
                "limit": {"type": "integer", "description": "Page size."},
                "allow_commands": {"type": "array", "items": {"type": "string"}, "description": "Prefixes."}
            },
            "required": ["prompt"]
        }) else {
            unreachable!()
        };
        let tool = Tool::new("codex_ask", "Ask.", Arc::new(schema));
        ArgumentChecks::new(&[tool])
    }

    fn args(value: Value) -> Option<JsonObject> {
        match value {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    #[test]
    fn strings_are_read_as_the_type_the_schema_says() {
        let checked = checks()
            .check(
                "codex_ask",
                args(json!({
                    "prompt": "x", "wait_seconds": "20", "ephemeral": "true", "limit": "5",
                    "output_schema": "{\"type\":\"object\"}", "cwd": null
                })),
            )
            .expect("coerced");
        assert_eq!(checked["wait_seconds"], json!(20));
        assert_eq!(checked["ephemeral"], json!(true));
        assert_eq!(checked["limit"], json!(5));
        assert_eq!(checked["output_schema"], json!({"type": "object"}));
        assert!(!checked.contains_key("cwd"), "null means absent");
    }

    #[test]
    fn wrong_types_and_values_name_the_argument_in_the_schema_words() {
        let checks = checks();
        for (arguments, words) in [
            (
                json!({"prompt": "x", "sandbox": "yolo"}),
                vec![
                    "`sandbox`",
                    "\"yolo\"",
                    "`read-only`",
                    "`danger-full-access`",
                ],
            ),
            (
                json!({"prompt": 42}),
                vec!["`prompt`", "42", "expected text"],
            ),
            (
                json!({"prompt": "x", "wait_seconds": "ten"}),
                vec![
                    "`wait_seconds`",
                    "\"ten\"",
                    "a number",
                    "Seconds this call waits.",
                ],
            ),
            (
                json!({"prompt": "x", "wait_seconds": " 20"}),
                vec!["`wait_seconds`", "a number"],
            ),
            (
                json!({"prompt": "x", "ephemeral": "yes"}),
                vec!["`ephemeral`", "true or false"],
            ),
            (
                json!({"prompt": "x", "limit": "2.5"}),
                vec!["`limit`", "a whole number"],
            ),
            (
                json!({"prompt": "x", "allow_commands": "ls"}),
                vec!["`allow_commands`", "a list of strings"],
            ),
            (
                json!({"prompt": "x", "allow_commands": [1]}),
                vec!["`allow_commands` (an element)", "a list of strings"],
            ),
            (
                json!({"prompt": "x", "output_schema": "not json"}),
                vec!["`output_schema`", "a JSON object"],
            ),
            (
                json!({}),
                vec!["`prompt` is required", "What to ask Codex."],
            ),
        ] {
            let error = checks
                .check("codex_ask", args(arguments.clone()))
                .expect_err("refused");
            for word in words {
                assert!(
                    error.contains(word),
                    "{arguments} -> {error} (missing {word})"
                );
            }
            for rust in ["f64", "u32", "i64", "String", "variant", "deserialize"] {
                assert!(!error.contains(rust), "{error} names a Rust type");
            }
        }
    }

    #[test]
    fn unknown_arguments_are_refused_with_the_meant_one() {
        let checks = checks();
        for (name, words) in [
            ("thread_id", vec!["NEW thread", "codex_continue_thread"]),
            ("threadId", vec!["codex_continue_thread"]),
            ("workingDirectory", vec!["did you mean `cwd`"]),
            (
                "approval-policy",
                vec!["unknown argument `approval-policy`"],
            ),
            ("promtp", vec!["did you mean `prompt`"]),
            ("waitSeconds", vec!["did you mean `wait_seconds`"]),
            (
                "bogus",
                vec![
                    "unknown argument `bogus`",
                    "codex_ask takes: allow_commands",
                ],
            ),
        ] {
            let error = checks
                .check("codex_ask", args(json!({"prompt": "x", name: "v"})))
                .expect_err("refused");
            for word in words {
                assert!(error.contains(word), "{name} -> {error} (missing {word})");
            }
            assert!(error.contains("Nothing was sent to Codex"), "{error}");
        }
    }
}
