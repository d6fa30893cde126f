#!/usr/bin/env bash
# s3-vs-restic.sh - backup and restore throughput to a local s3rver, Lifeboat vs restic, side by side in one run.
#
#   usage: bench/s3-vs-restic.sh
#   env:   PRISTINE=/tmp/lbdata.pristine (made by files-vs-restic.sh / make-dataset.sh), WORK=/tmp/lbs3, PORT=19000
#
# The data set is a 560 MiB subset of the shared one (medium/ random blobs and small/d000-d049 text files): s3rver
# stores every object as files on the same disk, so the full 2 GB set mostly measures s3rver. Prints wall times,
# MiB/s and Lifeboat/restic ratios (below 1: Lifeboat faster).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRISTINE=${PRISTINE:-/tmp/lbdata.pristine}; WORK=${WORK:-/tmp/lbs3}; PORT=${PORT:-19000}
command -v restic >/dev/null && [ -x /usr/bin/time ] || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq restic time; }
[ -d "$ROOT/tests/s3/node_modules/s3rver" ] || npm ci --prefix "$ROOT/tests/s3" --silent
[ -f "$PRISTINE/large/large_c.img" ] || "$ROOT/../shared/bench/make-dataset.sh" "$PRISTINE"
rm -rf "$WORK"; mkdir -p "$WORK/s3" "$WORK/data/small"
cp -a "$PRISTINE/medium" "$WORK/data/"
for d in "$PRISTINE"/small/d0[0-4]?; do cp -a "$d" "$WORK/data/small/"; done
DATA=$WORK/data
# TLS, because over plain HTTP restic's S3 client sends aws-chunked bodies, which s3rver stores framing and all
# (restic then cannot read its own config). The certificate is trusted system-wide for the run: restic (Go) and
# Lifeboat (.NET on OpenSSL) both read the system store.
CERT=/usr/local/share/ca-certificates/lifeboat-bench-s3rver.crt
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
cp "$WORK/cert.pem" "$CERT" && update-ca-certificates >/dev/null 2>&1
node --openssl-legacy-provider "$ROOT/tests/s3/node_modules/s3rver/bin/s3rver.js" --silent --address 127.0.0.1 --port "$PORT" \
  --key "$WORK/key.pem" --cert "$WORK/cert.pem" --directory "$WORK/s3" --configure-bucket lbbench > "$WORK/s3rver.log" 2>&1 &
S3PID=$!
trap 'kill $S3PID 2>/dev/null || true; rm -f "$CERT"; update-ca-certificates --fresh >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.2; done
dotnet publish "$ROOT/src/Lifeboat.Cli" -c Release -o "$ROOT/.build/bench" --nologo -v quiet >&2
LB=$ROOT/.build/bench/Lifeboat.Cli
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export RESTIC_PASSWORD=bench LIFEBOAT_PASSWORD=bench RESTIC_CACHE_DIR=$WORK/restic-cache
SIZE=$(du -sb "$DATA" | cut -f1)
declare -A T
run() { # run NAME CMD...
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > "$WORK/$name.log" 2>&1 || { echo "FAILED: $name (see $WORK/$name.log)"; tail -5 "$WORK/$name.log"; exit 2; }
  read -r wall rss < "$WORK/$name.time"; T[$name]=$wall
  awk -v n="$name" -v w="$wall" -v r="$rss" -v s="$SIZE" 'BEGIN { printf "%-18s %7.2f s  %7.1f MiB/s  peak RSS %6.1f MiB\n", n, w, s/1048576/w, r/1024 }'
}
RR="s3:https://127.0.0.1:$PORT/lbbench/restic"
LR="s3:https://127.0.0.1:$PORT/lbbench/lifeboat"
restic -r "$RR" -o s3.bucket-lookup=path init > "$WORK/restic-init.log" 2>&1
"$LB" -r "$LR" init > "$WORK/lifeboat-init.log" 2>&1
run restic-backup restic -r "$RR" -o s3.bucket-lookup=path backup "$DATA"
run lifeboat-backup "$LB" -r "$LR" backup "$DATA"
run restic-restore restic -r "$RR" -o s3.bucket-lookup=path restore latest --target "$WORK/restore-restic"
run lifeboat-restore "$LB" -r "$LR" restore latest --target "$WORK/restore-lifeboat"
diff -rq "$DATA" "$WORK/restore-restic$DATA" >/dev/null && echo "restic restore: identical" || echo "restic restore: DIFFERS"
diff -rq "$DATA" "$WORK/restore-lifeboat$DATA" >/dev/null && echo "lifeboat restore: identical" || echo "lifeboat restore: DIFFERS"
awk -v a="${T[lifeboat-backup]}" -v b="${T[restic-backup]}" -v c="${T[lifeboat-restore]}" -v d="${T[restic-restore]}" \
  'BEGIN { printf "ratio lifeboat/restic: backup %.3f, restore %.3f\n", a/b, c/d }'
