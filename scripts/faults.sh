#!/usr/bin/env bash
# The reliability suite (issue 8). One command, one line per case: case, model, pass/fail, figure.
#
#   scripts/faults.sh            quick subset: the xunit "Reliability" category (CI runs it; < 30 s)
#   scripts/faults.sh --full     quick subset + the long matrix below (scale, fd exhaustion, graceful stop, soak)
#   scripts/faults.sh --markdown also print the result table as Markdown, for docs/reliability.md
#
# Every case is bounded by `timeout`; nothing here uses a fixed port (servers bind 127.0.0.1:0 and log the port).
set -euo pipefail
cd "$(dirname "$0")/.."

full=0
markdown=0
for arg in "$@"; do
  case "$arg" in
    --full) full=1 ;;
    --markdown) markdown=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "faults: unknown option $arg" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results="$(pwd)/artifacts/faults"
rm -rf "$results"
mkdir -p "$results"
status=0

# One line per case, the same shape for the xunit cases and the script cases below.
case_line() { printf '%-90s %-10s %-5s %s\n' "$1" "$2" "$3" "$4"; }

echo "== quick: dotnet test --filter Category=Reliability"
set +e
timeout 600 dotnet test tests/EchoServers.Tests.csproj -c Release \
  --filter "Category=Reliability" --logger "trx;LogFilePrefix=faults" --results-directory "$results" >"$results/dotnet-test.log" 2>&1
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
fi
[ "$test_exit" -eq 0 ] || status=1

if [ "$full" -eq 1 ]; then
  echo "== full matrix"
  # Each case below is run per model and prints one case_line. They need the server models and echo-load,
  # which are wired in after the merge; until then each says "todo" and does not count as a failure.
  models=(threads pool async eventloop kestrel)

  # Scale: 10,000 concurrent connections, all served, zero errors; memory reported. The pool model refuses.
  scale() { case_line "scale_10k_connections" "$1" "todo" "ulimit -n 20000; echo-load --connections 10000 --assert errors==0"; }

  # Resource exhaustion: server under `ulimit -n 256`, hit by 1,000 connections: serves what it holds,
  # refuses the rest, recovers when they leave, no accept-loop spin (CPU sampled from /proc/<pid>/stat).
  fd_exhaustion() { case_line "fd_exhaustion_ulimit_256" "$1" "todo" "(ulimit -n 256; echo-server --model $1 --port 0)"; }

  # Graceful stop under load: SIGTERM with 1,000 active clients; every reply to a read request is sent, exit 0.
  graceful_stop() { case_line "graceful_stop_1000_clients" "$1" "todo" "kill -TERM during echo-load; check exit 0 and zero mismatches"; }

  # Soak: 10 minutes at a fixed rate; RSS and fd count sampled every 10 s must stay flat (script only, not CI).
  soak() { case_line "soak_10min_fixed_rate" "$1" "todo" "echo-load --rate R --duration 10m; sample /proc/<pid>/status VmRSS and ls /proc/<pid>/fd"; }

  # Slowloris at scale with --idle-timeout and the per-frame read deadline; floods with rate-limited logging
  # (count the server's log lines per cause per interval).
  slowloris_scale() { case_line "slowloris_1000_idle_timeout" "$1" "todo" "1,000 dribblers; all freed within 125 % of --idle-timeout"; }
  log_rate_limit() { case_line "flood_log_lines_per_cause" "$1" "todo" "10,000 connect+reset; server log lines per cause per interval <= 1"; }

  for model in "${models[@]}"; do
    scale "$model"
    fd_exhaustion "$model"
    graceful_stop "$model"
    slowloris_scale "$model"
    log_rate_limit "$model"
    soak "$model"
  done
fi

exit "$status"
