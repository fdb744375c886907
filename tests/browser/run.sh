#!/usr/bin/env bash
# The dashboard's browser test (issue #10): `atlas node --sim` on 127.0.0.1,
# Debian's chromium headless driven by playwright-core (pinned in
# package.json / package-lock.json), screenshots under OUTPUT_DIR.
#
#   tests/browser/run.sh ATLAS_BINARY OUTPUT_DIR
#
# Installs what it needs when missing: Debian's `chromium` (apt-get, as root
# or through sudo) and playwright-core (`npm ci` into OUTPUT_DIR/npm, never
# into the source tree). Exit 0: passed; 1: failed; 77: could not set up.
set -euo pipefail

atlas=${1:?usage: run.sh ATLAS_BINARY OUTPUT_DIR}
out=${2:?usage: run.sh ATLAS_BINARY OUTPUT_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
deadline_s=${ATLAS_BROWSER_START_DEADLINE:-60}

say() { echo "run.sh: $*"; }
setup_failed() { echo "run.sh: $*" >&2; exit 77; }

[ -x "$atlas" ] || { echo "run.sh: no atlas binary at $atlas" >&2; exit 1; }
atlas=$(cd "$(dirname "$atlas")" && pwd)/$(basename "$atlas") # the node runs in a scratch directory
"$atlas" node --help >/dev/null 2>&1 || { echo "run.sh: $atlas has no 'node' command" >&2; exit 1; }

# --- chromium ---------------------------------------------------------------
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo -n); else
    setup_failed "$chromium is missing and I am neither root nor have sudo: apt-get install chromium"
  fi
  say "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q >/dev/null || setup_failed "apt-get update failed"
  "${sudo[@]}" apt-get install -y -q --no-install-recommends chromium >/dev/null \
    || setup_failed "apt-get install chromium failed"
  [ -x "$chromium" ] || setup_failed "chromium installed but $chromium is not there"
fi
say "$("$chromium" --version 2>/dev/null || echo chromium)"

# --- playwright-core --------------------------------------------------------
npm_dir=$out/npm
mkdir -p "$npm_dir"
cp "$here/package.json" "$here/package-lock.json" "$here/dashboard.mjs" "$npm_dir/"
lock_sum=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$npm_dir/node_modules/.atlas-lock" ] || [ "$(cat "$npm_dir/node_modules/.atlas-lock")" != "$lock_sum" ]; then
  command -v npm >/dev/null || setup_failed "npm is missing (Debian: apt-get install npm)"
  say "npm ci (playwright-core, as locked)"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error) || setup_failed "npm ci failed"
  echo "$lock_sum" > "$npm_dir/node_modules/.atlas-lock"
fi

# --- the node ---------------------------------------------------------------
work=$(mktemp -d)
node_pid=""
cleanup() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A scratch home: no token store, fly config or atlas.toml of the machine's own.
export HOME=$work/home ATLAS_TOKENS_STORAGE_DIR=$work/store FLY_CONFIG_DIR=$work/fly
unset FLY_ACCESS_TOKEN FLY_API_TOKEN
mkdir -p "$HOME"
cd "$work"
# Emptied here, not by the redirection below: a background job opens its
# files after the shell has moved on, and the wait could read the last run's URL.
: >"$out/node.log"
rm -f "$out"/dashboard*.png # no screenshot of an earlier run passes for this one's
"$atlas" node --sim --listen 127.0.0.1:0 >>"$out/node.log" 2>&1 &
node_pid=$!
say "atlas node --sim started (pid $node_pid), waiting for its dashboard URL"

url=""
end=$((SECONDS + deadline_s))
while [ $SECONDS -lt $end ]; do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/ui/login?[^[:space:]"]*' "$out/node.log" | head -n 1 || true)
  [ -n "$url" ] && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$out/node.log" >&2; echo "run.sh: atlas node exited before printing a URL" >&2; exit 1; }
  # Waiting for a line another process writes: inotify is not always there, so poll the file.
  sleep 0.2
done
[ -n "$url" ] || { cat "$out/node.log" >&2; echo "run.sh: no dashboard URL within ${deadline_s}s" >&2; exit 1; }
say "dashboard: ${url%%\?*}?…"

status=0
CHROMIUM=$chromium node "$npm_dir/dashboard.mjs" "$url" "$out" || status=$?

# --- stop ---------------------------------------------------------------------
kill -TERM "$node_pid"
node_status=0
wait "$node_pid" || node_status=$?
node_pid=""
if [ "$node_status" -ne 0 ]; then
  echo "run.sh: atlas node exited with status $node_status after SIGTERM" >&2
  tail -n 20 "$out/node.log" >&2
  status=1
fi
[ "$status" -eq 0 ] && say "passed (screenshots in $out)" || say "FAILED (node log: $out/node.log)"
exit "$status"
