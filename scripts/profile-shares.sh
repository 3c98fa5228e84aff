#!/usr/bin/env bash
# profile-shares.sh — where a server's CPU goes per message, by part: the kernel, libc's syscall wrappers, the
# program's own (JIT'd) code and the .NET runtime, from perf samples of the server (pinned to core 0) during a
# closed-model echo-load run from core 1. The shares say what the kernel and libc share of a model is next to C's:
# both make the same system calls per message (scripts/syscalls-per-message.sh), so with C's share c and a model's
# share m of that part, the model costs about c/m times C per message — a ratio a loaded machine disturbs far less
# than CPU time itself. Prints the top symbols of the managed code too.
#
#   scripts/profile-shares.sh MODEL[:TRANSPORT]|c [CONNECTIONS=50] [SERVER_DLL]
#
# MODEL runs src/Servers/bin/Release (build first), or SERVER_DLL (an older build, for before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pinned-server.sh
model=$1 conns=${2:-50} dll=${3:-src/Servers/bin/Release/net10.0/echo-server.dll}
port=$((20000 + RANDOM % 10000))
out=$(mktemp -d /tmp/profile-shares.XXXXXX)
# Perf map for JIT'd frames; W^X off, or JIT'd code runs from a mapping perf cannot match to the map.
ECHO_SERVER_DLL=$dll start_pinned_server "$model" $port "$out/server.log" DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
server=$server_pid
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
# Tiered JIT first (a profile taken while methods are still being compiled shows libclrjit, not the steady state).
taskset -c 1 dotnet loadtests/bin/Release/net10.0/echo-load.dll run --target 127.0.0.1:$port -c 50 -p 4 -s 64 -d 6s --warmup 0s --plain -q > /dev/null
taskset -c 1 dotnet loadtests/bin/Release/net10.0/echo-load.dll run --target 127.0.0.1:$port -c "$conns" -s 64 -d 10s --warmup 1s --plain -q > /dev/null &
load=$!
sleep 4
perf record -F 2000 -g -p $server -o "$out/perf.data" -- sleep 5 > /dev/null 2>&1
wait $load
echo "$model, $conns connections: share of the server's CPU samples"
perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep '%' | grep -v '^#' | grep -v -- '--' | head -6
if [[ $model != c ]]; then
  echo "top managed symbols:"
  perf report -i "$out/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep '%' | grep -v '^#' | grep -v '\[k\]' | head -${TOP:-12} | cut -c1-160
fi
rm -rf "$out"
