//! MCP protocol version negotiation and the published tool list, over the binary's stdio.

use rmcp::model::ProtocolVersion;

use crate::common::bridge::{Bridge, BridgeOptions, Elicitation, Transport};

async fn bridge_speaking(version: ProtocolVersion) -> Bridge {
    let workspace = tempfile::tempdir().expect("workspace");
    Bridge::start(BridgeOptions {
        // No Codex is needed to negotiate: initialize and tools/list never wait for it.
        args: vec!["--codex-bin".into(), "/nonexistent/codex".into()],
        envs: vec![],
        version,
        current_dir: Some(workspace.path().to_path_buf()),
        elicitation: Elicitation::Unsupported,
        roots: None,
        transport: Transport::Stdio,
        agents: Vec::new(),
    })
    .await
}

#[tokio::test]
async fn negotiates_each_version_real_clients_speak() {
    for version in [ProtocolVersion::V_2025_06_18, ProtocolVersion::V_2025_11_25] {
        let bridge = bridge_speaking(version.clone()).await;
        let info = bridge.client.peer_info().expect("server info");
        assert_eq!(info.protocol_version, version, "negotiated version");
        let server = info.server_info.as_ref().expect("server identity");
        assert_eq!(server.name, "codex-bridge");
        bridge.stop().await;
    }
}

#[tokio::test]
async fn publishes_every_tool_with_input_and_output_schemas() {
    let bridge = bridge_speaking(ProtocolVersion::V_2025_06_18).await;
    let tools = bridge.client.list_all_tools().await.expect("tools/list");
    let mut names: Vec<_> = tools.iter().map(|tool| tool.name.to_string()).collect();
    names.sort();
    assert_eq!(names, crate::common::TOOLS);
    for tool in &tools {
        assert!(
            tool.output_schema.is_some(),
            "{} has an outputSchema",
            tool.name
        );
        assert!(
            tool.description.as_deref().is_some_and(|d| d.len() > 40),
            "{} has a description a model can use",
            tool.name
        );
    }
    let ask = tools
        .iter()
        .find(|tool| tool.name == "codex_ask")
        .expect("codex_ask");
    let required = ask.input_schema.get("required").expect("required list");
    assert_eq!(required, &serde_json::json!(["prompt"]));
    let properties = ask.input_schema.get("properties").expect("properties");
    for field in [
        "prompt",
        "cwd",
        "model",
        "effort",
        "sandbox",
        "approval_policy",
        "name",
        "ephemeral",
        "base_instructions",
        "developer_instructions",
        "output_schema",
        "wait_seconds",
    ] {
        assert!(properties.get(field).is_some(), "codex_ask takes {field}");
    }
    bridge.stop().await;
}

#[tokio::test]
async fn a_missing_codex_is_a_clear_tool_error_and_the_server_stays_up() {
    let bridge = bridge_speaking(ProtocolVersion::V_2025_11_25).await;
    let message = bridge
        .call_err("codex_ask", serde_json::json!({"prompt": "hi"}))
        .await;
    assert!(message.contains("@openai/codex"), "{message}");
    // Still serving.
    assert!(bridge.client.list_all_tools().await.is_ok());
    bridge.stop().await;
}
