//! A code review's findings, as Codex's review sub-agent reports them.
//!
//! `review/start`'s own items carry the review only as rendered text (no confidence, no
//! verdict); the review sub-agent's final answer is the structured JSON its instructions ask
//! for (seen on Codex 0.169):
//! `{"findings":[{"title","body","confidence_score","priority","code_location":
//! {"absolute_file_path","line_range":{"start","end"}}}],"overall_correctness",
//! "overall_explanation","overall_confidence_score"}`. [`ReviewReport::parse`] reads that.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A code review's verdict and findings, as Codex reported them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReviewReport {
    /// Codex's verdict on the change: "patch is correct" or "patch is incorrect".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overall_correctness: Option<String>,
    /// Why, in a few sentences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overall_explanation: Option<String>,
    /// Codex's confidence in the verdict, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overall_confidence: Option<f64>,
    /// The problems found, most severe first as Codex listed them (empty: none found).
    pub findings: Vec<ReviewFinding>,
}

/// One problem a review found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReviewFinding {
    /// A one-line summary (Codex prefixes its priority, e.g. "[P1] ...").
    pub title: String,
    /// The explanation (Markdown).
    #[serde(default)]
    pub body: String,
    /// 0 (must fix: P0) to 3 (nit: P3), when Codex gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Codex's confidence in this finding, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// The file it is about (absolute path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// First line it is about (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_start: Option<u64>,
    /// Last line it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_end: Option<u64>,
}

impl ReviewReport {
    /// The report in a review sub-agent's answer, or `None` when the answer is not the
    /// review JSON (the model answered in prose: the rendered text is all there is).
    pub fn parse(answer: &str) -> Option<ReviewReport> {
        let value: Value = serde_json::from_str(strip_fences(answer)).ok()?;
        let object = value.as_object()?;
        if !object.contains_key("findings") && !object.contains_key("overall_correctness") {
            return None;
        }
        let findings = object
            .get("findings")
            .and_then(Value::as_array)
            .map(|findings| findings.iter().filter_map(finding).collect())
            .unwrap_or_default();
        Some(ReviewReport {
            overall_correctness: text(object.get("overall_correctness")),
            overall_explanation: text(object.get("overall_explanation")),
            overall_confidence: object
                .get("overall_confidence_score")
                .and_then(Value::as_f64),
            findings,
        })
    }

    /// The most severe priority among the findings (0 is the most severe).
    pub fn worst_priority(&self) -> Option<u8> {
        self.findings.iter().filter_map(|f| f.priority).min()
    }
}

fn finding(value: &Value) -> Option<ReviewFinding> {
    let title = text(value.get("title"))?;
    let location = value.get("code_location");
    let range = location.and_then(|l| l.get("line_range"));
    let priority = value
        .get("priority")
        .and_then(Value::as_u64)
        .and_then(|p| u8::try_from(p).ok())
        .or_else(|| priority_in_title(&title));
    Some(ReviewFinding {
        body: text(value.get("body")).unwrap_or_default(),
        priority,
        confidence: value.get("confidence_score").and_then(Value::as_f64),
        file: text(location.and_then(|l| l.get("absolute_file_path"))),
        line_start: range.and_then(|r| r.get("start")).and_then(Value::as_u64),
        line_end: range.and_then(|r| r.get("end")).and_then(Value::as_u64),
        title,
    })
}

/// Codex's instructions ask for titles like "[P1] Fix the off-by-one".
fn priority_in_title(title: &str) -> Option<u8> {
    let rest = title.trim_start().strip_prefix("[P")?;
    let digit = rest.chars().next()?.to_digit(10)?;
    (rest[1..].starts_with(']') && digit <= 3).then_some(digit as u8)
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|text| !text.is_empty())
}

/// Models sometimes wrap JSON in a Markdown fence despite being told not to.
fn strip_fences(answer: &str) -> &str {
    let trimmed = answer.trim();
    let Some(inner) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let inner = inner.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    inner.strip_suffix("```").unwrap_or(inner).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sub_agents_json_becomes_findings() {
        let answer = r#"{"findings":[{"title":"[P1] add() subtracts","body":"`add` returns a - b.","confidence_score":0.9,"priority":1,"code_location":{"absolute_file_path":"/w/f.py","line_range":{"start":2,"end":3}}},{"title":"[P3] Name","body":"nit","confidence_score":0.2,"code_location":{"absolute_file_path":"/w/g.py","line_range":{"start":1,"end":1}}}],"overall_correctness":"patch is incorrect","overall_explanation":"The change breaks add().","overall_confidence_score":0.8}"#;
        let report = ReviewReport::parse(answer).expect("a report");
        assert_eq!(
            report.overall_correctness.as_deref(),
            Some("patch is incorrect")
        );
        assert_eq!(report.overall_confidence, Some(0.8));
        assert_eq!(report.findings.len(), 2);
        let first = &report.findings[0];
        assert_eq!(first.priority, Some(1));
        assert_eq!(first.confidence, Some(0.9));
        assert_eq!(first.file.as_deref(), Some("/w/f.py"));
        assert_eq!((first.line_start, first.line_end), (Some(2), Some(3)));
        // No `priority` field: read from the title's prefix.
        assert_eq!(report.findings[1].priority, Some(3));
        assert_eq!(report.worst_priority(), Some(1));
        let fenced = format!("```json\n{answer}\n```");
        assert_eq!(ReviewReport::parse(&fenced), Some(report));
    }

    #[test]
    fn prose_is_not_a_report() {
        assert_eq!(ReviewReport::parse("Looks right to me."), None);
        assert_eq!(ReviewReport::parse(r#"{"answer": 1}"#), None);
        let empty = ReviewReport::parse(
            r#"{"findings":[],"overall_correctness":"patch is correct","overall_explanation":"Fine.","overall_confidence_score":0.7}"#,
        )
        .expect("a report");
        assert!(empty.findings.is_empty());
        assert_eq!(empty.worst_priority(), None);
    }
}
