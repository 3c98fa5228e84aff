#!/usr/bin/env bash
# syscalls-per-message.sh — how many system calls of each kind a server makes per echoed message, from perf's syscall
# tracepoints (cheap, unlike strace) counted for 3 s in the middle of an 8 s closed-model run.
#
#   scripts/syscalls-per-message.sh MODEL[:TRANSPORT]|c [CONNECTIONS=50] [PIPELINE=1] [ENV=VALUE...]
#
# MODEL:TRANSPORT (async:sockets, kestrel:epoll) adds --transport, as the bench's model spec does.
# MODEL runs src/Servers/bin/Release (build first; $ECHO_SERVER_DLL overrides); c runs the C epoll reference (reference/c/epoll-echo.c, built into artifacts/reference/c). Messages in
# the window = the generator's per-second counts for the seconds the window covers. Server on core 0, generator on core 1, port 17490.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pinned-server.sh
model=$1 conns=${2:-50} pipeline=${3:-1}
shift $(( $# < 3 ? $# : 3 ))
port=17490
out=$(mktemp -d /tmp/syscalls.XXXXXX)
start_pinned_server "$model" $port "$out/server.log" "$@"
server=$server_pid
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
# JIT warm-up, then the measured run.
taskset -c 1 dotnet loadtests/bin/Release/net10.0/echo-load.dll run --target 127.0.0.1:$port -c 50 -p 4 -s 64 -d 4s --warmup 0s --plain -q > /dev/null
taskset -c 1 dotnet loadtests/bin/Release/net10.0/echo-load.dll run --target 127.0.0.1:$port -c "$conns" -p "$pipeline" -s 64 -d 8s --warmup 1s --json "$out/run.json" --plain -q > /dev/null &
load=$!
sleep 4
events=raw_syscalls:sys_enter
for s in recvfrom sendto recvmsg sendmsg readv writev read write epoll_wait epoll_pwait epoll_ctl futex; do
  events+=",syscalls:sys_enter_$s"
done
perf stat -x, -e "$events" -p $server -- sleep 3 2> "$out/perf.csv"
wait $load
# The window covers about the generator's seconds 5-7 (process start ~0.3 s, connect, 1 s warm-up).
msgs=$(jq '[.perSecond[] | select(.second >= 5 and .second <= 7) | .messages] | add' "$out/run.json")
echo "$model ${conns}x${pipeline}: $(jq .messagesPerSecond "$out/run.json") msgs/s measured; per message ($msgs in the 3 s window):"
awk -F, -v m="$msgs" '$1 ~ /^[0-9]+$/ && $1 > 0 { n = $3; sub(/.*sys_enter_?/, "", n); if (n == "") n = "all syscalls"; printf "  %-14s %8.3f\n", n, $1 / m }' "$out/perf.csv"
