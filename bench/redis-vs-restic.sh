#!/usr/bin/env bash
# redis-vs-restic.sh - time `lifeboat backup redis` against `redis-cli --rdb` + `restic backup` for the same dataset.
#
#   usage: bench/redis-vs-restic.sh
#
#   env:  KEYS=2000000        keys loaded with DEBUG POPULATE (key:N -> value of VALUE_SIZE bytes)
#         VALUE_SIZE=64
#         REPEATS=3           timed runs of each tool, each into a fresh repository
#         WORK=/tmp/lbredisbench   server data, repositories and the RDB file (deleted at the end unless KEEP=1)
#         LIFEBOAT=$ROOT/lifeboat  the CLI (the worktree launcher builds it on first use, before timing)
#
# Each run of (a) is `lifeboat backup redis --url redis://127.0.0.1:PORT` into a new local repository; each run of
# (b) is `redis-cli --rdb FILE && restic backup FILE` into a new restic repository (init is not timed for either).
# The two alternate. Prints every time, the medians, and the ratio Lifeboat / (redis-cli + restic): below 1 means
# Lifeboat is faster. Exit 2 when a run fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEYS=${KEYS:-2000000}; VALUE_SIZE=${VALUE_SIZE:-64}; REPEATS=${REPEATS:-3}
WORK=${WORK:-/tmp/lbredisbench}; LIFEBOAT=${LIFEBOAT:-$ROOT/lifeboat}
export LIFEBOAT_PASSWORD=bench RESTIC_PASSWORD=bench DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export RESTIC_CACHE_DIR=$WORK/restic-cache
log() { echo "== $*" >&2; }
for tool in redis-server redis-cli restic python3; do
  command -v "$tool" >/dev/null || { echo "redis-vs-restic.sh: $tool is missing" >&2; exit 1; }
done

rm -rf "$WORK"; mkdir -p "$WORK/redis"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$WORK/redis" --save "" --appendonly no --daemonize no \
  --enable-debug-command local --logfile "$WORK/redis/redis.log" &
REDIS_PID=$!
cleanup() {
  redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || kill "$REDIS_PID" 2>/dev/null || true
  wait "$REDIS_PID" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

log "loading $KEYS keys (values of $VALUE_SIZE bytes) into redis-server on port $PORT"
redis-cli -p "$PORT" debug populate "$KEYS" key "$VALUE_SIZE" >/dev/null
redis-cli -p "$PORT" info keyspace | grep '^db' >&2
log "building the CLI if needed (not timed)"
"$LIFEBOAT" --help >/dev/null

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

run_lifeboat() {
  local repo=$WORK/lifeboat-repo
  rm -rf "$repo"
  "$LIFEBOAT" --repo "$repo" init -q >/dev/null
  local start; start=$(now)
  "$LIFEBOAT" --repo "$repo" backup redis --url "redis://127.0.0.1:$PORT" -q >&2 || { echo "lifeboat backup failed" >&2; exit 2; }
  elapsed "$start" "$(now)"
  du -sb "$repo" | cut -f1 >"$WORK/lifeboat.size"
}

run_restic() {
  local repo=$WORK/restic-repo
  rm -rf "$repo" "$RESTIC_CACHE_DIR" "$WORK/dump.rdb"
  restic --repo "$repo" init -q >/dev/null
  local start; start=$(now)
  { redis-cli -p "$PORT" --rdb "$WORK/dump.rdb" >/dev/null && restic --repo "$repo" backup -q "$WORK/dump.rdb" >/dev/null; } \
    || { echo "redis-cli + restic failed" >&2; exit 2; }
  elapsed "$start" "$(now)"
  du -sb "$repo" | cut -f1 >"$WORK/restic.size"
  stat -c %s "$WORK/dump.rdb" >"$WORK/rdb.size"
}

lifeboat_times=(); restic_times=()
for i in $(seq "$REPEATS"); do
  log "run $i of $REPEATS"
  if [ $((i % 2)) = 1 ]; then
    lifeboat_times+=("$(run_lifeboat)"); restic_times+=("$(run_restic)")
  else
    restic_times+=("$(run_restic)"); lifeboat_times+=("$(run_lifeboat)")
  fi
  echo "  run $i: lifeboat ${lifeboat_times[-1]} s, redis-cli+restic ${restic_times[-1]} s" >&2
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ml=$(median "${lifeboat_times[@]}"); mr=$(median "${restic_times[@]}")
echo
echo "Redis backup: $KEYS keys, RDB $(cat "$WORK/rdb.size") bytes, $REPEATS runs each, $(nproc) CPUs"
echo "  lifeboat backup redis         : ${lifeboat_times[*]} s  (median $ml s, repository $(cat "$WORK/lifeboat.size") bytes)"
echo "  redis-cli --rdb + restic backup: ${restic_times[*]} s  (median $mr s, repository $(cat "$WORK/restic.size") bytes)"
echo "  ratio Lifeboat / (redis-cli + restic), medians: $(python3 -c "print(f'{$ml / $mr:.2f}')")"
