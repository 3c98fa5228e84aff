#!/usr/bin/env bash
# c100k.sh — many concurrent connections held by one server group, each sending one 64-byte message every 5 s
# (open model), load from several echo-load processes merged exactly. The 100,000-connection target run:
#
#   scripts/c100k.sh [MODEL[:TRANSPORT]=eventloop] [CONNECTIONS=100000] [SERVER_PROCESSES=6] [LOAD_PROCESSES=6] [SECONDS=60]
#
# Server on core 0 (--processes SERVER_PROCESSES, each worker under the 20,000-descriptor limit), load on core 1.
# Prints the merged run report, the server group's RSS idle and at full load (summed over supervisor and workers,
# from /proc), RSS per connection, and the generator's RSS. Build Release first. Port 17100. Bounded: connect phase
# 10 s per connection (--connect-timeout), run SECONDS, drain 30 s; the script gives up after SECONDS + 300 s.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-eventloop} conns=${2:-100000} sprocs=${3:-6} lprocs=${4:-6} seconds=${5:-60}
port=17100
out=$(mktemp -d /tmp/c100k.XXXXXX)
rate=$(( conns / 5 ))
transport=()
[[ $model == *:* ]] && transport=(--transport "${model#*:}")
server_dll=${ECHO_SERVER_DLL:-src/Servers/bin/Release/net10.0/echo-server.dll}
load_dll=loadtests/bin/Release/net10.0/echo-load.dll
taskset -c 0 dotnet "$server_dll" --model "${model%%:*}" "${transport[@]}" --processes "$sprocs" --max-connections 19000 \
  --port $port --stats-interval 10s > "$out/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 150); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
sleep 2
kill -0 $server 2>/dev/null || { cat "$out/server.log"; exit 1; }

# RSS in KiB of a process and all its descendants.
group_rss() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do
    total=$(( total + $(awk '/^VmRSS/ {s = $2} END {print s + 0}' /proc/$pid/status 2>/dev/null || echo 0) ))
  done
  echo $total
}
idle=$(group_rss $server)

# Every connection up first (--start together), then one message per connection every 5 s; the first reply of a
# connection can wait up to one period, and a server still accepting its backlog adds to it: --first-reply-timeout 30s (reported, not hidden).
timeout $(( seconds + 300 )) taskset -c 1 dotnet "$load_dll" run --target 127.0.0.1:$port --processes "$lprocs" \
  -c "$conns" --rate "$rate" -d "${seconds}s" --warmup 10s --start together --first-reply-timeout 30s \
  --connect-timeout 10s --timeout 30s -s 64 --json "$out/run.json" --plain > "$out/load.log" 2>&1 &
load=$!

# Sample the server group's and the generator's RSS while the load runs; keep the largest.
peak=0 gen_peak=0
while kill -0 $load 2>/dev/null; do
  rss=$(group_rss $server); (( rss > peak )) && peak=$rss
  gen=0
  for pid in $(pgrep -f "echo-load.*127.0.0.1:$port" || true); do
    gen=$(( gen + $(awk '/^VmRSS/ {s = $2} END {print s + 0}' /proc/$pid/status 2>/dev/null || echo 0) ))
  done
  (( gen > gen_peak )) && gen_peak=$gen
  sleep 2
done
wait $load || true
cat "$out/load.log"
echo "server        $model, $sprocs processes: RSS idle $(( idle / 1024 )) MiB, peak $(( peak / 1024 )) MiB," \
  "$(awk -v p=$peak -v i=$idle -v c=$conns 'BEGIN { printf "%.2f", (p - i) / c }') KiB per connection"
echo "generator     $lprocs processes: peak RSS $(( gen_peak / 1024 )) MiB (parent and children)"
grep -E "stats:" "$out/server.log" | tail -2
echo "files         $out"
