#!/usr/bin/env bash
# `atlas token` as a user runs it, with a stand-in `fly`: each case in a
# scratch directory, never the machine's own ~/.fly, token store or `fly`.
# Waits on events with deadlines, never a fixed sleep.
# Usage: token_command_test.sh ATLAS CASE
set -euo pipefail
atlas=$1
case_name=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
export ATLAS_TOKENS_STORAGE_DIR="$d/store" FLY_CONFIG_DIR="$d/fly" ATLAS_FLY_CLI_PATH="$d/fly-bin" \
  ATLAS_FLY_ORG=acme
unset FLY_ACCESS_TOKEN FLY_API_TOKEN FLY_ORG

t1=fm2_lJPECAAAAAAAAMuExBBGqXz0b9ZmXhT2V3R1Yn5A
t2='fm2_lJPEThhFmV5QqT9N0Ywz+Hj/3eQ=='
env_token=fo1_ZW52aXJvbm1lbnR0b2tlbnZhbHVlMTIz
manual_token=5f0e3c6d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e

# A stand-in `fly` with BODY after a check of its arguments and a count of its runs.
stand_in_fly() {
  {
    echo '#!/bin/sh'
    echo "[ \"\$*\" = 'tokens create readonly --org acme' ] || { echo \"unexpected: \$*\" >&2; exit 9; }"
    echo "echo run >> '$d/runs'"
    cat
  } > "$d/fly-bin"
  chmod +x "$d/fly-bin"
}
runs() { if [ -f "$d/runs" ]; then wc -l < "$d/runs" | tr -d ' '; else echo 0; fi; }
# The first run prints $t1, every later one $t2.
counting_fly() {
  stand_in_fly <<EOF
if [ "\$(wc -l < '$d/runs')" -eq 1 ]; then echo '$t1'; else echo '$t2'; fi
EOF
}
fail() { echo "FAIL: $*"; for f in "$d"/err*; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }

case $case_name in
refresh)
  counting_fly
  first=$("$atlas" token get app-a 2>"$d/err1") || fail "get"
  [ "$first" = "$t1" ] || fail "get printed the wrong token"
  grep -qx 'source: cli' "$d/err1" || fail "get: source"
  second=$("$atlas" token refresh app-a 2>"$d/err2") || fail "refresh"
  [ "$second" = "$t2" ] || fail "refresh did not print a newly minted token"
  grep -qx 'source: cli' "$d/err2" || fail "refresh: source"
  [ "$(runs)" = 2 ] || fail "refresh ran fly $(runs) times in all, want 2"
  # The refreshed token replaced the durable copy: the next get answers it
  # from storage, without a run.
  third=$("$atlas" token get app-a 2>"$d/err3") || fail "get after refresh"
  [ "$third" = "$t2" ] || fail "get after refresh printed the old token"
  grep -qx 'source: storage' "$d/err3" || fail "get after refresh: source"
  [ "$(runs)" = 2 ] || fail "get after refresh ran fly"
  ;;
slow-fly)
  stand_in_fly <<EOF
echo \$\$ > '$d/pid'
sleep 60
echo '$t1'
EOF
  start=$(date +%s)
  rc=0
  ATLAS_TOKENS_CLI_TIMEOUT=300ms "$atlas" token get app-a >"$d/out" 2>"$d/err" || rc=$?
  elapsed=$(($(date +%s) - start))
  cat "$d/err"
  # The CLI link timed out and the chain went on to the manual token, which
  # is not set: no token available (3), not a hang nor a crash.
  [ "$rc" -eq 3 ] || fail "exit status $rc, want 3"
  [ ! -s "$d/out" ] || fail "something on stdout"
  grep -q 'cli: fly tokens create readonly took longer than' "$d/err" || fail "no timeout reason"
  [ "$elapsed" -lt 20 ] || fail "took ${elapsed}s with a 300ms CLI timeout"
  pid=$(cat "$d/pid")
  for _ in $(seq 100); do # up to 5 s for init to reap the killed stand-in
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  ! kill -0 "$pid" 2>/dev/null || fail "the stand-in fly $pid is still running"
  ;;
stderr-scan)
  # Everything atlas writes on stderr comes out here (stdout is dropped); the
  # test's FAIL_REGULAR_EXPRESSION refuses every token value.
  counting_fly
  FLY_ACCESS_TOKEN=$env_token "$atlas" token get app-a 2>&1 >/dev/null
  "$atlas" token get app-b 2>&1 >/dev/null
  "$atlas" token refresh app-b 2>&1 >/dev/null
  "$atlas" token invalidate app-b 2>&1 >/dev/null
  echo "$manual_token" | "$atlas" token set-manual app-c 2>&1 >/dev/null
  "$atlas" token get app-c 2>&1 >/dev/null
  rc=0; echo fm2_notlongenough | "$atlas" token set-manual app-c 2>&1 >/dev/null || rc=$?
  [ "$rc" -eq 2 ] || fail "a malformed manual token: exit status $rc, want 2"
  rc=0; FLY_ACCESS_TOKEN=fm2_notlongenough "$atlas" token get app-e 2>&1 >/dev/null || rc=$?
  [ "$rc" -eq 0 ] || fail "a malformed env token: exit status $rc, want 0 (the chain goes on)"
  # A fly that fails with a token in its error output.
  stand_in_fly <<EOF
echo 'Error: token $t1 rejected' >&2
exit 1
EOF
  rc=0; "$atlas" token get app-d 2>&1 >/dev/null || rc=$?
  [ "$rc" -eq 3 ] || fail "a failing fly: exit status $rc, want 3"
  echo "scan complete"
  ;;
*)
  echo "unknown case $case_name"
  exit 2
  ;;
esac
