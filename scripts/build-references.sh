#!/usr/bin/env bash
# Builds the bench's reference servers (reference/) whose toolchain is on this machine, into artifacts/reference/:
#   c         reference/c/epoll-echo.c       gcc        -> artifacts/reference/c/epoll-echo
#   go        reference/go/main.go           go         -> artifacts/reference/go/go-echo
#   dotnetty  reference/dotnetty/            dotnet     -> artifacts/reference/dotnetty/dotnetty-echo.dll
# A missing toolchain is one line on stderr, not a failure; a failing build is. `echo-load bench --reference c`
# (or go, dotnetty) builds its own row the same way, so this script is only needed to build them ahead.
#
#   scripts/build-references.sh [c] [go] [dotnetty]     (default: all three)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/artifacts/reference"
names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(c go dotnetty)

for name in "${names[@]}"; do
  case "$name" in
    c)
      if ! command -v gcc >/dev/null; then echo "build-references: c skipped: gcc is not installed (apt-get install gcc)" >&2; continue; fi
      mkdir -p "$out/c"
      gcc -O2 -Wall -o "$out/c/epoll-echo" "$root/reference/c/epoll-echo.c" -lpthread
      echo "$out/c/epoll-echo" ;;
    go)
      if ! command -v go >/dev/null; then echo "build-references: go skipped: go is not installed (apt-get install golang-go)" >&2; continue; fi
      mkdir -p "$out/go"
      (cd "$root/reference/go" && GOFLAGS=-mod=mod go build -o "$out/go/go-echo" .)
      echo "$out/go/go-echo" ;;
    dotnetty)
      if ! command -v dotnet >/dev/null; then echo "build-references: dotnetty skipped: the .NET SDK is not installed" >&2; continue; fi
      dotnet build "$root/reference/dotnetty/DotNettyEcho.csproj" -c Release -o "$out/dotnetty" --nologo -v quiet >&2
      echo "$out/dotnetty/dotnetty-echo.dll" ;;
    *)
      echo "build-references: unknown reference '$name'; known: c, go, dotnetty" >&2
      exit 2 ;;
  esac
done
