#!/usr/bin/env bash
# processes-cpu.sh — what --processes buys for CPU-bound work: the bench's cpu-c50 load (--work cpu:50us, 50
# connections, 64 B, closed model) against each model with --processes 1 and 2, interleaved over PASSES passes.
# Nothing pinned: the server group may use both cores (that is the question), the generator shares them.
#
#   scripts/processes-cpu.sh [MODELS="eventloop async threads"] [PASSES=3] [SECONDS=8]
#
# Prints msgs/s and p99 per run, then the median per (model, processes). Build Release first. Port 17200.
set -euo pipefail
cd "$(dirname "$0")/.."
models=${1:-eventloop async threads} passes=${2:-3} seconds=${3:-8}
port=17200
out=$(mktemp -d /tmp/processes-cpu.XXXXXX)
for pass in $(seq "$passes"); do
  for model in $models; do
    for procs in 1 2; do
      dotnet src/Servers/bin/Release/net10.0/echo-server.dll --model "$model" --processes $procs --work cpu:50us \
        --port $port --stats-interval 0 > "$out/server.log" 2>&1 &
      server=$!
      for _ in $(seq 150); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
      sleep 1
      dotnet loadtests/bin/Release/net10.0/echo-load.dll run --target 127.0.0.1:$port -c 50 -s 64 -d "${seconds}s" \
        --warmup 2s --start together --json "$out/run.json" --plain -q > /dev/null || true
      kill -TERM $server; wait $server || true
      rate=$(jq .messagesPerSecond "$out/run.json") p99=$(jq .latencyUs.p99 "$out/run.json") errors=$(jq .errors.total "$out/run.json")
      echo "pass $pass $model --processes $procs: $rate msgs/s, p99 ${p99} us, errors $errors" | tee -a "$out/runs.txt"
    done
  done
done
echo "median msgs/s over $passes passes:"
for model in $models; do
  for procs in 1 2; do
    median=$(grep " $model --processes $procs:" "$out/runs.txt" | awk '{print $6}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "  $model --processes $procs: $median"
  done
done
