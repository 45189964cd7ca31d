import os

from mcp import StdioServerParameters

# The SDK starts the server with only HOME, LOGNAME, PATH, SHELL, TERM and USER from your
# environment: pass on what else Codex reads.
codex_bridge = StdioServerParameters(
    command="codex-bridge",
    args=["serve", "--allowed-root", "/home/me/src"],
    env={name: os.environ[name] for name in ("CODEX_HOME", "OPENAI_API_KEY") if name in os.environ},
)
