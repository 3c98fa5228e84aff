#!/usr/bin/env bash
# second-client.sh — server CPU per message and system calls per message with an independent client: the C storm
# client (scripts/storm-client.c: one thread, epoll, every connection talks the moment it is connected, closed loop,
# replies checked byte for byte) instead of echo-load. A check that the bench's ratios to the C server do not come
# from the bench's own generator.
#
#   scripts/second-client.sh [-n CONNECTIONS=50] [-d SECONDS=5] [-r PASSES=3] [SERVER...]
#
# A SERVER is c (the C epoll reference, reference/c/epoll-echo.c) or MODEL[:TRANSPORT] (async:sockets,
# kestrel:epoll; default: c async:epoll async:sockets kestrel:epoll eventloop), optionally @TREE for the build in another
# work tree (async:epoll@/tmp/before: a before/after comparison in one run). Servers are interleaved, rotated each
# pass. Server on core 0, client on core 1; each server is first warmed 3 s by the same client (JIT). Per run: msgs/s,
# server CPU µs per message (utime+stime from /proc/PID/stat over the client's run), system calls per message (perf's
# raw_syscalls:sys_enter over the run's middle, when perf works). Then per server the median over passes and the
# median of paired ratios to c's CPU per message. Bounded: every run lasts SECONDS; a server gets 30 s to start.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pinned-server.sh
conns=50 seconds=5 passes=3
while getopts n:d:r:h opt; do
  case $opt in
    n) conns=$OPTARG ;; d) seconds=$OPTARG ;; r) passes=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done
shift $(( OPTIND - 1 ))
servers=("$@")
(( ${#servers[@]} )) || servers=(c async:epoll async:sockets kestrel:epoll eventloop)
(( seconds >= 3 )) || { echo "second-client.sh: -d must be at least 3 (perf counts over the middle of the run)" >&2; exit 2; }
client=/tmp/storm-client
gcc -O2 -Wall -o "$client" scripts/storm-client.c -lm
perf_ok=0
perf stat -e raw_syscalls:sys_enter -- true > /dev/null 2>&1 && perf_ok=1
out=$(mktemp -d /tmp/second-client.XXXXXX)
pid=
trap '[[ -n $pid ]] && kill -KILL $pid 2>/dev/null; rm -rf "$out"' EXIT
port=17491 hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start() { start_pinned_server "$1" $port "$out/server.log"; pid=$server_pid; }

stop() { kill -TERM $pid; for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done; kill -KILL $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; pid=; }

echo "$conns connections, ${seconds} s per run, $passes pass(es), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %5s %10s %10s %10s %7s\n' server pass msgs/s 'µs/msg' 'calls/msg' errors
: > "$out/rows"
for (( p = 0; p < passes; p++ )); do
  n=${#servers[@]}
  for (( i = 0; i < n; i++ )); do
    s=${servers[(i + p) % n]}
    start "$s"
    taskset -c 1 "$client" -n "$conns" -d 3 $port > /dev/null
    before=$(cpu_ticks $pid)
    taskset -c 1 "$client" -n "$conns" -d "$seconds" $port > "$out/client.txt" &
    load=$!
    calls=nan
    if (( perf_ok )); then
      sleep 1
      perf stat -x, -e raw_syscalls:sys_enter -p $pid -- sleep $(( seconds - 2 )) 2> "$out/perf.csv" || true
      calls=$(awk -F, '$1 ~ /^[0-9]+$/ { print $1 }' "$out/perf.csv")
    fi
    wait $load
    after=$(cpu_ticks $pid)
    stop
    declare -A v=()
    for kv in $(sed -n 's/^RESULT //p' "$out/client.txt"); do v[${kv%%=*}]=${kv#*=}; done
    errors=$(( v[mismatch] + v[eof] + v[reset] + v[connect_failed] + v[starved] ))
    awk -v s="$s" -v p=$(( p + 1 )) -v r="${v[msgs_per_s]}" -v t=$(( after - before )) -v hz="$hz" -v d="$seconds" \
      -v c="$calls" -v e=$errors 'BEGIN { us = t / hz * 1e6 / (r * d); cm = c == "nan" ? "n/a" : sprintf("%.2f", c / (r * (d - 2)));
        printf "%-14s %5d %10.0f %10.2f %10s %7d\n", s, p, r, us, cm, e; print s, p, r, us > "/dev/stderr" }' 2>> "$out/rows"
  done
done
echo
echo "Median over passes; ratio = median of (CPU µs/msg ÷ c's in the same pass) when c ran."
printf '%-14s %10s %10s %12s\n' server msgs/s 'µs/msg' 'CPU ratio'
for s in "${servers[@]}"; do
  awk -v s="$s" '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    $1 == "c" { cref[$2] = $4 }
    $1 == s { n++; rate[n] = $3; us[n] = $4; pass[n] = $2 }
    END { for (i = 1; i <= n; i++) if (pass[i] in cref) ratio[++m] = us[i] / cref[pass[i]]
      printf "%-14s %10.0f %10.2f %12s\n", s, median(rate, n), median(us, n), m ? sprintf("x%.2f", median(ratio, m)) : "-" }' "$out/rows"
done
