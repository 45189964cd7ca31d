npx -y @modelcontextprotocol/inspector@0.15.0 --cli codex-bridge serve --allowed-root /home/me/src --method tools/list
npx -y @modelcontextprotocol/inspector@0.15.0 --cli codex-bridge serve --allowed-root /home/me/src --method tools/call \
  --tool-name codex_ask --tool-arg 'prompt=What does this repository do?' --tool-arg wait_seconds=30
npx -y @modelcontextprotocol/inspector@0.15.0 --cli codex-bridge serve --allowed-root /home/me/src --method tools/call \
  --tool-name codex_continue_thread --tool-arg thread_id=THREAD_ID --tool-arg 'prompt=How is it tested?'
