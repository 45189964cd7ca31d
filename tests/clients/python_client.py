"""Drives codex-bridge with the Python MCP SDK for tests/suite/clients/python.rs.

Usage: python python_client.py MODE SNIPPET

SNIPPET is docs/clients/python_sdk.py with its placeholders filled in; it defines the
`codex_bridge` server parameters, exactly as the README shows them. MODE:

- `session`: `ClientSession` with an explicit `initialize()` (the handshake), an elicitation
  callback and a progress callback: list the tools, `codex_ask`, `codex_continue_thread` by the
  thread id, then `codex_ask` under `approval_policy: "ask"`, which the callback accepts.
- `client`: the high-level `Client` in its default mode: list the tools, `codex_ask`,
  `codex_continue_thread` by the thread id.
- `client-approval`: the high-level `Client` in its default mode: `codex_ask` under
  `approval_policy: "ask"`, which the elicitation callback accepts.

Prompts come from the environment (PROMPT_1, PROMPT_2, APPROVAL_PROMPT). Prints one JSON report
on stdout: the negotiated protocol version, the tool names, every call with its result, the
elicitations and the progress notifications the client received. The Rust test asserts on it.
"""

import asyncio
import json
import os
import sys

import mcp_types as types
from mcp import Client, ClientSession
from mcp.client.stdio import stdio_client

MODE, SNIPPET = sys.argv[1], sys.argv[2]
snippet_globals = {}
exec(compile(open(SNIPPET).read(), SNIPPET, "exec"), snippet_globals)
SERVER = snippet_globals["codex_bridge"]

report = {"mode": MODE, "calls": [], "elicitations": [], "progress": []}


async def on_elicit(context, params):
    report["elicitations"].append(params.model_dump(mode="json", by_alias=True, exclude_none=True))
    return types.ElicitResult(action="accept", content={"decision": "accept"})


async def on_progress(progress, total, message):
    report["progress"].append({"progress": progress, "total": total, "message": message})


async def call(session, tool, arguments):
    result = await session.call_tool(tool, arguments, progress_callback=on_progress)
    report["calls"].append({
        "tool": tool,
        "arguments": arguments,
        "is_error": bool(result.is_error),
        "structured": result.structured_content,
        "text": "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text"),
    })
    return result.structured_content or {}


async def ask_and_continue(session):
    report["tools"] = sorted(tool.name for tool in (await session.list_tools()).tools)
    first = await call(session, "codex_ask", {"prompt": os.environ["PROMPT_1"], "wait_seconds": 30})
    await call(session, "codex_continue_thread", {
        "thread_id": first.get("thread_id", "no thread_id in the first result"),
        "prompt": os.environ["PROMPT_2"],
        "wait_seconds": 30,
    })


async def ask_approval(session):
    await call(session, "codex_ask", {
        "prompt": os.environ["APPROVAL_PROMPT"],
        "approval_policy": "ask",
        "wait_seconds": 30,
    })


async def main():
    if MODE == "session":
        async with stdio_client(SERVER) as (read, write):
            async with ClientSession(read, write, elicitation_callback=on_elicit) as session:
                initialized = await session.initialize()
                report["protocol_version"] = initialized.protocol_version
                await ask_and_continue(session)
                await ask_approval(session)
    else:
        async with Client(SERVER, elicitation_callback=on_elicit, read_timeout_seconds=60) as client:
            report["protocol_version"] = client.protocol_version
            if MODE == "client":
                await ask_and_continue(client)
            elif MODE == "client-approval":
                await ask_approval(client)
            else:
                sys.exit(f"unknown mode {MODE}")
    print(json.dumps(report))


asyncio.run(main())
