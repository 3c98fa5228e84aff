#!/usr/bin/env bash
# Drives echo-client's interactive mode the way a person would, in a real terminal (tmux): types two lines,
# edits one with the arrow keys, recalls the first with up-arrow history, leaves with /quit; then starts
# again and stops the server under the waiting prompt. Checks the screen after each step and prints it.
#
#   scripts/client-interactive.sh [transcript-file]
#
# The server is scripts/line-echo-server.py by default; point ECHO_SERVER_CMD at any server that binds the
# port it is given and logs "listening on 127.0.0.1:<port>", e.g. the real one:
#   ECHO_SERVER_CMD='dotnet run --project src/Servers -c Release -- --framing line --port' scripts/client-interactive.sh
# (the port is appended; 0 = any free port, read back from the log line).
set -euo pipefail

cd "$(dirname "$0")/.."
transcript=${1:-}
server_cmd=${ECHO_SERVER_CMD:-python3 scripts/line-echo-server.py}
work=$(mktemp -d)
tmux_socket="echo-client-test-$$"
server_pid=""

cleanup() {
  tmux -L "$tmux_socket" kill-server 2>/dev/null || true
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- screen ---" >&2
  screen >&2 || true
  exit 1
}

screen() { tmux -L "$tmux_socket" capture-pane -p -t client | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }

# Polls the screen (a person looks at it too); bounded, so a hang is a failure, not a stuck script.
wait_for() {
  local text=$1 count=${2:-1}
  for _ in $(seq 100); do
    if [[ $(screen | grep -cF -- "$text") -ge $count ]]; then return 0; fi
    sleep 0.1
  done
  fail "did not see '$text' (x$count) on the screen within 10s"
}

keys() { tmux -L "$tmux_socket" send-keys -t client "$@"; }

start_server() {
  $server_cmd 0 >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    port=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$work/server.log" | grep -oE '[0-9]+$' || true)
    if [[ -n "$port" ]]; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "FAIL: server exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "FAIL: server did not log 'listening on' within 30s" >&2
  exit 1
}

dotnet build src/Client -c Release -v q -nologo >/dev/null
client="dotnet src/Client/bin/Release/net10.0/echo-client.dll"

start_server
tmux -L "$tmux_socket" new-session -d -s client -c "$PWD" -x 100 -y 30 \
  "PS1='$ ' bash --norc --noprofile"
keys "$client --port $port; echo \"[exit \$?]\"" Enter
wait_for "connected to 127.0.0.1:$port (line framing)"

keys "hello" Enter
wait_for "hello  ("
# Typed with a typo, fixed with the arrow keys: "wrld" -> Left x3, "o", End, "!" -> "world!"
keys "wrld" Left Left Left "o" End "!" Enter
wait_for "world!  ("
# Up twice recalls "hello"; Enter sends it again.
keys Up Up Enter
wait_for "hello  (" 2
keys "/quit" Enter
wait_for "[exit 0]"

# Second session: the server goes away under the prompt.
keys "$client --port $port; echo \"[exit \$?]\"" Enter
wait_for "connected to 127.0.0.1:$port (line framing)" 2
keys "still there?" Enter
wait_for "still there?  ("
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
wait_for "server closed the connection"
wait_for "[exit 1]"

if [[ -n "$transcript" ]]; then screen >"$transcript"; fi
screen
echo "PASS: interactive mode (typing, editing, history, /quit, server closing)"
