#!/usr/bin/env bash
# wal-push-rounds.sh - the push phase of postgres-vs-pgbackrest.sh repeated: pgBackRest's asynchronous archive-push and
# Lifeboat's archive script take turns on the same segments, ROUNDS times, and the means are printed. Single runs on a
# small shared machine vary by ±25%; alternating rounds cancel most of that.
#
#   usage: bench/wal-push-rounds.sh [ROUNDS]      (default 10)
#   needs: a finished bench/postgres-vs-pgbackrest.sh run in WORK (default /tmp/lbpgbench): its segments (segs/), its
#          pgBackRest configuration and stanza, its Lifeboat build and its cluster's pg_control. Run as root.
#
# Each round stages the segments into a fresh pg_wal folder (every one marked ready, as PostgreSQL leaves a backlog),
# empties the archive, and drives the tool as PostgreSQL's archiver does: archive_command once per segment in order,
# .ready renamed to .done on exit 0. Wall time is the loop's; CPU is the whole process tree's (a cpuacct cgroup, so a
# background process's CPU counts), read once every process of the round has ended.
set -euo pipefail
ROUNDS=${1:-10}; W=${WORK:-/tmp/lbpgbench}; LB=${LIFEBOAT:-$W/lifeboat-bin/Lifeboat.Cli}
[[ -d $W/segs && -f $W/pgbackrest-wal-async.conf && -x $LB ]] || { echo "run bench/postgres-vs-pgbackrest.sh first (WORK=$W)" >&2; exit 2; }
CG=/sys/fs/cgroup/cpuacct/lifeboat-wal-push-rounds
mkdir -p "$CG" || { echo "needs cgroup v1 cpuacct at /sys/fs/cgroup/cpuacct (run as root)" >&2; exit 2; }
as_pg() { runuser -u postgres -- "$@"; }
# shellcheck source=lib/archiver-loop.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/archiver-loop.sh"
stage() { stage_pg_wal "$W/rounds-$1" "$W/segs" $(ls "$W/segs"); }
# Prints "wall cpu" in seconds for one archiver loop.
measure() {
  local c0 t0 t1
  c0=$(cat "$CG/cpuacct.usage"); t0=$(date +%s.%N)
  (echo $BASHPID >"$CG/tasks"; as_pg bash -c "$(declare -f archiver); archiver $(printf '%q ' "$@")")
  t1=$(date +%s.%N)
  while [[ -n $(cat "$CG/tasks") ]]; do sleep 0.05; done
  printf '%.3f %.3f\n' "$(echo "$t1 - $t0" | bc)" "$(echo "($(cat "$CG/cpuacct.usage") - $c0) / 1000000000" | bc -l)"
}
# An empty Lifeboat repository with a random key file, copied fresh for each round.
rm -rf "$W/rounds-template" "$W/rounds-key"
as_pg env LIFEBOAT_PASSWORD_FILE="$W/secret-password" "$LB" --repo "$W/rounds-template" init >/dev/null
as_pg env LIFEBOAT_PASSWORD_FILE="$W/secret-password" "$LB" --repo "$W/rounds-template" key add --random-key-file "$W/rounds-key" >/dev/null
as_pg env LIFEBOAT_REPOSITORY="$W/rounds-template" LIFEBOAT_KEY_FILE="$W/rounds-key" "$LB" wal archive-script \
  | sed "s|$W/rounds-template|$W/rounds-repo|g" >"$W/rounds-script"
chmod 755 "$W/rounds-script"
printf '%-6s %-26s %-26s\n' round "pgBackRest async: wall cpu" "Lifeboat script: wall cpu"
sum() { awk '{w+=$1; c+=$2} END {printf "%.3f wall %.3f cpu", w/NR, c/NR}'; }
: >"$W/rounds-pgbra.times"; : >"$W/rounds-lb.times"
for i in $(seq "$ROUNDS"); do
  rm -rf "$W/pgbr-repo-wal-async/archive/bench/"*/0000* "$W/pgbr-spool/"*; stage pgbra
  mkdir -p "$W/rounds-pgbra/global"; cp "$W/data/global/pg_control" "$W/rounds-pgbra/global/"; chown -R postgres "$W/rounds-pgbra"
  sed "s|^pg1-path=.*|pg1-path=$W/rounds-pgbra|" "$W/pgbackrest-wal-async.conf" >"$W/rounds-pgbra.conf"; chown postgres "$W/rounds-pgbra.conf"
  sync; p=$(measure "$W/rounds-pgbra" pgbackrest --config="$W/rounds-pgbra.conf" --stanza=bench archive-push)
  rm -rf "$W/rounds-repo"; cp -a "$W/rounds-template" "$W/rounds-repo"; stage lb
  sync; l=$(measure "$W/rounds-lb" "$W/rounds-script")
  echo "$p" >>"$W/rounds-pgbra.times"; echo "$l" >>"$W/rounds-lb.times"
  printf '%-6s %-26s %-26s\n' "$i" "$p" "$l"
done
P=$(sum <"$W/rounds-pgbra.times"); L=$(sum <"$W/rounds-lb.times")
printf '\n%s segments, %s rounds, load %s\nmean pgBackRest async: %s\nmean Lifeboat script: %s\nLifeboat/pgBackRest wall: %s\n' \
  "$(ls "$W/segs" | wc -l)" "$ROUNDS" "$(cut -d' ' -f1 /proc/loadavg)" "$P" "$L" \
  "$(echo "scale=2; $(echo "$L" | cut -d' ' -f1) / $(echo "$P" | cut -d' ' -f1)" | bc)"
