//! A fake Gemini API (`v1beta`) for Gemini CLI (`GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT`),
//! driven by a [`Script`].
//!
//! Routes, all `POST /v1beta/models/<model>:<method>`:
//! - `:streamGenerateContent?alt=sse` -> one `data:` event holding a `GenerateContentResponse`;
//! - `:generateContent` -> the same object as plain JSON;
//! - `:countTokens` -> `{"totalTokens": 100}`.
//!
//! Gemini CLI's helper calls ask for JSON (`generationConfig.responseMimeType:
//! "application/json"`); the first of each run is its model router (`:generateContent` with a
//! `complexity_score` schema), answered with a low score. A request whose
//! `functionDeclarations` include the bridge's tools (`mcp_<server>_codex_ask`, ...) is a turn
//! of the script: it gets the text of every `functionResponse` in `contents` (Gemini CLI shows
//! its model the result's text content, wrapped as
//! `{"output": "<untrusted_context>…</untrusted_context>"}`), and a [`Step::Call`] becomes a
//! `functionCall` part for `mcp_<server>_<tool>`. Anything else is answered `ok`. Every request
//! is recorded; [`FakeGemini::turns`] returns the script's.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::http::{read_request, serve, write_json, write_sse_head, Server};
use super::script::{Gate, Script, Step};

pub struct FakeGemini {
    server: Server,
    state: Arc<State>,
}

struct State {
    script: Script,
    gate: Gate,
    /// `(request target, is a script turn, body)`, in arrival order.
    requests: Mutex<Vec<(String, bool, Value)>>,
}

impl FakeGemini {
    pub async fn start(script: Script) -> FakeGemini {
        let state = Arc::new(State {
            script,
            gate: Gate::default(),
            requests: Mutex::new(Vec::new()),
        });
        let serving = state.clone();
        let server = serve(move |stream| serve_connection(stream, serving.clone())).await;
        FakeGemini { server, state }
    }

    /// For `GOOGLE_GEMINI_BASE_URL` (no version path).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The bodies of the script's turns (requests that offered the bridge's tools).
    pub fn turns(&self) -> Vec<Value> {
        let requests = self.state.requests.lock().expect("requests lock");
        requests
            .iter()
            .filter(|(_, turn, _)| *turn)
            .map(|(_, _, body)| body.clone())
            .collect()
    }

    /// The target (`/v1beta/models/<model>:<method>...`) of every request.
    pub fn targets(&self) -> Vec<String> {
        let requests = self.state.requests.lock().expect("requests lock");
        requests
            .iter()
            .map(|(target, _, _)| target.clone())
            .collect()
    }
}

/// The names of the functions a request declares.
pub fn declarations(body: &Value) -> Vec<String> {
    body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|tool| tool["functionDeclarations"].as_array())
        .flatten()
        .filter_map(|declaration| declaration["name"].as_str())
        .map(str::to_string)
        .collect()
}

/// Every part of `contents` with this key (`functionCall`, `functionResponse`), oldest first.
pub fn parts(body: &Value, key: &str) -> Vec<Value> {
    body["contents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|content| content["parts"].as_array())
        .flatten()
        .filter_map(|part| part.get(key))
        .cloned()
        .collect()
}

/// A `functionResponse`'s output as text.
pub fn response_text(response: &Value) -> String {
    match &response["response"]["output"] {
        Value::String(text) => text.clone(),
        _ => response["response"].to_string(),
    }
}

async fn serve_connection(mut stream: TcpStream, state: Arc<State>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let not_found = json!({"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}});
    let Some((model, method)) = request
        .path()
        .strip_prefix("/v1beta/models/")
        .and_then(|rest| rest.split_once(':'))
        .map(|(model, method)| (model.to_string(), method.to_string()))
        .filter(|_| request.method == "POST")
    else {
        let _ = write_json(&mut stream, "404 Not Found", &not_found).await;
        return;
    };
    let body = match request.json() {
        Ok(body) => body,
        Err(err) => {
            let error = json!({"error": {"code": 400, "message": format!("fake Gemini: {err}"),
                                         "status": "INVALID_ARGUMENT"}});
            let _ = write_json(&mut stream, "400 Bad Request", &error).await;
            return;
        }
    };
    let ask = declarations(&body)
        .into_iter()
        .find(|name| name.starts_with("mcp_") && name.ends_with("_codex_ask"));
    state.requests.lock().expect("requests lock").push((
        request.target.clone(),
        ask.is_some() && method != "countTokens",
        body.clone(),
    ));
    let parts = match (method.as_str(), ask) {
        ("countTokens", _) => {
            let _ = write_json(&mut stream, "200 OK", &json!({"totalTokens": 100})).await;
            return;
        }
        _ if body["generationConfig"]["responseMimeType"] == "application/json" => {
            vec![json!({"text": helper_answer(&body).to_string()})]
        }
        (_, None) => vec![json!({"text": "ok"})],
        (_, Some(ask)) => {
            let prefix = &ask[..ask.len() - "codex_ask".len()];
            let results: Vec<String> = parts_of_responses(&body);
            match state.gate.pass((state.script)(&results)).await {
                Step::Call { tool, args } => vec![json!({"functionCall": {
                    "name": format!("{prefix}{tool}"), "args": args}})],
                Step::Answer(text) => vec![json!({"text": text})],
                Step::AfterGate(_) => unreachable!("the gate unwraps it"),
            }
        }
    };
    let response = json!({
        "candidates": [{"content": {"role": "model", "parts": parts},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 10,
                          "totalTokenCount": 110},
        "modelVersion": model,
        "responseId": "fake-response",
    });
    if method == "streamGenerateContent" {
        if write_sse_head(&mut stream).await.is_ok() {
            let _ = stream
                .write_all(format!("data: {response}\n\n").as_bytes())
                .await;
            let _ = stream.shutdown().await;
        }
    } else {
        let _ = write_json(&mut stream, "200 OK", &response).await;
    }
}

fn parts_of_responses(body: &Value) -> Vec<String> {
    parts(body, "functionResponse")
        .iter()
        .map(response_text)
        .collect()
}

/// JSON that fits the schema of Gemini CLI's helper calls.
fn helper_answer(body: &Value) -> Value {
    let config = &body["generationConfig"];
    let schema = config
        .get("responseJsonSchema")
        .or_else(|| config.get("responseSchema"))
        .map(Value::to_string)
        .unwrap_or_default();
    if schema.contains("complexity_score") {
        // The model router: a low score keeps the default (flash) model.
        json!({"complexity_reasoning": "fake", "complexity_score": 10})
    } else if schema.contains("next_speaker") {
        json!({"reasoning": "fake", "next_speaker": "user"})
    } else {
        json!({})
    }
}
