#!/usr/bin/env bash
# line-cost.sh — server CPU for one long line sent in small pieces (line framing's worst case: a framer that rescans
# the whole partial line on every read is quadratic in it). For each model (and each transport of async and
# kestrel) it starts echo-server --framing line --max-frame 16MiB, warms it up with one short line, reads the
# server's utime+stime from /proc/PID/stat, sends one 15 MiB line in 4 KiB pieces,
# reads the whole echo back and checks its SHA-256, and reads the CPU time again; then a second line the same way.
# Prints one line per variant and fails (exit 1) when the first line costs more than the bound (default 0.5 s) or
# anything else is echoed. PAUSE_US=100 pauses after each piece, so the server reads them one by one instead of in
# coalesced batches (the most reads, the most resumed scans); SIZE_MIB changes the line's size (linear cost: 4 MiB
# should cost about a quarter of 15 MiB).
#
#   scripts/line-cost.sh [VARIANTS="threads pool async:sockets async:epoll eventloop kestrel:sockets kestrel:epoll"] [BOUND_SECONDS=0.5]
#
# Build Release first. Server and client are not pinned; CPU time (not wall time) is what is compared, which other
# load on the machine changes little. Port 0 (the server's 'listening on' line gives the port).
set -euo pipefail
cd "$(dirname "$0")/.."
variants=${1:-threads pool async:sockets async:epoll eventloop kestrel:sockets kestrel:epoll}
bound=${2:-0.5}
server_dll=src/Servers/bin/Release/net10.0/echo-server.dll
[[ -f $server_dll ]] || { echo "line-cost: build first (dotnet build EchoServers.sln -c Release)" >&2; exit 1; }
tick=$(getconf CLK_TCK)
out=$(mktemp -d /tmp/line-cost.XXXXXX)
trap 'rm -rf "$out"' EXIT

cpu_seconds() { # utime + stime of PID, in seconds (fields 14 and 15; comm may hold spaces, so count after ')')
  awk -v tick="$tick" '{ sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / tick }' "/proc/$1/stat"
}

client() { # PORT MODE: MODE warm = one short line; line = the 15 MiB line in 4 KiB pieces
  python3 - "$1" "$2" <<'PY'
import hashlib, os, socket, sys, time
port, mode, pause = int(sys.argv[1]), sys.argv[2], int(os.environ.get("PAUSE_US", "0")) / 1e6
s = socket.create_connection(("127.0.0.1", port), timeout=60)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
if mode == "warm":
    s.sendall(b"warm up\n")
    assert s.makefile("rb").readline() == b"warm up\n"
    sys.exit(0)
size = int(os.environ.get("SIZE_MIB", "15")) * 1024 * 1024
line = (bytes(range(97, 123)) * (size // 26 + 1))[:size] + b"\n"  # letters, no newline inside
received, digest = 0, hashlib.sha256()
for off in range(0, len(line), 4096):
    s.sendall(line[off:off + 4096])
    if pause: time.sleep(pause)  # one read per piece on the server, not a few large ones
    s.setblocking(False)
    try:  # the echo may start before the newline only if the server is wrong; drain what there is
        while True:
            chunk = s.recv(1 << 20)
            if not chunk: break
            received += len(chunk); digest.update(chunk)
    except BlockingIOError:
        pass
    s.setblocking(True)
s.settimeout(60)
while received < len(line):
    chunk = s.recv(1 << 20)
    if not chunk: break
    received += len(chunk); digest.update(chunk)
ok = received == len(line) and digest.digest() == hashlib.sha256(line).digest()
print("ok" if ok else f"BAD ECHO: {received} of {len(line)} bytes")
PY
}

failed=0
for variant in $variants; do
  model=${variant%%:*}
  args=(--model "$model" --framing line --max-frame 16MiB --port 0 --stats-interval 0)
  [[ $variant == *:* ]] && args+=(--transport "${variant#*:}")
  [[ $model == pool ]] && args+=(--workers 2)
  dotnet "$server_dll" "${args[@]}" > "$out/server.log" 2>&1 &
  server=$!
  port=
  for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/server.log" | head -1)
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || { echo "$variant: the server did not listen"; cat "$out/server.log"; kill $server; exit 1; }
  client "$port" warm
  # The first line pays for the JIT of the long-line paths and the first touch of large buffers; the second does not.
  costs=() results=()
  for _ in 1 2; do
    before=$(cpu_seconds $server)
    results+=("$(client "$port" line)")
    after=$(cpu_seconds $server)
    costs+=("$(echo "$after - $before" | bc)")
  done
  kill -TERM $server; wait $server || true
  verdict=pass
  if [[ ${results[*]} != "ok ok" ]] || (( $(echo "${costs[0]} > $bound" | bc) )); then verdict=FAIL; failed=1; fi
  printf '%-16s server CPU for a %s MiB line: first %6.3f s, second %6.3f s; echoes %s: %s\n' "$variant" "${SIZE_MIB:-15}" "${costs[0]}" "${costs[1]}" "${results[*]}" "$verdict"
done
exit $failed
