#!/usr/bin/env bash
# `atlas compute` as a user runs it: against `atlas sim` with the
# fly_machines provider — spawn (the name gets the prefix), list, stop,
# terminate, --json; then --track with a short idle TTL ends by itself;
# touch without --node says why; a bad field is exit 2; the token shows in
# no output. Waits on events with deadlines.
set -euo pipefail
atlas=$1
d=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; rm -rf "$d"' EXIT
"$atlas" sim --listen 127.0.0.1:0 --apps 1 >"$d/sim" 2>/dev/null &
sim=$!
for _ in $(seq 200); do grep -q '^FLY_API_TOKEN=' "$d/sim" && break; sleep 0.05; done
url=$(sed -n 's/^FLY_API_BASE_URL=//p' "$d/sim")
token=$(sed -n 's/^FLY_API_TOKEN=//p' "$d/sim")
[ -n "$url" ] && [ -n "$token" ] || { echo "atlas sim did not start"; exit 1; }
export FLY_API_BASE_URL="$url" FLY_FLAPS_BASE_URL="$url" FLY_API_TOKEN="$token"
export ATLAS_TOKENS_STORAGE_DIR="$d/store" FLY_CONFIG_DIR="$d/fly" ATLAS_FLY_CLI_PATH="$d/no-fly"
unset FLY_ACCESS_TOKEN

"$atlas" compute spawn -p fly_machines --image nginx:1 --name web --port 80/http --json >"$d/spawn" 2>"$d/spawn.err" \
  || { echo "spawn failed"; cat "$d/spawn.err"; exit 1; }
grep -q '"name":"atlas-web"' "$d/spawn" || { echo "no prefixed name"; cat "$d/spawn"; exit 1; }
grep -q '"status":"running"' "$d/spawn" || { echo "not running"; cat "$d/spawn"; exit 1; }
id=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' "$d/spawn")
[ -n "$id" ] || { echo "no id"; exit 1; }

"$atlas" compute list -p fly_machines --status running >"$d/list" 2>"$d/list.err"
grep -q "^$id	running	atlas-web" "$d/list" || { echo "list misses $id"; cat "$d/list" "$d/list.err"; exit 1; }
"$atlas" compute stop -p fly_machines "$id" 2>"$d/stop"
"$atlas" compute list -p fly_machines --status stopped | grep -q "^$id" || { echo "not stopped"; exit 1; }
"$atlas" compute terminate -p fly_machines "$id" 2>"$d/term"
if "$atlas" compute list -p fly_machines --status running | grep -q "^$id"; then echo "still running"; exit 1; fi

# --track: tracked while the command runs; idle ends it, the events on stderr.
timeout 60 "$atlas" compute spawn -p fly_machines --image nginx:1 --name burst --track --idle-ttl 1s \
  >"$d/track" 2>"$d/track.err" || { echo "--track failed"; cat "$d/track.err"; exit 1; }
grep -q '"event":"terminating","reason":"idle_timeout"' "$d/track.err" || { echo "no idle end"; cat "$d/track.err"; exit 1; }
grep -q '"status":"terminated"' "$d/track.err" || { echo "not terminated"; cat "$d/track.err"; exit 1; }

set +e
"$atlas" compute touch "$id" 2>"$d/touch"; rc=$?
"$atlas" compute spawn --image x --gpu h1000 2>"$d/bad"; rc2=$?
set -e
[ "$rc" -eq 2 ] && grep -q -- '--node' "$d/touch" || { echo "touch without --node: exit $rc"; cat "$d/touch"; exit 1; }
[ "$rc2" -eq 2 ] && grep -q 'gpu = "h1000"' "$d/bad" || { echo "bad gpu: exit $rc2"; cat "$d/bad"; exit 1; }

if grep -qF "$token" "$d"/spawn* "$d"/list* "$d"/stop "$d"/term "$d"/track* "$d"/touch "$d"/bad; then
  echo "the token appears in atlas compute output"; exit 1
fi
kill -INT "$sim"
wait "$sim"
echo "compute command test complete"
