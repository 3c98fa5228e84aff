#!/usr/bin/env bash
# The reliability suite. One command, one line per case: case, model, pass/fail, figure.
#
#   scripts/faults.sh            quick subset: the xunit "Reliability" category (CI runs it; ~2 min)
#   scripts/faults.sh --full     quick subset + the heavy "ReliabilityFull" cases (ECHO_FULL=1): 10k connections,
#                                slow readers, slowloris at scale, log floods, fd exhaustion, graceful stop, 20 s soak
#   scripts/faults.sh --soak     only the soak, 10 minutes per model (ECHO_SOAK_SECONDS=600; not in CI)
#   scripts/faults.sh --model M  restrict the out-of-process matrix to one model (threads|pool|async|eventloop|kestrel)
#   scripts/faults.sh --markdown also print the result table as Markdown, for docs/reliability.md
#
# Every case is bounded by `timeout`; nothing here uses a fixed port (servers bind 127.0.0.1:0 and log the port).
set -euo pipefail
cd "$(dirname "$0")/.."

full=0
soak=0
markdown=0
model=""
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=1 ;;
    --soak) soak=1 ;;
    --markdown) markdown=1 ;;
    --model) model="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "faults: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

filter="Category=Reliability"
budget=600
if [ "$full" -eq 1 ]; then
  export ECHO_FULL=1
  filter="Category=Reliability|Category=ReliabilityFull"
  budget=1800
fi
if [ "$soak" -eq 1 ]; then
  export ECHO_FULL=1 ECHO_SOAK_SECONDS="${ECHO_SOAK_SECONDS:-600}"
  filter="FullyQualifiedName~Soak_at_a_fixed_rate"
  budget=$((ECHO_SOAK_SECONDS * 5 + 600))
fi
if [ -n "$model" ]; then
  case "$model" in
    threads) class=Threads ;; pool) class=Pool ;; async) class=Async ;; eventloop) class=EventLoop ;; kestrel) class=Kestrel ;;
    *) echo "faults: unknown model $model" >&2; exit 2 ;;
  esac
  filter="($filter)&FullyQualifiedName~.${class}"
fi

# 10,000 client sockets in the test process (the servers run in their own): raise the soft fd limit to the hard one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results="$(pwd)/artifacts/faults"
rm -rf "$results"
mkdir -p "$results"
status=0

echo "== dotnet test --filter \"$filter\" (fd limit $(ulimit -n))"
set +e
timeout "$budget" dotnet test tests/EchoServers.Tests.csproj -c Release \
  --filter "$filter" --logger "trx;LogFilePrefix=faults" --results-directory "$results" >"$results/dotnet-test.log" 2>&1
test_exit=$?
set -e
if ! ls "$results"/*.trx >/dev/null 2>&1; then
  tail -30 "$results/dotnet-test.log" >&2
  echo "faults: no test results (dotnet test exited $test_exit)" >&2
  exit 1
fi
python3 scripts/faults_table.py "$results" || status=1
if [ "$markdown" -eq 1 ]; then
  python3 scripts/faults_table.py "$results" --markdown >"$results/table.md" || true
  cat "$results/table.md"
  python3 scripts/faults_table.py "$results" --pivot >"$results/matrix.md" || true
  echo "matrix (case x model): $results/matrix.md"
fi
[ "$test_exit" -eq 0 ] || status=1

exit "$status"
