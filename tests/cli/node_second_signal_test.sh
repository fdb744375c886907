#!/usr/bin/env bash
# A second SIGTERM ends `atlas node` at once while the first one's orderly
# stop still waits: here on a deploy whose fly ignores SIGINT, so the
# lease-safe ladder would wait out deploys.stop_grace (60 s) before SIGTERM.
# Waits on events with deadlines (polling), never a fixed sleep.
set -euo pipefail
atlas=$1
d=$(mktemp -d)
pid="" fly_pid=""
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; [ -n "$fly_pid" ] && kill -KILL "$fly_pid" 2>/dev/null; rm -rf "$d"' EXIT
export HOME=$d/home ATLAS_TOKENS_STORAGE_DIR=$d/store FLY_CONFIG_DIR=$d/fly
unset FLY_ACCESS_TOKEN FLY_API_TOKEN ATLAS_CONFIG
mkdir -p "$HOME"
fail() { echo "FAIL: $*" >&2; [ -f "$d/out" ] && cat "$d/out" "$d/err" >&2; exit 1; }
wait_for() { # wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds
  local what=$1 tries=$(( $2 * 20 )); shift 2
  for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.05; done
  fail "$what"
}

token=$("$atlas" node token create --label second-signal 2>/dev/null)
# TMPDIR: the scratch directory of --sim, which an exit at once leaves behind.
TMPDIR=$d ATLAS_FAKE_FLY_DEPLOY_IGNORE_SIGINT=1 ATLAS_FAKE_FLY_DEPLOY_STEP_MS=600000 ATLAS_DEPLOYS_STOP_GRACE=60s \
  "$atlas" node --sim --listen 127.0.0.1:0 >"$d/out" 2>"$d/err" &
pid=$!
wait_for "atlas node did not print its dashboard URL" 20 grep -q '^dashboard: ' "$d/out"
base=$(sed -n 's/^atlas node: serving \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$d/out")

curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"app":"demo-web"}' "$base/v1/deploys" >"$d/deploy" || fail "POST /v1/deploys"
grep -q '"ticket"' "$d/deploy" || fail "no ticket: $(cat "$d/deploy")"
find_fly() { fly_pid=$(pgrep -P "$pid" -f atlas-fake-fly || true); [ -n "$fly_pid" ]; }
wait_for "the deploy's fly did not start" 20 find_fly

kill -TERM "$pid"
wait_for "no 'stopping' line after the first SIGTERM" 10 grep -q 'a second signal exits at once' "$d/err"
kill -0 "$pid" 2>/dev/null || fail "atlas node stopped on the first signal without waiting for the deploy"
start=$(date +%s)
kill -TERM "$pid"
set +e; timeout 10 tail --pid="$pid" -f /dev/null; wait "$pid"; rc=$?; set -e
pid=""
[ "$rc" -eq 143 ] || fail "atlas node exited $rc after the second SIGTERM, not 143 (128 + SIGTERM)"
[ $(( $(date +%s) - start )) -le 5 ] || fail "the second signal did not end atlas node at once"
echo "second signal test passed"
