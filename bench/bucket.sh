#!/usr/bin/env bash
# Bucket backup and restore against a local s3rver: OBJECTS objects of SIZE_KB KiB under seg/, backed up with
# --parallel 1 and 8, backed up again unchanged, restored into a bucket and into a directory. Prints wall times and
# peak RSS, with plain curl downloads of the same objects as the baseline. s3rver (node) is usually the bottleneck.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OBJECTS=${OBJECTS:-300}
SIZE_KB=${SIZE_KB:-1024}
WORK=${WORK:-/tmp/lifeboat-bucket-bench}
rm -rf "$WORK" && mkdir -p "$WORK/data"
[ -f "$ROOT/tests/s3/node_modules/s3rver/bin/s3rver.js" ] || npm ci --prefix "$ROOT/tests/s3"
dotnet build "$ROOT/src/Lifeboat.Cli" -c Release -v quiet >/dev/null
CLI="$ROOT/src/Lifeboat.Cli/bin/Release/net10.0/Lifeboat.Cli.dll"

node --openssl-legacy-provider "$ROOT/tests/s3/node_modules/s3rver/bin/s3rver.js" --directory "$WORK/data" \
  --address 127.0.0.1 --port 0 --configure-bucket bench --configure-bucket restored --silent > "$WORK/s3rver.out" 2>&1 &
S3RVER=$!
trap 'kill $S3RVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do grep -q listening "$WORK/s3rver.out" && break; sleep 0.2; done
PORT=$(sed -n 's/.*listening on [^:]*:\([0-9]*\).*/\1/p' "$WORK/s3rver.out")
URL=http://127.0.0.1:$PORT

# s3rver accepts unsigned requests: curl fills the bucket.
for i in $(seq "$OBJECTS"); do
  head -c $((SIZE_KB * 1024)) /dev/urandom > "$WORK/o.bin"
  curl -sf -o /dev/null -X PUT --data-binary @"$WORK/o.bin" "$URL/bench/seg/$((i % 10))/part$i.ts"
done

export LIFEBOAT_REPOSITORY=$WORK/repo LIFEBOAT_PASSWORD=bench AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
timed() { /usr/bin/time -f "  %e s wall, %M KB peak RSS" "$@" 2>&1 | grep -E "wall|saved|restored" | sed 's/^/  /'; }

echo "curl, sequential GET of every object:"
/usr/bin/time -f "  %e s wall" bash -c "for i in \$(seq $OBJECTS); do curl -sf -o /dev/null $URL/bench/seg/\$((i % 10))/part\$i.ts; done"
for parallel in 1 8; do
  rm -rf "$WORK/repo" && dotnet "$CLI" init >/dev/null
  echo "backup bucket --parallel $parallel (new repository):"
  timed dotnet "$CLI" backup bucket "s3:$URL/bench/seg" --parallel "$parallel"
done
echo "backup bucket again, nothing changed:"
timed dotnet "$CLI" backup bucket "s3:$URL/bench/seg"
echo "restore bucket --to another bucket:"
timed dotnet "$CLI" restore bucket latest --to "s3:$URL/restored"
echo "restore bucket --target DIR:"
timed dotnet "$CLI" restore bucket latest --target "$WORK/files"
