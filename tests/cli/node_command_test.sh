#!/usr/bin/env bash
# `atlas init`, `atlas node token ...` and `atlas node --sim` as a user runs
# them: in a scratch home, never the machine's own token store or ~/.fly.
# Waits on events with deadlines (polling the output), never a fixed sleep
# in place of an event.
set -euo pipefail
atlas=$1
d=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$d"' EXIT
export HOME=$d/home ATLAS_TOKENS_STORAGE_DIR=$d/store FLY_CONFIG_DIR=$d/fly
unset FLY_ACCESS_TOKEN FLY_API_TOKEN ATLAS_CONFIG
mkdir -p "$HOME"
fail() { echo "FAIL: $*" >&2; [ -f "$d/out" ] && cat "$d/out" "$d/err" >&2; exit 1; }

# atlas init: a commented default file, the storage directory 0700, no overwrite.
"$atlas" init --dir "$d/conf" >/dev/null
grep -q '^# listen = "127.0.0.1:4600"' "$d/conf/atlas.toml" || fail "atlas.toml lacks the commented node.listen"
grep -q '^\[node\]' "$d/conf/atlas.toml" || fail "atlas.toml lacks [node]"
[ "$(stat -c %a "$d/store")" = 700 ] || fail "storage dir is not 0700"
"$atlas" config -c "$d/conf/atlas.toml" >/dev/null || fail "the written atlas.toml does not load"
set +e; "$atlas" init --dir "$d/conf" 2>/dev/null; rc=$?; set -e
[ "$rc" -eq 2 ] || fail "a second atlas init did not refuse (exit $rc)"
"$atlas" init --dir "$d/conf" --force >/dev/null || fail "atlas init --force"

# A bad value stops start-up naming it.
set +e; "$atlas" node --sim --logs-poll-interval 2x 2>"$d/bad"; rc=$?; set -e
[ "$rc" -eq 2 ] || fail "a bad flag value exited $rc, not 2"
grep -q -- '--logs-poll-interval: logs.poll_interval = "2x"' "$d/bad" || fail "the message does not name the flag: $(cat "$d/bad")"
set +e; ATLAS_NODE_LISTEN=nowhere "$atlas" node --sim 2>"$d/bad"; rc=$?; set -e
[ "$rc" -eq 2 ] && grep -q 'ATLAS_NODE_LISTEN: node.listen' "$d/bad" || fail "a bad ATLAS_NODE_LISTEN: exit $rc, $(cat "$d/bad")"

# Tokens: shown once, listed by id, revocable.
token=$("$atlas" node token create --label cli-test 2>"$d/created")
[ ${#token} -eq 43 ] || fail "the token is not 43 characters"
id=$(sed -n 's/^id: \(tok_[0-9a-f]*\).*/\1/p' "$d/created")
"$atlas" node token list | grep -q "^$id .* cli-test$" || fail "token list does not show $id"
grep -rq "$token" "$d/store" && fail "the token is stored in clear"
[ "$(stat -c %a "$d/store/node_tokens.json")" = 600 ] || fail "the token file is not 0600"

"$atlas" node --sim --listen 127.0.0.1:0 --sim-log-rate 50 >"$d/out" 2>"$d/err" &
pid=$!
for _ in $(seq 400); do # up to 20 s for the tree and the server
  grep -q '^dashboard: ' "$d/out" && break
  kill -0 "$pid" 2>/dev/null || fail "atlas node exited early"
  sleep 0.05
done
base=$(sed -n 's/^atlas node: serving \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$d/out")
[ -n "$base" ] || fail "no 'serving URL' line"
grep -q "^dashboard: $base/ui/login?exp=[0-9]*&sig=" "$d/out" || fail "no signed dashboard URL"

auth=(-H "Authorization: Bearer $token")
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] || fail "/healthz"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/apps")" = 401 ] || fail "/v1/apps without a token"
get() { curl -sf "${auth[@]}" "$base$1" || fail "GET $1"; }
get /readyz > "$d/ready"; grep -q '"ready"' "$d/ready" || fail "/readyz"
get /v1/apps > "$d/apps"; grep -q '"name":"demo-web"' "$d/apps" || fail "/v1/apps lacks demo-web"
# demo-api's first token comes through the CLI link; demo-web's was taken
# at start-up by the orchestrator's fly_machines provider, so the cache
# answers, and a refresh goes back to the CLI.
get /v1/apps/demo-api/token > "$d/token"; grep -q '"source":"cli"' "$d/token" || fail "demo-api token status: $(cat "$d/token")"
get /v1/apps/demo-web/token > "$d/token"; grep -q '"source":"cache"' "$d/token" || fail "demo-web token status: $(cat "$d/token")"
curl -sf -X POST "${auth[@]}" "$base/v1/apps/demo-web/token/refresh" > "$d/token" || fail "POST token/refresh"
grep -q '"source":"cli"' "$d/token" || fail "demo-web refresh: $(cat "$d/token")"
get /v1/tree > "$d/tree"; grep -q '"id":"atlas_sup"' "$d/tree" || fail "/v1/tree"
# Live logs: the first batch of the simulated app arrives as an SSE event.
(timeout 20 curl -sN "${auth[@]}" "$base/v1/apps/demo-web/logs/sse" || true) | grep -m1 -q '^event: logs' || fail "no logs event"
get /metrics > "$d/metrics"; grep -q '^atlas_http_requests_total{route="/v1/apps"' "$d/metrics" || fail "/metrics"
# Revoked: refused at once by the running node.
"$atlas" node token revoke "$id" 2>/dev/null
[ "$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$base/v1/apps")" = 401 ] || fail "a revoked token was accepted"
"$atlas" node dashboard-url --base-url "$base" | grep -q "^$base/ui/login?exp=" || fail "dashboard-url"

# SIGTERM: an orderly stop, exit 0, within the deadline.
start=$(date +%s)
kill -TERM "$pid"
set +e; timeout 30 tail --pid="$pid" -f /dev/null; wait "$pid"; rc=$?; set -e
pid=""
[ "$rc" -eq 0 ] || fail "atlas node exited $rc after SIGTERM"
[ $(( $(date +%s) - start )) -le 15 ] || fail "the stop took longer than 15 s"
grep -q 'atlas node: stopped' "$d/err" || fail "no 'stopped' line"
echo "node command test passed"
