#!/usr/bin/env bash
# Coverage-guided fuzzing of one parser of untrusted bytes with afl++ and SharpFuzz, from the committed corpus.
#
#   scripts/fuzz.sh TARGET SECONDS      e.g. scripts/fuzz.sh framer 60; scripts/fuzz.sh --list
#   scripts/fuzz.sh --all SECONDS       every target, SECONDS each (what CI runs)
#
# Targets (fuzz/EchoServers.Fuzz/Targets.cs): framer, run-json, hdr-log, bench-json, load-syntax, assert-syntax.
# The fuzz project is built apart from the solution, its copy of the parsers' assemblies is instrumented by
# SharpFuzz (a dotnet tool, installed into artifacts/fuzz/tools) and run under afl-fuzz. New paths found are left in
# artifacts/fuzz/out/TARGET/default/queue (copy the useful ones into fuzz/corpus/TARGET); a crash makes the script
# print the input and its stack trace and exit 1 — turn it into a regression test under tests/.
set -euo pipefail
cd "$(dirname "$0")/.."

work=artifacts/fuzz
targets=(framer run-json hdr-log bench-json load-syntax assert-syntax)
if [[ ${1:-} == --list ]]; then printf '%s\n' "${targets[@]}"; exit 0; fi
if [[ $# -ne 2 ]]; then echo "usage: scripts/fuzz.sh TARGET|--all SECONDS" >&2; exit 2; fi
[[ $2 =~ ^[0-9]+$ ]] || { echo "fuzz: SECONDS must be a whole number" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found (apt-get install afl++; scripts/setup.sh does)" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build fuzz/EchoServers.Fuzz/EchoServers.Fuzz.csproj -c Release -o "$work/build" --nologo -v quiet -warnaserror
if [[ ! -x $work/tools/sharpfuzz ]]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tools" >/dev/null
fi
# A fresh copy each time: SharpFuzz instruments in place and refuses an assembly it has instrumented already.
rm -rf "$work/run"
cp -r "$work/build" "$work/run"
for assembly in EchoServers.Protocol.dll echo-load.dll; do
  "$work/tools/sharpfuzz" "$work/run/$assembly" >/dev/null
done

fuzz_one() {
  local target=$1 seconds=$2 out="$work/out/$1"
  [[ -d fuzz/corpus/$target ]] || { echo "fuzz: no target $target (scripts/fuzz.sh --list)" >&2; return 2; }
  rm -rf "$out"
  mkdir -p "$work/out"
  echo "== fuzz $target for ${seconds}s (corpus fuzz/corpus/$target: $(ls "fuzz/corpus/$target" | wc -l) inputs)"
  # dotnet is not compiled with afl's instrumentation (SharpFuzz instruments the managed code and reports coverage
  # itself), hence SKIP_BIN_CHECK; no CPU binding (the machine is shared) and no UI (a log instead). The seeds are
  # calibrated (no AFL_NO_STARTUP_CALIBRATION): SharpFuzz's fork server fails on the first input without it.
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_QUIET=1 \
    timeout $((seconds + 120)) afl-fuzz -i "fuzz/corpus/$target" -o "$out" -V "$seconds" -t 10000 -m none \
      -- dotnet "$work/run/echo-fuzz.dll" "$target" >"$work/$target.log" 2>&1 || {
        tail -30 "$work/$target.log" >&2
        echo "fuzz: afl-fuzz failed for $target (log: $work/$target.log)" >&2
        return 1
      }
  local stats="$out/default/fuzzer_stats"
  printf '%s: %s executions, %s paths (%s new), %s crashes, %s hangs\n' "$target" \
    "$(sed -n 's/^execs_done *: //p' "$stats")" "$(sed -n 's/^corpus_count *: //p' "$stats")" \
    "$(sed -n 's/^corpus_found *: //p' "$stats")" "$(sed -n 's/^saved_crashes *: //p' "$stats")" \
    "$(sed -n 's/^saved_hangs *: //p' "$stats")"
  local crashes=("$out"/default/crashes/id:*)
  if [[ -e ${crashes[0]} ]]; then
    for crash in "${crashes[@]}"; do
      echo "--- crash $crash:"
      head -c 300 "$crash" | od -c | head -8
      dotnet "$work/build/echo-fuzz.dll" "$target" --replay "$crash" 2>&1 | head -15 || true
    done
    return 1
  fi
}

if [[ $1 == --all ]]; then
  failed=0
  for target in "${targets[@]}"; do fuzz_one "$target" "$2" || failed=1; done
  exit "$failed"
fi
fuzz_one "$1" "$2"
