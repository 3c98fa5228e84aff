# pinned-server.sh — sourced by the measuring scripts (second-client.sh, profile-shares.sh,
# syscalls-per-message.sh): starts one server on core 0 and waits until it accepts.
#
#   start_pinned_server SERVER PORT LOG [VAR=VALUE...]
#
# SERVER is c (the C epoll reference, reference/c/epoll-echo.c, built into artifacts/reference/c) or
# MODEL[:TRANSPORT][@TREE]: echo-server from $ECHO_SERVER_DLL, else src/Servers/bin/Release/net10.0/echo-server.dll
# of this tree, or of TREE (another work tree, for before/after runs). VAR=VALUE pairs go into the server's
# environment. Sets server_pid. Exits 1 with the server's log when it does not accept within 30 s.
start_pinned_server() {
  local spec=$1 port=$2 log=$3
  shift 3
  if [[ $spec == c ]]; then
    bash scripts/build-references.sh c > /dev/null
    taskset -c 0 artifacts/reference/c/epoll-echo "$port" > "$log" 2>&1 &
  else
    local model=${spec%%@*} dll=${ECHO_SERVER_DLL:-src/Servers/bin/Release/net10.0/echo-server.dll} transport=()
    [[ $spec == *@* ]] && dll=${spec#*@}/src/Servers/bin/Release/net10.0/echo-server.dll
    [[ -f $dll ]] || { echo "$0: $dll not found: dotnet build EchoServers.sln -c Release" >&2; exit 1; }
    [[ $model == *:* ]] && transport=(--transport "${model#*:}")
    env "$@" taskset -c 0 dotnet "$dll" --model "${model%%:*}" "${transport[@]}" --port "$port" --stats-interval 0 \
      --log-level warning > "$log" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 150); do (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null && return; sleep 0.2; done
  kill -KILL "$server_pid" 2>/dev/null || true
  echo "$0: server '$spec' did not start:" >&2
  cat "$log" >&2
  exit 1
}
