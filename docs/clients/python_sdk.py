import asyncio
import os

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

# The SDK starts the server with only HOME, LOGNAME, PATH, SHELL, TERM and USER from your
# environment: pass on what else Codex reads.
codex_bridge = StdioServerParameters(
    command="codex-bridge",
    args=["serve", "--allowed-root", "/home/me/src"],
    env={name: os.environ[name] for name in ("CODEX_HOME", "OPENAI_API_KEY") if name in os.environ},
)


async def main():
    async with stdio_client(codex_bridge) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("codex_ask", {"prompt": "What does this repository do?"})
            answer = result.structured_content  # thread_id, turn_id, status, text, ...
            print(answer["status"], answer["text"])


if __name__ == "__main__":
    asyncio.run(main())
