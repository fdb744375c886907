#!/usr/bin/env bash
# `atlas node --sim` serves tracked compute (issue #12): the orchestrator is
# on by default there, with the mock and fly_machines (against the
# simulator) providers; a user's own choice wins. Scratch home only; waits
# on events with deadlines, never a fixed sleep in place of one.
set -euo pipefail
atlas=$1
d=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$d"' EXIT
export HOME=$d/home ATLAS_TOKENS_STORAGE_DIR=$d/store FLY_CONFIG_DIR=$d/fly
unset FLY_ACCESS_TOKEN FLY_API_TOKEN ATLAS_CONFIG ATLAS_ORCHESTRATOR_ENABLED
mkdir -p "$HOME"
fail() { echo "FAIL: $*" >&2; [ -f "$d/out" ] && cat "$d/out" "$d/err" >&2; exit 1; }

token=$("$atlas" node token create --label compute-test 2>/dev/null)
auth=(-H "Authorization: Bearer $token")

start_node() { # extra flags...
  "$atlas" node --sim --listen 127.0.0.1:0 --sim-log-rate 1 "$@" >"$d/out" 2>"$d/err" &
  pid=$!
  for _ in $(seq 600); do # up to 30 s for the tree and the server
    grep -q '^dashboard: ' "$d/out" && break
    kill -0 "$pid" 2>/dev/null || fail "atlas node exited early"
    sleep 0.05
  done
  base=$(sed -n 's/^atlas node: serving \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$d/out")
  [ -n "$base" ] || fail "no 'serving URL' line"
}
stop_node() {
  kill -TERM "$pid"
  set +e; timeout 60 tail --pid="$pid" -f /dev/null; wait "$pid"; rc=$?; set -e
  pid=""
  [ "$rc" -eq 0 ] || fail "atlas node exited $rc after SIGTERM"
}
code() { curl -s -o "$d/body" -w '%{http_code}' "${auth[@]}" "$@"; }

start_node
# Live events first, so the stream sees what the spawn below does.
(timeout 30 curl -sN "${auth[@]}" "$base/v1/compute/events" || true) >"$d/events" &
events=$!
for _ in $(seq 400); do grep -q '^event: ready' "$d/events" && break; sleep 0.05; done
grep -q '^event: ready' "$d/events" || fail "no ready event on /v1/compute/events"

[ "$(code -X POST -H 'Content-Type: application/json' \
      -d '{"provider":"mock","request":{"gpu":"none","name":"cli"},"user_id":"u"}' "$base/v1/compute")" = 201 ] \
  || fail "mock spawn: $(cat "$d/body")"
id=$(sed -n 's/^{"id":"\([^"]*\)".*/\1/p' "$d/body")
[ -n "$id" ] || fail "no id in $(cat "$d/body")"
[ "$(code "$base/v1/compute")" = 200 ] && grep -q "\"id\":\"$id\"" "$d/body" || fail "GET /v1/compute lacks $id"
[ "$(code -X POST "$base/v1/compute/$id/touch")" = 204 ] || fail "touch"
# atlas compute touch --node reaches the same route.
ATLAS_NODE_TOKEN=$token "$atlas" compute touch "$id" --node "$base" >/dev/null 2>&1 || fail "atlas compute touch --node"
[ "$(code -X POST "$base/v1/compute/$id/stop")" = 204 ] || fail "stop: $(cat "$d/body")"
[ "$(code "$base/v1/compute/$id")" = 200 ] && grep -q '"status":"stopped"' "$d/body" || fail "not stopped: $(cat "$d/body")"
[ "$(code -X POST "$base/v1/compute/$id/terminate")" = 204 ] || fail "terminate"
[ "$(code "$base/v1/compute/$id")" = 404 ] || fail "still tracked after terminate"
for _ in $(seq 400); do grep -q '"status":"terminated"' "$d/events" && break; sleep 0.05; done
grep -q "^data: {\"id\":\"$id\",\"event\":\"terminating\"" "$d/events" || fail "no terminating event: $(cat "$d/events")"
grep -q '"status":"terminated"' "$d/events" || fail "no terminated event"
kill "$events" 2>/dev/null || true

# fly_machines is live against the simulator: a machine is created and tracked.
[ "$(code -X POST -H 'Content-Type: application/json' \
      -d '{"provider":"fly_machines","request":{"gpu":"none","name":"flym","image":"nginx"}}' "$base/v1/compute")" = 201 ] \
  || fail "fly_machines spawn: $(cat "$d/body")"
grep -q '"provider":"fly_machines"' "$d/body" || fail "not a fly machine: $(cat "$d/body")"
fid=$(sed -n 's/^{"id":"\([^"]*\)".*/\1/p' "$d/body")
[ "$(code -X POST "$base/v1/compute/$fid/terminate")" = 204 ] || fail "fly_machines terminate: $(cat "$d/body")"
stop_node

# The user's choice wins: --orchestrator-enabled false keeps it off.
start_node --orchestrator-enabled false
[ "$(code "$base/v1/compute")" = 501 ] || fail "orchestrator on despite --orchestrator-enabled false"
stop_node
echo "node compute test passed"
