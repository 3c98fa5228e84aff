#!/usr/bin/env bash
# Everything a fresh machine needs beyond the .NET SDK: run by .ci/run, safe to run again.
set -euo pipefail
need=()
command -v python3 >/dev/null || need+=(python3)
command -v gcc >/dev/null || need+=(gcc)
command -v taskset >/dev/null || need+=(util-linux)
command -v tmux >/dev/null || need+=(tmux)
command -v prlimit >/dev/null || need+=(util-linux)
command -v haproxy >/dev/null || need+=(haproxy)
# The metrics test scrapes a server and echo-load with a real Prometheus (Debian's package; not started as a service).
[ -x /usr/bin/prometheus ] || command -v prometheus >/dev/null || need+=(prometheus)
command -v afl-fuzz >/dev/null || need+=(afl++)   # scripts/fuzz.sh
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "setup: please install: ${need[*]}" >&2
    exit 1
  fi
fi
# Optional: the report screenshot test (tests/Reports) runs only where a headless chromium is; a machine without the
# package still passes setup.
if ! command -v chromium >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 || echo "setup: chromium not installed (optional: the report screenshot test will skip)" >&2
fi
# Optional: Go builds the bench's Go reference server (echo-load bench --reference go); without it that row is
# unavailable and nothing else changes, so a failed install is a line, not an error.
if ! command -v go >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null 2>&1 \
    || echo "setup: golang-go (optional) not installed: the bench's go reference row is unavailable" >&2
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
