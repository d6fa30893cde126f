#!/usr/bin/env bash
# wal-receive.sh - how fast `lifeboat wal receive` moves WAL into the repository while the server writes fast,
# and how far behind a commit the staging folder and the repository are.
#
#   usage: bench/wal-receive.sh [--no-build]
#
#   env:  SCALE=10 (pgbench scale)   CLIENTS=2   SECONDS_LOAD=30   WORK=/tmp/lbwalrecv   PORT=55442
#         SYNC=off (the server's synchronous_commit: off lets pgbench write WAL as fast as the CPU allows)
#         BURST_MB=512 (then one INSERT writing about this much WAL at once: the receiver's ceiling)
#         LIFEBOAT=/path/to/Lifeboat.Cli (skip the build)   PGBIN=/usr/lib/postgresql/15/bin
#
# A PostgreSQL 15 cluster with archive_mode = off (fsync on), so the receiver is the only path into the repository
# (a local folder on the same disk, opened with a random key file). While `pgbench -c CLIENTS -T SECONDS_LOAD` runs,
# a marker row is committed every 0.5 s; after each commit a DO block polls pg_stat_replication until the receiver's
# flush_lsn passes the commit's WAL position (pg_receivewal --synchronous flushes the staging file and reports at once).
# Then, with the receiver and pg_receivewal stopped (SIGSTOP), one INSERT ... SELECT writes about BURST_MB of WAL that
# the slot keeps; after SIGCONT the time until the repository holds the last segment is the receiver's ceiling in
# segments/s (streaming and pushing a backlog). Printed:
#   segments   how many segments were pushed during the load, segments/s, and the push time per segment
#              (read, hash, zstd, self-check, AES-GCM, fsync; from the receiver's --json lines)
#   staging    seconds from a marker's commit to pg_receivewal's flush of it in staging (the RPO while this host lives)
#   repository seconds from a marker's commit to the repository holding its segment durably (the RPO if this host is lost)
#   cpu        user+sys seconds of the receiver (lifeboat) and of pg_receivewal, from /proc, for the whole run
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCALE=${SCALE:-10}; CLIENTS=${CLIENTS:-2}; SECONDS_LOAD=${SECONDS_LOAD:-30}; BURST_MB=${BURST_MB:-512}; SYNC=${SYNC:-off}; WORK=${WORK:-/tmp/lbwalrecv}; PORT=${PORT:-55442}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# shellcheck source=lib/lifeboat-build.sh
source "$ROOT/bench/lib/lifeboat-build.sh"
bench_options "$@"

lifeboat_build

RECEIVER=
cleanup() {
  [[ -n $RECEIVER ]] && kill -TERM "$RECEIVER" 2>/dev/null && wait "$RECEIVER" 2>/dev/null || true
  [[ -f $WORK/data/postmaster.pid ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$WORK/data" "$WORK/repo" "$WORK/staging" "$WORK/key" "$WORK"/*.log "$WORK"/*.txt
mkdir -p "$WORK" && chown postgres "$WORK"

log "initdb, pgbench -i -s $SCALE"
echo pw > "$WORK/pw" && chown postgres "$WORK/pw"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/data" -U postgres --pwfile "$WORK/pw" -A scram-sha-256 --auth-local trust >/dev/null
cat >> "$WORK/data/postgresql.conf" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
wal_level = replica
max_wal_senders = 4
archive_mode = off
max_wal_size = 4GB
synchronous_commit = $SYNC
shared_buffers = 128MB
EOF
echo "host replication all 127.0.0.1/32 scram-sha-256" >> "$WORK/data/pg_hba.conf"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null
export PGPASSWORD=pw PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres
psql() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d postgres "$@"; }
"$PGBIN/pgbench" -i -s "$SCALE" -q postgres >/dev/null 2>&1
psql -c "create table marker(id int primary key)"

export LIFEBOAT_REPOSITORY=$WORK/repo LIFEBOAT_PASSWORD=bench
"$LIFEBOAT" init -q >/dev/null
"$LIFEBOAT" key add --random-key-file "$WORK/key" -q >/dev/null
export LIFEBOAT_KEY_FILE=$WORK/key

log "wal receive --create-slot"
( "$LIFEBOAT" --json wal receive --connection "postgresql://postgres@127.0.0.1:$PORT/postgres" --slot bench --create-slot \
    --staging "$WORK/staging" 2>"$WORK/receive.log" | while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done > "$WORK/pushed.txt" ) &
for _ in $(seq 100); do
  RECEIVER=$(pgrep -f "Lifeboat.Cli --json wal receive" || true)
  [[ -n $RECEIVER && $(psql -c "select count(*) from pg_stat_replication where state = 'streaming'") == 1 ]] && break
  sleep 0.2
done
RECEIVEWAL=$(pgrep -P "$RECEIVER" pg_receivewal)
psql -c "checkpoint" -c "select pg_switch_wal()" >/dev/null
sleep 1

log "pgbench -c $CLIENTS -T $SECONDS_LOAD, a marker every 0.5 s"
LOAD_START=$EPOCHREALTIME
"$PGBIN/pgbench" -c "$CLIENTS" -T "$SECONDS_LOAD" -n postgres > "$WORK/pgbench.log" 2>&1 &
LOAD=$!
id=0
while kill -0 "$LOAD" 2>/dev/null; do
  # One line per marker: id, commit time, the segment holding the commit, seconds until the receiver flushed it.
  psql -c "insert into marker values ($id)" -c "do \$\$ declare l pg_lsn := pg_current_wal_lsn(); t timestamptz := clock_timestamp(); begin
      while not coalesce((select bool_or(flush_lsn >= l) from pg_stat_replication where application_name = 'lifeboat wal receive'), false) loop
        perform pg_sleep(0.001); end loop;
      raise notice '% % % %', $id, extract(epoch from t), pg_walfile_name(l), extract(epoch from clock_timestamp() - t); end \$\$" 2>> "$WORK/markers.txt"
  id=$((id + 1))
  sleep 0.5
done
wait "$LOAD"
LOAD_END=$EPOCHREALTIME
last=$(psql -c "select pg_walfile_name(pg_switch_wal())")
for _ in $(seq 600); do grep -q "\"$last\"" "$WORK/pushed.txt" && break; sleep 0.1; done
log "burst: about $BURST_MB MiB of WAL in one INSERT while the receiver is stopped (SIGSTOP), then its catch-up"
kill -STOP "$RECEIVEWAL" "$RECEIVER"
psql -c "create table burst as select g, repeat(md5(g::text), 4) as filler from generate_series(1, $((BURST_MB * 4400))) g"
last=$(psql -c "select pg_walfile_name(pg_switch_wal())")
BURST_START=$EPOCHREALTIME
kill -CONT "$RECEIVEWAL" "$RECEIVER"
for _ in $(seq 3000); do grep -q "\"$last\"" "$WORK/pushed.txt" && break; sleep 0.1; done
BURST_END=$EPOCHREALTIME
cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
CPU_LB=$(cpu "$RECEIVER"); CPU_RW=$(cpu "$RECEIVEWAL")
kill -TERM "$RECEIVER"; wait; RECEIVER=

python3 - "$WORK/pushed.txt" "$WORK/markers.txt" "$LOAD_START" "$LOAD_END" "$CPU_LB" "$CPU_RW" "$(grep -o 'tps = [0-9.]*' "$WORK/pgbench.log" | head -1)" \
    "$BURST_START" "$BURST_END" <<'EOF'
import json, statistics, sys
pushed_file, markers_file, start, end, cpu_lb, cpu_rw, tps, burst_start, burst_end = sys.argv[1:]
burst_start, burst_end = float(burst_start), float(burst_end)
start, end = float(start), float(end)
pushed = {}
rows = []
for line in open(pushed_file):
    at, text = line.split(' ', 1)
    j = json.loads(text)
    pushed[j['file']] = float(at)
    rows.append((float(at), j))
during = [j for at, j in rows if start <= at <= end + 1]
def stats(values):
    values = sorted(values)
    return f"median {statistics.median(values):.3f} s, p90 {values[int(len(values) * 0.9)]:.3f} s, max {values[-1]:.3f} s"
print(f"load        {tps} with pgbench -c, {end - start:.1f} s")
print(f"segments    {len(during)} pushed during the load: {len(during) / (end - start):.2f} segments/s ({len(rows)} in all)")
print(f"push        {stats([j['pushSeconds'] for j in during])} per segment")
print(f"completed   {stats([j['lagSeconds'] for j in during])} from pg_receivewal completing a segment to the repository holding it")
staging, repository = [], []
for line in open(markers_file):
    if 'NOTICE:' not in line:
        continue
    mid, committed, segment, flushed = line.split('NOTICE:')[1].split()
    staging.append(float(flushed))
    if segment in pushed:
        repository.append(pushed[segment] - float(committed))
print(f"staging     {stats(staging)} from a marker's commit to its flush in staging ({len(staging)} markers)")
print(f"repository  {stats(repository)} from a marker's commit to the repository holding its segment ({len(repository)} markers)")
burst = [j for at, j in rows if burst_start <= at <= burst_end + 0.5]
print(f"catch-up    {len(burst)} segments kept by the slot streamed and pushed in {burst_end - burst_start:.1f} s: "
      f"{len(burst) / (burst_end - burst_start):.2f} segments/s; push {stats([j['pushSeconds'] for j in burst])}")
print(f"cpu         lifeboat wal receive {cpu_lb} s, pg_receivewal {cpu_rw} s (user+sys, whole run)")
EOF
uptime
