#!/usr/bin/env bash
# `atlas sim`: prints where it listens and its token, serves the Machines API
# with the seeded apps, and exits 0 on SIGINT. Waits on events with deadlines.
set -euo pipefail
atlas=$1
d=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$d"' EXIT
"$atlas" sim --listen 127.0.0.1:0 --apps 2 --log-rate 1000 >"$d/out" 2>"$d/err" &
pid=$!
for _ in $(seq 200); do # up to 10 s for the two lines
  grep -q '^FLY_API_TOKEN=' "$d/out" && break
  sleep 0.05
done
url=$(sed -n 's/^FLY_FLAPS_BASE_URL=//p' "$d/out")
token=$(sed -n 's/^FLY_API_TOKEN=//p' "$d/out")
[ -n "$url" ] && [ -n "$token" ] || { echo "no URL or token within 10 s"; cat "$d/out" "$d/err"; exit 1; }
port=${url##*:}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v1/apps?org_slug=personal HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$token" >&3
answer=$(timeout 10 cat <&3)
exec 3<&-
echo "$answer" | grep -q '"total_apps":2' || { echo "unexpected answer: $answer"; exit 1; }
echo "$answer" | grep -q '"name":"app-1"'
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /api/v1/apps/app-1/logs HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$token" >&3
logs=$(timeout 10 cat <&3)
exec 3<&-
echo "$logs" | grep -q '"next_token"' || { echo "no logs page: $logs"; exit 1; }
kill -INT "$pid"
wait "$pid" # its exit status is this test's
trap 'rm -rf "$d"' EXIT
