#!/usr/bin/env bash
# storm.sh — connect storms against server models, measured by an independent C client (scripts/storm-client.c):
# N connections opened as fast as possible, each talking (64 B, closed loop) as soon as it is connected.
#
#   scripts/storm.sh [-n CONNECTIONS=1000] [-d SECONDS=10] [-r REPEATS=1] [-q] [CASE...]
#
# A CASE is the server's arguments, e.g. "--model threads --spare-threads 0", optionally after NAME=value words for
# its environment (e.g. "DOTNET_GCgen0size=0x10000000 --model threads"); default: threads before and after the
# spare threads (--spare-threads 0, then the default), eventloop and async. Cases are interleaved (case 1, 2, …, then
# again for each repeat) so a machine whose load changes treats them alike. Server on core 0 (port 0, read back from
# its log), client on core 1. Prints one table row per run: served, starved (no reply within 5 s), first-reply
# p50/p99/max from connect() and how many first replies came later than 1 s, msgs/s, Jain's index over the whole run
# and its second half, and the server's gen0 collections (from its stats lines). Build Release first.
# -q: before each run wait (up to 120 s) for a quiet machine (both cores under 10 % busy for 2 s); the "busy" column
# is how busy the machine was, from other processes, in the second before the run. Bounded: each run lasts SECONDS,
# plus at most 15 s for the server to start, 10 s for it to stop (and 120 s of waiting with -q).
set -euo pipefail
cd "$(dirname "$0")/.."
conns=1000 seconds=10 repeats=1 quiet=0
# Options by hand: a CASE starts with "--" too, which getopts would take for options.
while (( $# )); do
  case $1 in
    -n) conns=$2; shift 2 ;;
    -d) seconds=$2; shift 2 ;;
    -r) repeats=$2; shift 2 ;;
    -q) quiet=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
cases=("$@")
(( ${#cases[@]} )) || cases=("--model threads --spare-threads 0" "--model threads" "--model eventloop" "--model async")

server=${ECHO_SERVER:-src/Servers/bin/Release/net10.0/echo-server}
[[ -x $server ]] || { echo "storm.sh: $server not found: dotnet build EchoServers.sln -c Release" >&2; exit 1; }
client=/tmp/storm-client
gcc -O2 -Wall -o "$client" scripts/storm-client.c -lm
out=$(mktemp -d /tmp/storm.XXXXXX)
pid=
trap '[[ -n $pid ]] && kill -TERM $pid 2>/dev/null; rm -rf "$out"' EXIT

# Percentage of the machine (all cores) busy over the next second, from /proc/stat.
busy() {
  local a b
  read -ra a < /proc/stat
  sleep 1
  read -ra b < /proc/stat
  awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN { split(a, x); split(b, y); for (i = 2; i <= 9; i++) t += y[i] - x[i];
    idle = y[5] - x[5] + y[6] - x[6]; printf "%d%%\n", t ? 100 * (t - idle) / t : 0 }'
}

wait_quiet() {
  local quiet_seconds=0
  for _ in $(seq 120); do
    (( ${1%\%} < 10 )) && quiet_seconds=$(( quiet_seconds + 1 )) || quiet_seconds=0
    (( quiet_seconds >= 2 )) && return
    set -- "$(busy)"
  done
}

ms() { awk -v u="$1" 'BEGIN { if (u < 0) print "none"; else if (u >= 1e6) printf "%.2f s\n", u / 1e6; else printf "%.0f ms\n", u / 1e3 }'; }

printf '%s connections, %s s per run, %s repeat(s), %s, load average %s\n\n' "$conns" "$seconds" "$repeats" \
  "$(date '+%Y-%m-%d %H:%M')" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-40s | %4s | %9s | %7s | %9s | %9s | %9s | %5s | %9s | %5s | %5s | %4s |\n' server busy served starved "first p50" \
  "first p99" "first max" "> 1 s" "msgs/s" jain late gen0
printf '|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|\n' "$(printf -- '-%.0s' {1..42})" ----- ---------- -------- \
  ---------- ---------- ---------- ------ ---------- ------ ------ -----
for (( r = 0; r < repeats; r++ )); do
  for c in "${cases[@]}"; do
    read -ra args <<< "$c"
    # Leading NAME=value words are the server's environment (e.g. DOTNET_GCgen0size=0x10000000 --model threads).
    envs=()
    while (( ${#args[@]} )) && [[ ${args[0]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do envs+=("${args[0]}"); args=("${args[@]:1}"); done
    load=$(busy)
    if (( quiet )); then
      wait_quiet "$load"
      load=$(busy)
    fi
    log=$out/server.log
    taskset -c 0 env "${envs[@]}" "$server" "${args[@]}" --port 0 --max-connections $(( conns + 100 )) > "$log" 2>&1 &
    pid=$!
    port=
    for _ in $(seq 150); do
      port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
      [[ -n $port ]] && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.1
    done
    if [[ -z $port ]]; then
      echo "storm.sh: server '$c' did not start:" >&2
      cat "$log" >&2
      exit 1
    fi
    result=$(taskset -c 1 "$client" -n "$conns" -d "$seconds" "$port" | sed -n 's/^RESULT //p')
    kill -TERM $pid
    for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    kill -KILL $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    pid=
    declare -A v=()
    for kv in $result; do v[${kv%%=*}]=${kv#*=}; done
    # The server's stats lines count gen0 collections per interval; the last one is logged at its stop.
    gen0=$(grep -o 'gen0 GCs [0-9]*' "$log" | awk '{ s += $3 } END { print s + 0 }')
    printf '| %-40s | %4s | %9s | %7s | %9s | %9s | %9s | %5s | %9s | %5s | %5s | %4s |\n' "$c" "$load" "${v[served]}/$conns" "${v[starved]}" \
      "$(ms "${v[first_p50_us]}")" "$(ms "${v[first_p99_us]}")" "$(ms "${v[first_max_us]}")" "${v[over_1s]}" "${v[msgs_per_s]}" \
      "${v[jain]}" "${v[jain_late]}" "$gen0"
    errors=$(( v[mismatch] + v[eof] + v[reset] + v[connect_failed] ))
    (( errors == 0 )) || echo "  errors: mismatch ${v[mismatch]}, eof ${v[eof]}, reset ${v[reset]}, connect failed ${v[connect_failed]}"
  done
done
