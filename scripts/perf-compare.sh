#!/usr/bin/env bash
# perf-compare.sh — the tuning instrument of docs/performance.md: each server model against the C epoll reference,
# in one run, interleaved, server pinned to core 0 and generator to core 1.
#
# For every pass and every cell it runs `echo-load run` against each server in rotating order, takes msgs/s from the
# JSON and the server's CPU time (utime+stime from /proc/PID/stat, sampled when the generator prints the start and
# the end of its measured window) → CPU µs per message. Per cell it prints the median of the paired ratios
# (rate ÷ C's rate in the same pass, min–max) and the median CPU µs/msg. Optionally RSS per idle connection.
#
#   scripts/perf-compare.sh [--models "eventloop async kestrel"] [--cells "50x1 50x16 1000x1 10000x1"]
#                           [--passes 4] [--duration 5s] [--idle 10000] [--no-build] [--out DIR]
#
# A model spec is MODEL or LABEL=MODEL[,ENV=VALUE...][,--server-arg=value...], e.g.
#   async-inline=async,DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
# so two variants of one model can be compared in the same run (dll=PATH runs another build of echo-server). Ports 17400-17499. Bounded: every run has a
# timeout and the servers are stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
MODELS="eventloop async kestrel"
CELLS="50x1 50x16 1000x1 10000x1"
PASSES=4
DURATION=5s
IDLE=0
BUILD=1
OUT="/tmp/perf-compare-$(date +%H%M%S)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) MODELS="$2"; shift 2 ;;
    --cells) CELLS="$2"; shift 2 ;;
    --passes) PASSES="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --idle) IDLE="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "perf-compare: unknown option $1" >&2; exit 2 ;;
  esac
done

if [[ $BUILD == 1 ]]; then
  dotnet build EchoServers.sln -c Release -v q -nologo 2>&1 | tail -2
fi
gcc -O2 -o /tmp/c-epoll-echo "$(cd "$(dirname "$0")/../.." && pwd)/shared/reference/c-epoll-echo.c" -lpthread
mkdir -p "$OUT"

export PC_MODELS="$MODELS" PC_CELLS="$CELLS" PC_PASSES="$PASSES" PC_DURATION="$DURATION" PC_IDLE="$IDLE" PC_OUT="$OUT"
exec python3 - <<'PY'
import json, os, signal, socket, statistics, subprocess, sys, time

SERVER = "src/Servers/bin/Release/net10.0/echo-server.dll"
LOAD = "loadtests/bin/Release/net10.0/echo-load.dll"
OUT = os.environ["PC_OUT"]
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
procs = []

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])   # utime + stime (fields 14, 15)

def rss_bytes(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE

def wait_port(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"perf-compare: server on {port} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"perf-compare: nothing listening on {port} after {timeout}s")

def start(label, spec, port):
    env = dict(os.environ)
    args = []
    model = spec[0]
    server = SERVER
    for item in spec[1:]:
        if item.startswith("dll="):
            server = item[4:]
        elif item.startswith("--"):
            args += item.split("=", 1)
        else:
            k, v = item.split("=", 1)
            env[k] = v
    if model == "c":
        cmd = ["taskset", "-c", "0", "/tmp/c-epoll-echo", str(port)]
    else:
        cmd = ["taskset", "-c", "0", "dotnet", server, "--model", model, "--port", str(port), "--stats-interval", "0"] + args
    log = open(f"{OUT}/{label}.log", "w")
    p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    wait_port(port, p)
    return p

def stop_all():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
    procs.clear()

def load(port, conns, pipeline, duration, warmup="1s", extra=(), pid=None, on_measure=None):
    """Runs echo-load; returns (json, cpu ticks of pid during the measured window, value of on_measure)."""
    out = f"{OUT}/run.json"
    if os.path.exists(out):
        os.remove(out)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOTNET_SYSTEM_NET") and not k.startswith("DOTNET_Tiered")}
    cmd = ["taskset", "-c", "1", "dotnet", LOAD, "run", "--target", f"127.0.0.1:{port}", "-c", str(conns), "-p", str(pipeline),
           "-s", "64", "-d", duration, "--warmup", warmup, "--json", out, "--plain"] + list(extra)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    t0 = t1 = None
    measured = None
    deadline = time.time() + 180
    for line in p.stdout:
        if line.startswith("== measure") and pid:
            t0 = cpu_ticks(pid)
            if on_measure:
                measured = on_measure()
        elif line.startswith("== drain") and pid:
            t1 = cpu_ticks(pid)
        if time.time() > deadline:
            p.kill()
            break
    p.wait(timeout=60)
    try:
        with open(out) as f:
            result = json.load(f)
    except (OSError, ValueError):
        print(f"  run against {port} produced no JSON (exit {p.returncode})", flush=True)
        return None, None, measured
    cpu = (t1 - t0) if t0 is not None and t1 is not None else None
    return result, cpu, measured

specs = []
for item in ["c"] + os.environ["PC_MODELS"].split():
    label, _, rest = item.partition("=")
    specs.append((label, (rest or label).split(",")))
cells = [tuple(int(x) for x in c.split("x")) for c in os.environ["PC_CELLS"].split()]
passes = int(os.environ["PC_PASSES"])
duration = os.environ["PC_DURATION"]
idle = int(os.environ["PC_IDLE"])

try:
    servers = {}
    for i, (label, spec) in enumerate(specs):
        port = 17400 + i
        servers[label] = (port, start(label, spec, port))
    print(f"servers: {', '.join(f'{l}@{p}' for l, (p, _) in servers.items())}; warming up (6s each)", flush=True)
    for label, (port, p) in servers.items():
        load(port, 50, 4, "5s")

    rows = []   # (pass, cell, label, msgs/s, cpu us/msg, valid)
    for k in range(passes):
        for conns, pipeline in cells:
            order = [specs[(j + k) % len(specs)][0] for j in range(len(specs))]
            for label in order:
                port, p = servers[label]
                result, ticks, _ = load(port, conns, pipeline, duration, pid=p.pid)
                if result is None:
                    continue
                rate = result["messagesPerSecond"]
                us = ticks * 1e6 / TICK / result["messages"] if ticks is not None and result["messages"] else float("nan")
                rows.append((k, (conns, pipeline), label, rate, us, result["valid"], result["errors"]["total"],
                             result["connections"]["served"]))
                print(f"pass {k + 1} {conns}x{pipeline:<3} {label:<16} {rate:>11,.0f} msgs/s  cpu {us:6.2f} us/msg"
                      f"  errors {result['errors']['total']}  served {result['connections']['served']}/{conns}"
                      f"{'' if result['valid'] else '  INVALID'}", flush=True)

    summary = []
    print("\ncell        model             ratio to C (min-max)     msgs/s median   cpu us/msg  cpu vs C")
    for cell in cells:
        crow = {r[0]: r for r in rows if r[1] == cell and r[2] == "c"}
        c_cpu = statistics.median([r[4] for r in crow.values()]) if crow else float("nan")
        for label, _ in specs:
            mine = [r for r in rows if r[1] == cell and r[2] == label]
            if not mine:
                continue
            ratios = [r[3] / crow[r[0]][3] for r in mine if r[0] in crow and crow[r[0]][3] > 0]
            med = statistics.median(ratios) if ratios else float("nan")
            cpu = statistics.median([r[4] for r in mine])
            rate = statistics.median([r[3] for r in mine])
            summary.append({"cell": f"{cell[0]}x{cell[1]}", "model": label, "ratio": med,
                            "ratioMin": min(ratios, default=None), "ratioMax": max(ratios, default=None),
                            "msgsPerSecond": rate, "cpuUsPerMessage": cpu, "cpuVsC": cpu / c_cpu if c_cpu else None,
                            "passes": len(mine)})
            print(f"{cell[0]:>5}x{cell[1]:<5} {label:<16} {med:5.2f} ({min(ratios, default=0):.2f}-{max(ratios, default=0):.2f})"
                  f"        {rate:>11,.0f}   {cpu:8.2f}    {cpu / c_cpu:5.2f}", flush=True)

    if idle:
        # Fresh servers: after the cells, pools and heaps hold what 10,000 busy connections needed.
        stop_all()
        print(f"\nRSS per idle connection ({idle:,} connections, one message a second in total; fresh servers, 3 s warm-up):")
        for i, (label, spec) in enumerate(specs):
            port = 17450 + i
            p = start(label + "-idle", spec, port)
            load(port, 50, 1, "3s", warmup="0s")
            before = rss_bytes(p.pid)
            def sample(pid=p.pid):
                time.sleep(2)
                return rss_bytes(pid)
            result, _, during = load(port, idle, 1, "4s", warmup="0s", extra=["--rate", "1"], pid=p.pid, on_measure=sample)
            served = result["connections"]["established"] if result else 0
            per = (during - before) / idle if during else float("nan")
            summary.append({"model": label, "idleConnections": served, "rssBefore": before, "rssIdle": during,
                            "bytesPerIdleConnection": per})
            print(f"  {label:<16} {before / 2**20:7.1f} MiB -> {during / 2**20:7.1f} MiB  = {per / 1024:6.2f} KiB/connection"
                  f"  ({served:,} established)", flush=True)
            stop_all()

    with open(f"{OUT}/summary.json", "w") as f:
        json.dump({"rows": rows, "summary": summary}, f, indent=1)
    print(f"\nraw rows and summary: {OUT}/summary.json")
finally:
    stop_all()
PY
