//! Tool schemas in the portable subset every client accepts.
//!
//! rmcp derives schemas with schemars: `$defs`/`$ref`, type arrays for optional fields
//! (`["number", "null"]`), formats such as `uint64`, and enums as `oneOf` of constants. The
//! MCP Inspector's strict mode warns about those, several clients print "unknown format
//! uint64 ignored" on every run, and Gemini hands the schema to its model API, which accepts
//! an OpenAPI subset. So every tool's input and output schema is rewritten once, when the
//! router is built: everything inlined, one `type` per property (optional means "not
//! required"), no formats, enums as `enum`, and a `null` default dropped.

use rmcp::model::JsonObject;
use serde_json::{Map, Value};

/// Rewrite `schema` into the portable subset.
pub fn portable(schema: &JsonObject) -> JsonObject {
    let definitions = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut value = Value::Object(schema.clone());
    inline(&mut value, &definitions, 0);
    simplify(&mut value);
    let Value::Object(mut object) = value else {
        return schema.clone();
    };
    object.remove("$defs");
    object.remove("definitions");
    object.remove("$schema");
    object
}

/// Replace each `{"$ref": "#/$defs/X"}` by X (the referring schema's own keys win).
fn inline(value: &mut Value, definitions: &Map<String, Value>, depth: usize) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref").cloned() {
                let name = reference
                    .strip_prefix("#/$defs/")
                    .or_else(|| reference.strip_prefix("#/definitions/"));
                // The depth bound only matters for recursive types, which the tools have none of.
                if let (Some(Value::Object(target)), true) =
                    (name.and_then(|name| definitions.get(name)), depth < 32)
                {
                    object.remove("$ref");
                    for (key, inner) in target {
                        object.entry(key.clone()).or_insert_with(|| inner.clone());
                    }
                }
            }
            for child in object.values_mut() {
                inline(child, definitions, depth + 1);
            }
        }
        Value::Array(items) => {
            for item in items {
                inline(item, definitions, depth + 1);
            }
        }
        _ => {}
    }
}

/// One type per schema, no null, no formats, enums as `enum`.
fn simplify(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for child in object.values_mut() {
                simplify(child);
            }
            simplify_one(object);
        }
        Value::Array(items) => items.iter_mut().for_each(simplify),
        _ => {}
    }
}

fn simplify_one(object: &mut Map<String, Value>) {
    // "type": ["number", "null"] -> "type": "number"
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    // "anyOf": [X, {"type": "null"}] (an optional struct or enum) -> X, merged in.
    let is_null = |branch: &Value| {
        branch.get("type") == Some(&Value::from("null"))
            && branch.as_object().is_some_and(|o| o.len() == 1)
    };
    if let Some(Value::Array(branches)) = object.get("anyOf") {
        if branches.len() == 2 && branches.iter().any(is_null) {
            let kept = branches.iter().find(|branch| !is_null(branch)).cloned();
            object.remove("anyOf");
            if let Some(Value::Object(kept)) = kept {
                for (key, inner) in kept {
                    object.entry(key).or_insert(inner);
                }
            }
        }
    }
    // Documented unit variants: "oneOf": [{"const": "a", "description": ...}, ...] -> an
    // "enum", with each variant's doc appended to the description.
    if let Some(Value::Array(branches)) = object.get("oneOf") {
        // A branch is one documented constant, or an enum of the undocumented ones.
        let constants: Option<Vec<(String, Option<String>)>> = branches
            .iter()
            .map(|branch| {
                let doc = branch
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if let Some(constant) = branch.get("const") {
                    return Some(vec![(constant.as_str()?.to_string(), doc)]);
                }
                branch
                    .get("enum")?
                    .as_array()?
                    .iter()
                    .map(|value| Some((value.as_str()?.to_string(), None)))
                    .collect()
            })
            .collect::<Option<Vec<_>>>()
            .map(|groups| groups.into_iter().flatten().collect());
        if let Some(constants) = constants {
            object.remove("oneOf");
            object.insert("type".into(), "string".into());
            object.insert(
                "enum".into(),
                constants
                    .iter()
                    .map(|(c, _)| Value::from(c.as_str()))
                    .collect(),
            );
            let docs: Vec<String> = constants
                .iter()
                .filter_map(|(c, doc)| doc.as_ref().map(|doc| format!("`{c}`: {doc}")))
                .collect();
            if !docs.is_empty() {
                let base = object
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let joined = docs.join("; ");
                let description = if base.is_empty() {
                    joined
                } else if base.contains(&joined) {
                    base
                } else {
                    format!("{base} {joined}")
                };
                object.insert("description".into(), description.into());
            }
        }
    }
    // `enum` implies strings here: give it a type.
    if object.contains_key("enum") && !object.contains_key("type") {
        object.insert("type".into(), "string".into());
    }
    object.remove("format");
    if object.get("default") == Some(&Value::Null) {
        object.remove("default");
    }
}

/// What is not portable in `schema`, as readable findings (empty when it is portable).
/// Checks: no `$ref`/`$defs`, one `type` per schema, only standard formats, a type on every
/// property, a description on every property.
#[cfg(test)]
pub fn problems(schema: &JsonObject) -> Vec<String> {
    fn walk(path: &str, value: &Value, property: bool, out: &mut Vec<String>) {
        let Some(object) = value.as_object() else {
            return;
        };
        for key in ["$ref", "$defs", "definitions", "$schema"] {
            if object.contains_key(key) {
                out.push(format!("{path}: has {key}"));
            }
        }
        match object.get("type") {
            Some(Value::String(_)) => {}
            Some(other) => out.push(format!("{path}: type {other} is not one type")),
            None if property => out.push(format!("{path}: no type")),
            None => {}
        }
        if let Some(format) = object.get("format").and_then(Value::as_str) {
            const STANDARD: [&str; 9] = [
                "date-time",
                "date",
                "time",
                "email",
                "uri",
                "uuid",
                "hostname",
                "ipv4",
                "ipv6",
            ];
            if !STANDARD.contains(&format) {
                out.push(format!("{path}: non-standard format {format}"));
            }
        }
        if property && !object.contains_key("description") {
            out.push(format!("{path}: no description"));
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if object.contains_key(key) {
                out.push(format!("{path}: has {key}"));
            }
        }
        if let Some(Value::Object(properties)) = object.get("properties") {
            for (name, inner) in properties {
                walk(&format!("{path}/{name}"), inner, true, out);
            }
        }
        if let Some(items) = object.get("items") {
            walk(&format!("{path}[]"), items, false, out);
        }
    }
    let mut out = Vec::new();
    walk("", &Value::Object(schema.clone()), false, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn optional_numbers_refs_and_formats_become_portable() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "wait": {"description": "Seconds.", "type": ["number", "null"], "format": "double"},
                "sandbox": {"description": "Sandbox.", "anyOf": [{"$ref": "#/$defs/Sandbox"}, {"type": "null"}]},
                "count": {"description": "How many.", "type": "integer", "format": "uint64", "minimum": 0}
            },
            "$defs": {"Sandbox": {"oneOf": [
                {"const": "read-only", "description": "Read."},
                {"const": "workspace-write", "description": "Write."}
            ]}}
        });
        let Value::Object(schema) = schema else {
            unreachable!()
        };
        let portable = portable(&schema);
        assert_eq!(problems(&portable), Vec::<String>::new(), "{portable:?}");
        let properties = &portable["properties"];
        assert_eq!(properties["wait"]["type"], "number");
        assert_eq!(properties["sandbox"]["type"], "string");
        assert_eq!(
            properties["sandbox"]["enum"],
            json!(["read-only", "workspace-write"])
        );
        assert_eq!(properties["count"]["minimum"], 0);
        assert!(properties["count"].get("format").is_none());
    }

    #[test]
    fn problems_are_named() {
        let Value::Object(schema) = json!({
            "type": "object",
            "properties": {"x": {"type": ["string", "null"]}, "y": {"$ref": "#/$defs/Y"}}
        }) else {
            unreachable!()
        };
        let found = problems(&schema);
        assert!(found.iter().any(|p| p.contains("/x: type")), "{found:?}");
        assert!(
            found.iter().any(|p| p.contains("/x: no description")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("/y: has $ref")),
            "{found:?}"
        );
    }
}
