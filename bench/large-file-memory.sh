#!/usr/bin/env bash
# large-file-memory.sh - peak memory of backing up (and restoring) one 10 GiB file: the goal is under 300 MiB RSS.
#
#   usage: bench/large-file-memory.sh [SIZE_GIB=10]
#   env:   WORK=/tmp/lbbig (needs SIZE + ~SIZE/2 free for file and repository; restore needs another SIZE)
#          RESTORE=1 also restore it and compare checksums
#
# The file is incompressible random data (/dev/urandom) with every fourth GiB replaced by
# text-like data, so the pipeline both compresses and stores raw. Prints wall time, throughput and peak RSS per phase.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE_GIB=${1:-10}
WORK=${WORK:-/tmp/lbbig}
[ -x /usr/bin/time ] || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; }
mkdir -p "$WORK"
FILE=$WORK/big.img REPO=$WORK/repo
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne $((SIZE_GIB << 30)) ]; then
  echo "== generating $SIZE_GIB GiB at $FILE" >&2
  rm -f "$FILE"
  set +o pipefail # head closes the pipe early on purpose
  for ((g = 0; g < SIZE_GIB; g++)); do
    if (( g % 4 == 3 )); then
      yes "lifeboat chunk $g index pack snapshot restore verify drill $RANDOM" | head -c $((1 << 30))
    else
      head -c $((1 << 30)) /dev/urandom
    fi
  done > "$FILE"
  set -o pipefail
fi
dotnet publish "$ROOT/src/Lifeboat.Cli" -c Release -o "$ROOT/.build/bench" --nologo -v quiet >&2
LB=$ROOT/.build/bench/Lifeboat.Cli
export LIFEBOAT_PASSWORD=bench
rm -rf "$REPO" "$WORK/restore"
"$LB" -r "$REPO" init -q >/dev/null
sync
measure() { # measure LABEL CMD...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/$label.log" 2>&1 || { echo "FAILED: $label (see $WORK/$label.log)" >&2; exit 1; }
  read -r wall rss < "$WORK/time"
  awk -v l="$label" -v w="$wall" -v r="$rss" -v s="$SIZE_GIB" \
    'BEGIN { printf "%-8s %8.2f s  %7.1f MiB/s  peak RSS %6.1f MiB  goal < 300 MiB: %s\n", l, w, s*1024/w, r/1024, (r/1024 < 300 ? "yes" : "NO") }'
}
measure backup "$LB" -r "$REPO" backup "$FILE"
if [ "${RESTORE:-0}" = 1 ]; then
  measure restore "$LB" -r "$REPO" restore latest --target "$WORK/restore"
  cmp "$FILE" "$WORK/restore$FILE" && echo "restore: identical"
  rm -rf "$WORK/restore"
fi
du -sh "$REPO"
