#!/usr/bin/env bash
# postgres-vs-pgbackrest.sh - Lifeboat vs pgBackRest on a pgbench database, side by side in one run.
#
#   usage: bench/postgres-vs-pgbackrest.sh [--no-build]
#
#   env:  SCALE=100 (pgbench scale; 100 is about 1.5 GB)   SEGMENTS=20 (WAL segments pushed by each tool)
#         CHUNK_KIB=64 (the Lifeboat repository's average chunk size: small chunks dedup 8 KiB page changes better)
#         WORK=/tmp/lbpgbench   PORT=55432   LIFEBOAT=/path/to/Lifeboat.Cli (skip the build)
#         PGBIN=/usr/lib/postgresql/15/bin   METHOD=auto (Lifeboat's base backup method: local reads the data directory
#         like pgBackRest, stream pipes pg_basebackup; auto is local here, as both tools run on the database host)
#
# What is measured (every tool runs as user postgres, both repositories on the same disk, both encrypted):
#   full1    first full physical backup     (pgBackRest: backup --type=full, process-max=2, zst level 3, aes-256-cbc;
#                                            Lifeboat: backup postgres --physical --method $METHOD, zstd level 3, AES-256-GCM)
#   full2    second full backup after a few pgbench transactions, and the bytes each repository grew by
#   size     du of each repository's backup data after the second full backup (WAL archive counted apart)
#   restore  building a data directory from the newest backup (pgBackRest: restore, process-max=2;
#            Lifeboat: restore postgres latest --physical: every file verified, or for a stream backup the tar
#            extracted and checked by pg_verifybackup); neither starts it
#   push     the same SEGMENTS real 16 MiB segments pushed one process per segment into fresh archives, as
#            PostgreSQL's archiver does: each segment lies in a pg_wal folder with archive_status/<name>.ready, the
#            archive_command runs once per segment in order and its .ready becomes .done on exit 0
#            (pgBackRest archive-push, synchronous, and again with archive-async=y, where its process-max=2 applies;
#            Lifeboat through the archive_command script 'wal archive-script' writes, with a random key file: the
#            script starts one background process that archives its segment and up to 32 ready ones after it, two at
#            a time, and proves each later push by its marker without starting Lifeboat; "no script" runs wal push
#            directly for every segment (which starts the background process itself), "no batch" is wal push
#            --batch 0, one process doing each whole push)
#
#   ONLY=push runs only the cluster (SCALE defaults to 30 then) and the push phase.
# While the backups run, archive_command feeds both archives (pgBackRest first, then Lifeboat); each timed backup
# starts once the archiver has caught up. Ratios are Lifeboat / pgBackRest: below 1 means faster or smaller.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ONLY=${ONLY:-}; [[ $ONLY == push ]] && SCALE=${SCALE:-30}
SCALE=${SCALE:-100}; SEGMENTS=${SEGMENTS:-20}; METHOD=${METHOD:-auto}; CHUNK_KIB=${CHUNK_KIB:-64}; WORK=${WORK:-/tmp/lbpgbench}; PORT=${PORT:-55432}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# shellcheck source=lib/lifeboat-build.sh
source "$ROOT/bench/lib/lifeboat-build.sh"
bench_options "$@"
command -v pgbackrest >/dev/null || { echo "pgbackrest is not installed: apt-get install -y pgbackrest" >&2; exit 2; }

lifeboat_build

cleanup() {
  for d in "$WORK/data" "$WORK/restore-pgbr" "$WORK/restore-lb"; do
    [[ -f $d/postmaster.pid ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
cleanup
rm -rf "$WORK/data" "$WORK/restore-pgbr" "$WORK/restore-lb" "$WORK/pgbr-repo" "$WORK/pgbr-repo-wal" "$WORK/pgbr-repo-wal-async" "$WORK/pgbr-spool" "$WORK/lb-repo" "$WORK/lb-repo-wal" \
       "$WORK/pgbr-log" "$WORK/pgbr-lock" "$WORK/segs" "$WORK"/*.conf "$WORK"/*.sh "$WORK/secret"*
mkdir -p "$WORK/pgbr-log" "$WORK/pgbr-lock" "$WORK/segs"
chmod 755 "$WORK"
as_pg() { runuser -u postgres -- env "PATH=$PGBIN:$PATH" "$@"; }
# Every timed step starts with nothing dirty in the page cache: otherwise a tool that syncs (Lifeboat ends each
# restore with syncfs) pays for writing back what the tool timed before it left unwritten.
secs() { sync; local start=$(date +%s.%N); "$@" >"$WORK/last.out" 2>&1 || { cat "$WORK/last.out" >&2; return 1; }; echo "$(date +%s.%N) - $start" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

# ---------------- the cluster ----------------
log "initdb and pgbench -i -s $SCALE"
chown postgres "$WORK"
as_pg "$PGBIN/initdb" -D "$WORK/data" -A trust -E UTF8 --locale C.UTF-8 --data-checksums >/dev/null
cat >>"$WORK/data/postgresql.conf" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
fsync = off
wal_level = replica
max_wal_senders = 4
max_wal_size = 4GB
shared_buffers = 256MB
archive_mode = on
archive_command = '$WORK/archive-pgbackrest-lifeboat.sh %p'
EOF

# ---------------- pgBackRest: local repo, 2 processes, zst, encrypted ----------------
cat >"$WORK/pgbackrest.conf" <<EOF
[global]
repo1-path=$WORK/pgbr-repo
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=bench-cipher-pass
process-max=2
compress-type=zst
compress-level=3
start-fast=y
repo1-retention-full=10
log-level-console=warn
log-level-file=off
lock-path=$WORK/pgbr-lock
log-path=$WORK/pgbr-log
archive-check=y

[bench]
pg1-path=$WORK/data
pg1-port=$PORT
pg1-socket-path=$WORK
EOF
sed -e "s|$WORK/pgbr-repo|$WORK/pgbr-repo-wal|" "$WORK/pgbackrest.conf" >"$WORK/pgbackrest-wal.conf"
# Asynchronous archive-push (process-max=2 applies to archive-push only in this mode): its pg1-path must hold the
# pg_wal it pushes from, so it points at the push folder, which gets a copy of pg_control.
sed -e "s|$WORK/pgbr-repo|$WORK/pgbr-repo-wal-async|" -e "s|^pg1-path=.*|pg1-path=$WORK/push-pgbra|" \
    -e "s|^archive-check=y|archive-check=y\narchive-async=y\nspool-path=$WORK/pgbr-spool|" "$WORK/pgbackrest.conf" >"$WORK/pgbackrest-wal-async.conf"
PGBR=(pgbackrest --config="$WORK/pgbackrest.conf" --stanza=bench)
PGBR_WAL=(pgbackrest --config="$WORK/pgbackrest-wal.conf" --stanza=bench)
PGBR_WAL_ASYNC=(pgbackrest --config="$WORK/pgbackrest-wal-async.conf" --stanza=bench)

# ---------------- Lifeboat: local repo, random key file for wal push ----------------
echo bench-password >"$WORK/secret-password"
LB_ENV=(env LIFEBOAT_REPOSITORY="$WORK/lb-repo" LIFEBOAT_PASSWORD_FILE="$WORK/secret-password" LIFEBOAT_KEY_FILE="$WORK/secret-key")
LB_ENV_WAL=(env LIFEBOAT_REPOSITORY="$WORK/lb-repo-wal" LIFEBOAT_PASSWORD_FILE="$WORK/secret-password" LIFEBOAT_KEY_FILE="$WORK/secret-key-wal")
cat >"$WORK/archive-pgbackrest-lifeboat.sh" <<EOF
#!/bin/sh
pgbackrest --config=$WORK/pgbackrest.conf --stanza=bench archive-push "\$1" || exit 1
exec ${LB_ENV[*]} $LIFEBOAT wal push --quiet "\$1"
EOF
chmod 755 "$WORK/archive-pgbackrest-lifeboat.sh"
chown -R postgres "$WORK"
as_pg env LIFEBOAT_PASSWORD_FILE="$WORK/secret-password" "$LIFEBOAT" --repo "$WORK/lb-repo" init --average-chunk-kib "$CHUNK_KIB" >/dev/null
as_pg env LIFEBOAT_PASSWORD_FILE="$WORK/secret-password" "$LIFEBOAT" --repo "$WORK/lb-repo" key add --random-key-file "$WORK/secret-key" >/dev/null
as_pg env LIFEBOAT_PASSWORD_FILE="$WORK/secret-password" "$LIFEBOAT" --repo "$WORK/lb-repo-wal" init >/dev/null
as_pg env LIFEBOAT_PASSWORD_FILE="$WORK/secret-password" "$LIFEBOAT" --repo "$WORK/lb-repo-wal" key add --random-key-file "$WORK/secret-key-wal" >/dev/null

as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null
as_pg "${PGBR[@]}" stanza-create
as_pg "${PGBR_WAL[@]}" stanza-create
as_pg "$PGBIN/pgbench" -h "$WORK" -p "$PORT" -i -s "$SCALE" -q postgres >/dev/null 2>&1
as_pg "$PGBIN/psql" -h "$WORK" -p "$PORT" -qAtc "checkpoint" postgres
DBSIZE=$(as_pg "$PGBIN/psql" -h "$WORK" -p "$PORT" -qAtc "select pg_size_pretty(sum(pg_database_size(datname))) from pg_database" postgres)
log "cluster: $DBSIZE"
URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
lb_repo_bytes() { du -sb --exclude=wal "$WORK/lb-repo" | cut -f1; }
psql_q() { as_pg "$PGBIN/psql" -h "$WORK" -p "$PORT" -qAtc "$1" postgres; }
# Each timed backup starts with the archiver idle, so neither tool waits for the other's backlog of WAL.
# Done when no WAL file is waiting for the archiver (last_archived_wal is no measure: a .backup history file archived
# after the segment it names would hold it back for ever on an idle server).
wait_archived() {
  psql_q "select pg_switch_wal()" >/dev/null
  until [[ "$(psql_q "select count(*) from pg_ls_archive_statusdir() where name like '%.ready'")" == 0 ]]; do sleep 0.5; done
}
pgbr_repo_bytes() { du -sb "$WORK/pgbr-repo/backup" | cut -f1; }

if [[ $ONLY != push ]]; then
# ---------------- full backups ----------------
log "full backup 1"
wait_archived
T_PGBR_FULL1=$(secs as_pg "${PGBR[@]}" --type=full backup)
wait_archived
T_LB_FULL1=$(secs as_pg "${LB_ENV[@]}" "$LIFEBOAT" backup postgres --connection "$URL" --physical --method "$METHOD" --quiet)
S_PGBR_1=$(pgbr_repo_bytes); S_LB_1=$(lb_repo_bytes)
log "a few changes: pgbench -t 2000 -c 2"
as_pg "$PGBIN/pgbench" -h "$WORK" -p "$PORT" -n -t 2000 -c 2 postgres >/dev/null 2>&1
log "full backup 2"
wait_archived
T_PGBR_FULL2=$(secs as_pg "${PGBR[@]}" --type=full backup)
wait_archived
T_LB_FULL2=$(secs as_pg "${LB_ENV[@]}" "$LIFEBOAT" backup postgres --connection "$URL" --physical --method "$METHOD" --quiet)
S_PGBR_2=$(pgbr_repo_bytes); S_LB_2=$(lb_repo_bytes)

# ---------------- restore (data directory only) ----------------
log "restore"
mkdir -p "$WORK/restore-pgbr" "$WORK/restore-lb"; chown postgres "$WORK/restore-pgbr" "$WORK/restore-lb"; chmod 700 "$WORK/restore-pgbr" "$WORK/restore-lb"
T_PGBR_RESTORE=$(secs as_pg "${PGBR[@]}" --pg1-path="$WORK/restore-pgbr" restore)
T_LB_RESTORE=$(secs as_pg "${LB_ENV[@]}" "$LIFEBOAT" restore postgres latest --physical --target-dir "$WORK/restore-lb" --quiet)
fi

# ---------------- wal push: the same real segments into fresh archives ----------------
log "wal push: $SEGMENTS segments each"
wait_archived
as_pg "$PGBIN/psql" -h "$WORK" -p "$PORT" -qAtc "select pg_switch_wal()" postgres >/dev/null
SYSID=$(as_pg "$PGBIN/pg_controldata" "$WORK/data" | awk '/system identifier/ {print $NF}')
mapfile -t ARCHIVED < <(ls "$WORK/lb-repo/wal" | grep -E "^$SYSID-[0-9A-F]{24}$" | sed "s/^$SYSID-//" | sort | tail -n "$SEGMENTS")
(( ${#ARCHIVED[@]} == SEGMENTS )) || { echo "only ${#ARCHIVED[@]} segments archived; lower SEGMENTS" >&2; exit 2; }
for seg in "${ARCHIVED[@]}"; do
  as_pg "${LB_ENV[@]}" "$LIFEBOAT" wal fetch --system-id "$SYSID" "$seg" "$WORK/segs/$seg"
done
# One pg_wal folder per run, every segment marked ready; the driver is PostgreSQL's archiver loop.
# shellcheck source=lib/archiver-loop.sh
source "$ROOT/bench/lib/archiver-loop.sh"
stage() { stage_pg_wal "$WORK/push-$1" "$WORK/segs" "${ARCHIVED[@]}"; }
run_archiver() { secs as_pg bash -c "$(declare -f archiver); archiver $(printf '%q ' "$@")"; }
rm -rf "$WORK/lb-repo-wal-nobatch"; cp -a "$WORK/lb-repo-wal" "$WORK/lb-repo-wal-nobatch"
# The async archive gets its own copy of the (still empty) stanza.
rm -rf "$WORK/pgbr-repo-wal-async" "$WORK/pgbr-spool"; cp -a "$WORK/pgbr-repo-wal" "$WORK/pgbr-repo-wal-async"
mkdir -p "$WORK/pgbr-spool"; chown postgres "$WORK/pgbr-spool" "$WORK/pgbr-repo-wal-async"
stage pgbr; stage pgbra; stage lb; stage lbnb
mkdir -p "$WORK/push-pgbra/global"; cp "$WORK/data/global/pg_control" "$WORK/push-pgbra/global/"; chown -R postgres "$WORK/push-pgbra"
T_PGBR_PUSH=$(run_archiver "$WORK/push-pgbr" "${PGBR_WAL[@]}" archive-push)
T_PGBRA_PUSH=$(run_archiver "$WORK/push-pgbra" "${PGBR_WAL_ASYNC[@]}" archive-push)
# Lifeboat as its docs install it: the script 'wal archive-script' writes (the marker proof in sh, else wal push).
as_pg "${LB_ENV_WAL[@]}" "$LIFEBOAT" wal archive-script >"$WORK/lifeboat-wal-push"; chmod 755 "$WORK/lifeboat-wal-push"
rm -rf "$WORK/lb-repo-wal-direct"; cp -a "$WORK/lb-repo-wal" "$WORK/lb-repo-wal-direct"; stage lbd
T_LB_PUSH=$(run_archiver "$WORK/push-lb" "$WORK/lifeboat-wal-push")
T_LBD_PUSH=$(run_archiver "$WORK/push-lbd" "${LB_ENV_WAL[@]}" LIFEBOAT_REPOSITORY="$WORK/lb-repo-wal-direct" "$LIFEBOAT" wal push --quiet)
T_LBNB_PUSH=$(run_archiver "$WORK/push-lbnb" "${LB_ENV_WAL[@]}" LIFEBOAT_REPOSITORY="$WORK/lb-repo-wal-nobatch" "$LIFEBOAT" wal push --quiet --batch 0)
R_LBNB_PUSH=$(echo "scale=2; $SEGMENTS / $T_LBNB_PUSH" | bc); R_LBD_PUSH=$(echo "scale=2; $SEGMENTS / $T_LBD_PUSH" | bc)
R_PGBR_PUSH=$(echo "scale=2; $SEGMENTS / $T_PGBR_PUSH" | bc); R_LB_PUSH=$(echo "scale=2; $SEGMENTS / $T_LB_PUSH" | bc)
R_PGBRA_PUSH=$(echo "scale=2; $SEGMENTS / $T_PGBRA_PUSH" | bc)
W_PGBR=$(du -sb "$WORK/pgbr-repo-wal/archive" | cut -f1); W_LB=$(du -sb "$WORK/lb-repo-wal/wal" | cut -f1)

# ---------------- report ----------------
mib() { echo "scale=1; $1 / 1048576" | bc; }
printf '\nPostgreSQL %s, pgbench scale %s (%s), %s CPUs, load %s, Lifeboat chunks %s KiB on average, method %s\n' "$("$PGBIN/postgres" --version | awk '{print $3}')" "$SCALE" "$DBSIZE" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" "$CHUNK_KIB" "$METHOD"
printf '%-34s %14s %14s %8s\n' "measure" "pgBackRest" "Lifeboat" "LB/PGBR"
if [[ $ONLY != push ]]; then
printf '%-34s %14s %14s %8s\n' "full backup 1 (s)" "$T_PGBR_FULL1" "$T_LB_FULL1" "$(ratio "$T_LB_FULL1" "$T_PGBR_FULL1")"
printf '%-34s %14s %14s %8s\n' "full backup 2 (s)" "$T_PGBR_FULL2" "$T_LB_FULL2" "$(ratio "$T_LB_FULL2" "$T_PGBR_FULL2")"
printf '%-34s %14s %14s %8s\n' "stored after backup 1 (MiB)" "$(mib "$S_PGBR_1")" "$(mib "$S_LB_1")" "$(ratio "$S_LB_1" "$S_PGBR_1")"
printf '%-34s %14s %14s %8s\n' "stored after backup 2 (MiB)" "$(mib "$S_PGBR_2")" "$(mib "$S_LB_2")" "$(ratio "$S_LB_2" "$S_PGBR_2")"
printf '%-34s %14s %14s %8s\n' "growth by backup 2 (MiB)" "$(mib $((S_PGBR_2 - S_PGBR_1)))" "$(mib $((S_LB_2 - S_LB_1)))" "$(ratio $((S_LB_2 - S_LB_1)) $((S_PGBR_2 - S_PGBR_1)))"
printf '%-34s %14s %14s %8s\n' "restore (s)" "$T_PGBR_RESTORE" "$T_LB_RESTORE" "$(ratio "$T_LB_RESTORE" "$T_PGBR_RESTORE")"
fi
printf '%-34s %14s %14s %8s\n' "wal push, $SEGMENTS segments (s)" "$T_PGBR_PUSH" "$T_LB_PUSH" "$(ratio "$T_LB_PUSH" "$T_PGBR_PUSH")"
printf '%-34s %14s %14s %8s\n' "wal push (segments/s)" "$R_PGBR_PUSH" "$R_LB_PUSH" "$(ratio "$R_LB_PUSH" "$R_PGBR_PUSH")"
printf '%-34s %14s %14s %8s\n' "wal push, pgBackRest async (seg/s)" "$R_PGBRA_PUSH" "$R_LB_PUSH" "$(ratio "$R_LB_PUSH" "$R_PGBRA_PUSH")"
printf '%-34s %14s %14s %8s\n' "wal push, no script (segments/s)" "$R_PGBR_PUSH" "$R_LBD_PUSH" "$(ratio "$R_LBD_PUSH" "$R_PGBR_PUSH")"
printf '%-34s %14s %14s %8s\n' "wal push, no batch (segments/s)" "$R_PGBR_PUSH" "$R_LBNB_PUSH" "$(ratio "$R_LBNB_PUSH" "$R_PGBR_PUSH")"
printf '%-34s %14s %14s %8s\n' "archived $SEGMENTS segments (MiB)" "$(mib "$W_PGBR")" "$(mib "$W_LB")" "$(ratio "$W_LB" "$W_PGBR")"
