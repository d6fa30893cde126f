#!/usr/bin/env bash
# Lifeboat's logical PostgreSQL backup vs a plain daily `pg_dump -Fc` file, on a pgbench database.
# Starts its own PostgreSQL 15 cluster (as user postgres, trust auth, 127.0.0.1:$PORT) under $WORK and removes it.
# Measures: first backup time and size, a second backup after $TX pgbench transactions (scattered updates) and after
# an append of $APPEND rows (the common "recent rows change" day), and restore time into a new database.
#   SCALE=10 TX=500 APPEND=20000 bench/postgres-logical.sh      LIFEBOAT=/path/to/Lifeboat.Cli skips the build
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCALE=${SCALE:-10}
TX=${TX:-500}
APPEND=${APPEND:-20000}
PORT=${PORT:-55433}
WORK=${WORK:-/tmp/lifeboat-pg-logical-bench}
BIN=/usr/lib/postgresql/15/bin
if [ -z "${LIFEBOAT:-}" ]; then
  dotnet publish "$ROOT/src/Lifeboat.Cli" -c Release -o "$ROOT/.build/bench" -v quiet >/dev/null
  LIFEBOAT="$ROOT/.build/bench/Lifeboat.Cli"
fi

rm -rf "$WORK"; mkdir -p "$WORK"; chown postgres "$WORK"
runuser -u postgres -- "$BIN/initdb" -D "$WORK/data" -U bench -A trust >/dev/null
printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\n" "$PORT" "$WORK" >> "$WORK/data/postgresql.conf"
runuser -u postgres -- "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null
trap 'runuser -u postgres -- "$BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1; rm -rf "$WORK"' EXIT
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=bench LIFEBOAT_PASSWORD=bench LIFEBOAT_REPOSITORY=$WORK/repo
unset PGPASSWORD
"$BIN/createdb" bench
"$BIN/pgbench" -i -s "$SCALE" -q bench 2>/dev/null
URL="postgresql://bench@127.0.0.1:$PORT/bench"

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }

"$LIFEBOAT" init >/dev/null
s=$(now); "$BIN/pg_dump" -Fc -f "$WORK/day1.dump" bench; t_pgdump=$(since "$s")
s=$(now); out=$("$LIFEBOAT" --json backup postgres --connection "$URL" --no-globals); t_lb1=$(since "$s")
dump=$(echo "$out" | field "['source']['dump_bytes']"); stored1=$(echo "$out" | field "['summary']['storedBytes']")

"$BIN/pgbench" -n -t "$TX" -c 1 bench >/dev/null 2>&1
"$BIN/pg_dump" -Fc -f "$WORK/day2.dump" bench
s=$(now); out=$("$LIFEBOAT" --json backup postgres --connection "$URL" --no-globals); t_lb2=$(since "$s")
new2=$(echo "$out" | field "['summary']['newBytes']"); stored2=$(echo "$out" | field "['summary']['storedBytes']")

"$BIN/psql" -X -q -d bench -c "INSERT INTO pgbench_history SELECT 1, 1, aid, 1, now() FROM generate_series(1, $APPEND) aid; UPDATE pgbench_branches SET bbalance = bbalance + 1"
out=$("$LIFEBOAT" --json backup postgres --connection "$URL" --no-globals)
new3=$(echo "$out" | field "['summary']['newBytes']"); stored3=$(echo "$out" | field "['summary']['storedBytes']")
"$BIN/pg_dump" -Fc -f "$WORK/day3.dump" bench

s=$(now); "$BIN/createdb" r_pg; "$BIN/pg_restore" -j 2 -d r_pg "$WORK/day1.dump"; t_pgrestore=$(since "$s")
s=$(now); "$LIFEBOAT" restore postgres latest --connection "$URL" --into r_lb --jobs 2 >/dev/null 2>&1; t_lbrestore=$(since "$s")
[ "$("$BIN/psql" -X -A -t -d r_lb -c 'SELECT count(*) FROM pgbench_history')" = "$("$BIN/psql" -X -A -t -d bench -c 'SELECT count(*) FROM pgbench_history')" ]

pgsize=$(stat -c %s "$WORK/day1.dump"); pgsize2=$(stat -c %s "$WORK/day2.dump"); pgsize3=$(stat -c %s "$WORK/day3.dump")
repo=$(du -sb "$WORK/repo" | cut -f1)
cat <<EOF
pgbench scale $SCALE; database $("$BIN/psql" -X -A -t -d bench -c "SELECT pg_size_pretty(pg_database_size('bench'))")
                                      pg_dump -Fc file      lifeboat backup postgres
first backup time (s)                 $(printf %-21.2f "$t_pgdump") $(printf %.2f "$t_lb1")
first backup stored (bytes)           $(printf %-21d "$pgsize") $stored1   (uncompressed dump $dump)
after $TX pgbench tx, new (bytes)     $(printf %-21s "$pgsize2 (whole file)") $new2 new, $stored2 stored   ($(printf %.2f "$t_lb2") s)
after $APPEND appended rows, new      $(printf %-21s "$pgsize3 (whole file)") $new3 new, $stored3 stored
three days kept (bytes)               $(printf %-21d $((pgsize + pgsize2 + pgsize3))) $repo (whole repository)
restore into a new db, 2 jobs (s)     $(printf %-21.2f "$t_pgrestore") $(printf %.2f "$t_lbrestore")   (lifeboat includes reading the repository and verification)
EOF
