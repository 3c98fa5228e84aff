#!/usr/bin/env bash
# Packs the three `dotnet tool` packages, installs them into a temporary tool path (never the user's global one)
# and runs a round trip with the installed commands only: echo-server, echo-client in pipe mode, a 2-second
# echo-load run that must end with zero errors.
#
#   scripts/tools-roundtrip.sh [--no-build]     (--no-build: pack what the last Release build made)
set -euo pipefail
cd "$(dirname "$0")/.."

build_flag=()
if [[ ${1:-} == --no-build ]]; then build_flag=(--no-build); fi
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "pack -> $work/packages"
dotnet pack EchoServers.sln -c Release "${build_flag[@]}" -o "$work/packages" --nologo -v quiet
for id in EchoServers.ServerTool EchoServers.ClientTool EchoServers.LoadTool; do
  # --add-source first: the packed folder; the version is pinned so no other feed's package of that name is taken.
  version=$(ls "$work/packages" | sed -n "s/^$id\.\([0-9].*\)\.nupkg$/\1/p")
  dotnet tool install "$id" --version "$version" --tool-path "$work/tools" --add-source "$work/packages" >/dev/null
done
ls "$work/tools"
PATH="$work/tools:$PATH"
for cmd in echo-server echo-client echo-load; do
  [[ $(command -v "$cmd") == "$work/tools/$cmd" ]] || { echo "FAIL: $cmd is not the installed tool" >&2; exit 1; }
done

echo-server --model eventloop --framing line --port 0 --stats-interval 0 >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 300); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "FAIL: echo-server exited" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$work/server.log" >&2; echo "FAIL: echo-server did not listen within 30s" >&2; exit 1; }
echo "echo-server listening on port $port"

reply=$(printf 'hello\nworld\n' | timeout 30 echo-client --port "$port" --framing line)
[[ "$reply" == $'hello\nworld' ]] || { echo "FAIL: echo-client replied '$reply'" >&2; exit 1; }
echo "echo-client: $(echo "$reply" | tr '\n' ' ')"

timeout 60 echo-load run --target "127.0.0.1:$port" --framing line -c 4 -d 2s --warmup 0s --plain \
  --assert "errors==0" --assert "messages>0"
echo "tools round trip: ok"
