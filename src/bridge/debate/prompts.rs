//! What a debate says to Codex: each round's prompt, the output schema of each kind of
//! answer, and reading the answers back.
//!
//! Why the prompts look like this: participants answer round 1 alone, so they cannot simply
//! agree with whoever spoke first; later rounds show the others' positions anonymised (a
//! letter, never a role or a model), with the caller's own position as one more anonymous
//! participant, so no view carries authority it did not earn in the argument. A participant's
//! role travels in its prompts, not in developer instructions: a thread forked from a seed
//! never sees developer instructions (Codex 0.169). The schemas are in the strict form
//! structured outputs take (every property required, no others).

use serde_json::{json, Value};

/// One participant's answer to a round, as its output schema asks for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub position: String,
    pub key_points: Vec<String>,
    pub risks: Vec<String>,
    pub confidence: Option<f64>,
    /// From round 2: whether the position changed (`None`: the answer did not say).
    pub changed: Option<bool>,
    /// From round 2: its responses to the others' points, as `to: stance: point`.
    pub responses: Vec<String>,
}

/// The synthesis's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Synthesis {
    pub agreements: Vec<(String, u32)>,
    pub disagreements: Vec<(String, Vec<(String, String)>)>,
    pub open_questions: Vec<String>,
    pub recommendation: String,
}

/// Who a participant is in the prompts.
pub struct Persona<'a> {
    pub label: &'a str,
    pub role: &'a str,
    pub stance: Option<&'a str>,
    pub instructions: Option<&'a str>,
}

/// A position shown to the others: its letter and its latest answer.
pub struct Shown<'a> {
    pub label: &'a str,
    pub answer: &'a Answer,
}

/// The round-1 prompt: the participant's role, the topic and context; no one else's view.
pub fn first_round(persona: &Persona, topic: &str, context: Option<&str>) -> String {
    let mut prompt = format!(
        "You are participant {} in a structured debate with other independent participants.\nYour role: {}.",
        persona.label, persona.role
    );
    if let Some(stance) = persona.stance {
        prompt.push_str(&format!(" Your stance: {stance}."));
    }
    if let Some(instructions) = persona.instructions {
        prompt.push_str(&format!("\n{instructions}"));
    }
    prompt.push_str(&format!("\n\nTopic: {topic}\n"));
    if let Some(context) = context {
        prompt.push_str(&format!("\nContext:\n{context}\n"));
    }
    prompt.push_str(
        "\nThis is round 1: think independently; you will see the others' views later. You may read files in the working directory, but change nothing.\nAnswer with your position (one or two sentences), your key points, the risks you see, and your confidence from 0 to 1.",
    );
    prompt
}

/// A later round's prompt: the others' previous positions, anonymised, to answer point by
/// point, and the updated position with whether it changed.
pub fn later_round(round: u32, topic: &str, others: &[Shown]) -> String {
    let mut prompt = format!(
        "Round {round} of the debate on: {topic}\n\nThe other participants' positions after round {}:\n",
        round - 1
    );
    for shown in others {
        prompt.push_str(&describe(shown));
    }
    prompt.push_str(
        "\nAnswer each participant's points: agree, disagree (with evidence), or refine. Then give your updated position, key points, risks and confidence, and say whether your position changed in this round (changed: true or false). Change it only for a reason you can name.",
    );
    prompt
}

/// The synthesis prompt: the final positions (by role: the synthesis did not take part).
pub fn synthesis(topic: &str, positions: &[(String, &Answer)], caller: Option<&str>) -> String {
    let mut prompt = format!(
        "You did not take part in this debate. Read the final positions and synthesise them.\n\nTopic: {topic}\n\nFinal positions:\n"
    );
    for (who, answer) in positions {
        prompt.push_str(&format!("\n{who}:\n{}", body(answer)));
    }
    if let Some(caller) = caller {
        prompt.push_str(&format!(
            "\nThe caller (who asked for the debate):\n{caller}\n"
        ));
    }
    prompt.push_str(
        "\nList the points most of them agree on (with how many support each), the points they disagree on (each side's view and strongest point), the questions left open, and your recommendation.",
    );
    prompt
}

fn describe(shown: &Shown) -> String {
    format!("\nParticipant {}:\n{}", shown.label, body(shown.answer))
}

fn body(answer: &Answer) -> String {
    let mut text = format!("Position: {}\n", answer.position);
    if !answer.key_points.is_empty() {
        text.push_str(&format!("Key points: {}\n", answer.key_points.join("; ")));
    }
    if !answer.risks.is_empty() {
        text.push_str(&format!("Risks: {}\n", answer.risks.join("; ")));
    }
    if let Some(confidence) = answer.confidence {
        text.push_str(&format!("Confidence: {confidence:.2}\n"));
    }
    text
}

/// The output schema of a round's answer (round 1 has no `responses` or `changed`).
pub fn answer_schema(first_round: bool) -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let mut properties = json!({
        "position": {"type": "string"},
        "key_points": strings,
        "risks": strings,
        "confidence": {"type": "number"},
    });
    let mut required = vec!["position", "key_points", "risks", "confidence"];
    if !first_round {
        properties["responses"] = json!({
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "to": {"type": "string"},
                    "stance": {"type": "string", "enum": ["agree", "disagree", "refine"]},
                    "point": {"type": "string"},
                },
                "required": ["to", "stance", "point"],
                "additionalProperties": false,
            },
        });
        properties["changed"] = json!({"type": "boolean"});
        required.extend(["responses", "changed"]);
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The output schema of the synthesis.
pub fn synthesis_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "agreements": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"point": {"type": "string"}, "support": {"type": "integer"}},
                    "required": ["point", "support"],
                    "additionalProperties": false,
                },
            },
            "disagreements": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "point": {"type": "string"},
                        "sides": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "view": {"type": "string"},
                                    "strongest_point": {"type": "string"},
                                },
                                "required": ["view", "strongest_point"],
                                "additionalProperties": false,
                            },
                        },
                    },
                    "required": ["point", "sides"],
                    "additionalProperties": false,
                },
            },
            "open_questions": {"type": "array", "items": {"type": "string"}},
            "recommendation": {"type": "string"},
        },
        "required": ["agreements", "disagreements", "open_questions", "recommendation"],
        "additionalProperties": false,
    })
}

/// A round's answer. A model that ignored the schema gives prose: that is its position,
/// and whether it changed is unknown.
pub fn read_answer(text: &str) -> Answer {
    let Some(value) = json_object(text) else {
        return Answer {
            position: text.trim().to_string(),
            ..Answer::default()
        };
    };
    Answer {
        position: string(&value["position"]).unwrap_or_else(|| text.trim().to_string()),
        key_points: strings(&value["key_points"]),
        risks: strings(&value["risks"]),
        confidence: value["confidence"].as_f64().map(|c| c.clamp(0.0, 1.0)),
        changed: value["changed"].as_bool(),
        responses: value["responses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|response| {
                let point = string(&response["point"])?;
                Some(format!(
                    "{}: {}: {point}",
                    string(&response["to"]).unwrap_or_default(),
                    string(&response["stance"]).unwrap_or_default()
                ))
            })
            .collect(),
    }
}

/// The synthesis's answer; prose becomes the recommendation.
pub fn read_synthesis(text: &str) -> Synthesis {
    let Some(value) = json_object(text) else {
        return Synthesis {
            recommendation: text.trim().to_string(),
            ..Synthesis::default()
        };
    };
    Synthesis {
        agreements: value["agreements"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some((
                    string(&a["point"])?,
                    a["support"]
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .unwrap_or(0),
                ))
            })
            .collect(),
        disagreements: value["disagreements"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let sides = d["sides"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|side| {
                        (
                            string(&side["view"]).unwrap_or_default(),
                            string(&side["strongest_point"]).unwrap_or_default(),
                        )
                    })
                    .collect();
                Some((string(&d["point"])?, sides))
            })
            .collect(),
        open_questions: strings(&value["open_questions"]),
        recommendation: string(&value["recommendation"]).unwrap_or_default(),
    }
}

fn json_object(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    let inner = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|inner| inner.strip_suffix("```"))
        .unwrap_or(trimmed);
    serde_json::from_str::<Value>(inner.trim())
        .ok()
        .filter(Value::is_object)
}

fn string(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_rounds_show_positions_by_letter_only() {
        let answer = Answer {
            position: "ship it".into(),
            key_points: vec!["fast".into()],
            ..Answer::default()
        };
        let prompt = later_round(
            2,
            "the plan",
            &[Shown {
                label: "B",
                answer: &answer,
            }],
        );
        assert!(
            prompt.contains("Participant B:\nPosition: ship it"),
            "{prompt}"
        );
        assert!(prompt.contains("changed"), "{prompt}");
    }

    #[test]
    fn answers_are_read_from_json_or_taken_as_prose() {
        let answer = read_answer(
            r#"{"position":"p","key_points":["k"],"risks":[],"confidence":1.5,"changed":false,"responses":[{"to":"B","stance":"agree","point":"x"}]}"#,
        );
        assert_eq!(answer.position, "p");
        assert_eq!(answer.confidence, Some(1.0), "clamped");
        assert_eq!(answer.changed, Some(false));
        assert_eq!(answer.responses, ["B: agree: x"]);
        let prose = read_answer("I think so.");
        assert_eq!(prose.position, "I think so.");
        assert_eq!(prose.changed, None);
        let synthesis = read_synthesis(
            r#"{"agreements":[{"point":"a","support":3}],"disagreements":[{"point":"d","sides":[{"view":"v","strongest_point":"s"}]}],"open_questions":["q"],"recommendation":"r"}"#,
        );
        assert_eq!(synthesis.agreements, [("a".to_string(), 3)]);
        assert_eq!(synthesis.recommendation, "r");
    }

    #[test]
    fn schemas_are_strict() {
        for schema in [
            answer_schema(true),
            answer_schema(false),
            synthesis_schema(),
        ] {
            let properties = schema["properties"].as_object().expect("properties");
            let required = schema["required"].as_array().expect("required");
            assert_eq!(properties.len(), required.len());
            assert_eq!(schema["additionalProperties"], false);
        }
    }
}
