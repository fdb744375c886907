#!/usr/bin/env bash
# `atlas logs` against `atlas sim`, as a user runs them: --no-tail prints what
# is there and exits 0; --json prints JSON lines; the tail prints lines of
# the region asked for as they come and exits 0 on Ctrl-C; a bad --since is 2; an unknown app is 1;
# the token shows in no output. Waits on events with deadlines.
set -euo pipefail
atlas=$1
d=$(mktemp -d)
trap 'kill "$sim" "$tail" 2>/dev/null || true; rm -rf "$d"' EXIT
tail=""
"$atlas" sim --listen 127.0.0.1:0 --apps 1 --log-rate 200 >"$d/sim" 2>/dev/null &
sim=$!
for _ in $(seq 200); do grep -q '^FLY_API_TOKEN=' "$d/sim" && break; sleep 0.05; done
url=$(sed -n 's/^FLY_API_BASE_URL=//p' "$d/sim")
token=$(sed -n 's/^FLY_API_TOKEN=//p' "$d/sim")
[ -n "$url" ] && [ -n "$token" ] || { echo "atlas sim did not start"; exit 1; }
export FLY_API_BASE_URL="$url" FLY_FLAPS_BASE_URL="$url" FLY_API_TOKEN="$token"
export ATLAS_TOKENS_STORAGE_DIR="$d/store" FLY_CONFIG_DIR="$d/fly" ATLAS_FLY_CLI_PATH="$d/no-fly"
unset FLY_ACCESS_TOKEN

# Let the generator make some lines first.
for _ in $(seq 200); do
  "$atlas" logs app-1 --no-tail >"$d/once" 2>"$d/once.err" || { cat "$d/once.err"; exit 1; }
  [ "$(wc -l <"$d/once")" -ge 5 ] && break
  sleep 0.05
done
grep -q ' app-1\[' "$d/once" || { echo "--no-tail printed no line"; cat "$d/once" "$d/once.err"; exit 1; }

"$atlas" logs app-1 --no-tail --json --since 1m >"$d/json" 2>"$d/json.err"
head -1 "$d/json" | grep -q '^{"timestamp":"20' || { echo "--json: no JSON line"; head -3 "$d/json"; exit 1; }

# A region the app has lines in (regions follow the made-up machines).
region=$(head -1 "$d/once" | awk '{print $3}')
"$atlas" logs app-1 --region "$region" >"$d/tail" 2>"$d/tail.err" &
tail=$!
for _ in $(seq 400); do [ "$(wc -l <"$d/tail")" -ge 20 ] && break; sleep 0.05; done
[ "$(wc -l <"$d/tail")" -ge 20 ] || { echo "the tail printed too little"; cat "$d/tail" "$d/tail.err"; exit 1; }
kill -INT "$tail"
wait "$tail" || { echo "the tail did not exit 0 on Ctrl-C"; cat "$d/tail.err"; exit 1; }
tail=""
# --region: every line is from it (flyctl's line: TIME APP[INSTANCE] REGION [LEVEL] MESSAGE).
if awk '{print $3}' "$d/tail" | grep -vqx "$region"; then echo "a line from another region than $region"; exit 1; fi

set +e
"$atlas" logs app-1 --since yesterday 2>"$d/bad"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q -- '--since "yesterday"' "$d/bad" || { echo "bad --since: exit $rc"; cat "$d/bad"; exit 1; }

set +e
timeout 20 "$atlas" logs no-such-app >/dev/null 2>"$d/missing"; rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "unknown app: exit $rc"; cat "$d/missing"; exit 1; }

if grep -qF "$token" "$d"/once* "$d"/json* "$d"/tail* "$d/bad" "$d/missing"; then
  echo "the token appears in atlas logs output"; exit 1
fi
kill -INT "$sim"
wait "$sim"
