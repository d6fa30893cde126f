#!/usr/bin/env bash
# files-vs-restic.sh - Lifeboat vs restic on the shared file-backup benchmark (shared/bench/run-peers.sh).
#
#   usage: bench/files-vs-restic.sh [--peers-only | --lifeboat-only] [--append] [--report] [--no-build]
#
#     (default)        run restic and Lifeboat in one go, then print the tables and the goals
#     --peers-only     run restic only (a baseline kept in results/ for later --lifeboat-only runs)
#     --lifeboat-only  run Lifeboat only, compare against the restic rows already in results/
#     --append         keep the rows already in results/ (default: archive them to results/archive/)
#     --report         run nothing: print the tables and goals from results/ as they are
#     --no-build       do not run dotnet publish (use the binary already in .build/bench or $LIFEBOAT)
#
#   env:  REPEATS=1 COLD=0 NOCHANGE_RUNS USE_FARM   passed to run-peers.sh
#         DATA=/tmp/lbdata PRISTINE=/tmp/lbdata.pristine WORK=/tmp/lbbench TARGET=$WORK/restore
#         RES=$ROOT/bench/results       SHARED_BENCH=$ROOT/../shared/bench
#         LIFEBOAT=/path/to/Lifeboat.Cli   use this binary, skip the build
#         STRICT=1                         exit 3 when a goal is not met
#
# Exit status: 0 ok; 2 a timed phase failed or a restore differed (ratios are not valid);
#              3 (STRICT=1 only) a goal is not met; otherwise run-peers.sh's own failure status.
# A ratio is Lifeboat / restic: below 1 means Lifeboat is better. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED_BENCH=$(cd "${SHARED_BENCH:-$ROOT/../shared/bench}" && pwd)
REPEATS=${REPEATS:-1}; COLD=${COLD:-0}
DATA=${DATA:-/tmp/lbdata}; PRISTINE=${PRISTINE:-/tmp/lbdata.pristine}; WORK=${WORK:-/tmp/lbbench}
RES=${RES:-$ROOT/bench/results}
export REPEATS COLD DATA PRISTINE WORK RES SHARED_BENCH
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

MODE=both APPEND=0 REPORT_ONLY=0 BUILD=1
for arg in "$@"; do
  case $arg in
    --peers-only)    MODE=peers ;;
    --lifeboat-only) MODE=lifeboat ;;
    --append)        APPEND=1 ;;
    --report)        REPORT_ONLY=1 ;;
    --no-build)      BUILD=0 ;;
    -h|--help)       sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 64 ;;
  esac
done
case $MODE in
  both)     TOOLS=(restic lifeboat) ;;
  peers)    TOOLS=(restic) ;;
  lifeboat) TOOLS=(lifeboat) ;;
esac
log() { echo "== $*" >&2; }

# ---------------- Lifeboat adapter for run-peers.sh ----------------
# run-peers.sh runs each phase as `bash -c "$(declare -f); tool_lifeboat_backup LABEL"`; exported
# functions are imported into its shell, so declare -f there includes them (checked in bench/README.md).
export LIFEBOAT_PASSWORD=bench
tool_lifeboat_init()    { "$LIFEBOAT" --repo "$REPO" init; }
tool_lifeboat_backup()  { "$LIFEBOAT" --repo "$REPO" backup "$DATA" --tag "$1"; }
tool_lifeboat_restore() { "$LIFEBOAT" --repo "$REPO" restore latest --target "$TARGET"; }
tool_lifeboat_check()   { "$LIFEBOAT" --repo "$REPO" check --read-data; }
tool_lifeboat_info()    { "$LIFEBOAT" --repo "$REPO" snapshots; }
export -f tool_lifeboat_init tool_lifeboat_backup tool_lifeboat_restore tool_lifeboat_check tool_lifeboat_info

# ---------------- setup ----------------
install_tools() {
  local missing=0
  command -v restic >/dev/null || missing=1
  command -v rsync  >/dev/null || missing=1
  [ -x /usr/bin/time ]         || missing=1
  [ "$missing" = 0 ] && return 0
  log "installing restic rsync time"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q restic rsync time
}

# The dataset is deterministic (seed 42): generate PRISTINE once, DATA is a copy of it.
# large/large_c.img is written last, so it marks a complete tree.
make_data() {
  if [ ! -f "$PRISTINE/large/large_c.img" ]; then
    log "generating dataset in $PRISTINE (about 2 GB)"
    "$SHARED_BENCH/make-dataset.sh" "$PRISTINE" 42
  fi
  # Debian links documentation directories to one another (doc/cpp-12 -> gcc-12), and restores of links to
  # directories once failed while no benchmark held any: the dataset has links to a directory (relative and absolute)
  # and to a file. Only links that resolve, because the restore check (diff -r) follows them.
  if [ ! -L "$PRISTINE/links/file" ]; then
    mkdir -p "$PRISTINE/links"
    ln -sfn ../small/d000 "$PRISTINE/links/relative-dir"
    ln -sfn "$PRISTINE/medium" "$PRISTINE/links/absolute-dir"
    ln -sfn ../medium/blob_00.bin "$PRISTINE/links/file"
  fi
  if [ ! -d "$DATA" ]; then
    log "copying $PRISTINE to $DATA"
    cp -a "$PRISTINE" "$DATA"
  fi   # an existing DATA may be mutated: run-peers.sh rsyncs it back from PRISTINE before each sequence
}

build_lifeboat() {
  if [ -n "${LIFEBOAT:-}" ]; then
    log "using LIFEBOAT=$LIFEBOAT (no build)"
  else
    LIFEBOAT=$ROOT/.build/bench/Lifeboat.Cli
    if [ "$BUILD" = 1 ]; then
      log "dotnet publish src/Lifeboat.Cli -c Release -o $ROOT/.build/bench"
      (cd "$ROOT" && dotnet publish src/Lifeboat.Cli -c Release -o "$ROOT/.build/bench" -nologo)
    fi
  fi
  [ -x "$LIFEBOAT" ] || { echo "Lifeboat binary not found or not executable: $LIFEBOAT" >&2; exit 1; }
  export LIFEBOAT
}

# Old rows would mix into the medians: archive them (or, for --lifeboat-only, drop only Lifeboat's
# rows and keep the restic baseline).
prepare_results() {
  mkdir -p "$RES"
  [ "$APPEND" = 1 ] && return 0
  [ -f "$RES/peers.csv" ] || [ -d "$RES/logs" ] || return 0
  local arch; arch=$RES/archive/$(date +%Y%m%d-%H%M%S)
  mkdir -p "$arch"
  local f; for f in peers.csv sizes.csv run.log logs; do [ -e "$RES/$f" ] && cp -a "$RES/$f" "$arch/"; done
  log "previous results archived in $arch"
  if [ "$MODE" = lifeboat ]; then
    for f in peers.csv sizes.csv; do
      [ -f "$RES/$f" ] && awk -F, 'NR==1 || $1!="lifeboat"' "$arch/$f" > "$RES/$f"
    done
    rm -f "$RES"/logs/lifeboat.*
    : > "$RES/run.log"
  else
    rm -rf "$RES/peers.csv" "$RES/sizes.csv" "$RES/logs" "$RES/run.log"
  fi
}

# ---------------- report ----------------
# Tools with a failed timed phase (non-zero exit in /usr/bin/time -v output) or a restore that
# differs from the source: their timings mean nothing.
health() {
  BAD=""
  local t f bad_t
  for t in restic lifeboat; do
    bad_t=""
    for f in "$RES"/logs/"$t".*.time; do
      [ -e "$f" ] || continue
      if grep -Eq 'Exit status: [1-9]' "$f"; then
        bad_t+=" $(basename "$f" .time | cut -d. -f2-3)"
      fi
    done
    if [ -s "$RES/logs/$t.restore-diff.txt" ]; then bad_t+=" restore-differs"; fi
    f=$RES/logs/$t.initial.1.time
    [ -e "$f" ] && echo "$t measured $(date -r "$f" '+%F %T')"
    if [ -n "$bad_t" ]; then
      echo "INVALID: $t failed:$bad_t (see $RES/logs/)"
      BAD+=" $t"
    fi
  done
}

ratios() { # ratios PEERS_CSV SIZES_CSV BAD_TOOLS
  awk -F, -v bad="$3" -v A=restic -v B=lifeboat '
    function median(key,   n, i, j, x, s) {
      n = cnt[key]; if (n == 0) return ""
      for (i = 1; i <= n; i++) s[i] = val[key, i]
      for (i = 2; i <= n; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j+1] = s[j]; s[j+1] = x }
      return (n % 2) ? s[(n+1)/2] : (s[n/2] + s[n/2+1]) / 2
    }
    function add(key, v) { cnt[key]++; val[key, cnt[key]] = v }
    function fmt(x, unit) { return (x == "") ? "n/a" : sprintf("%.2f%s", x, unit) }
    function fmtr(x) { return (x == "") ? "n/a" : sprintf("%.3f", x) }
    function ratio(a, b) { return (a == "" || b == "" || a + 0 <= 0) ? "" : b / a }
    function verdict(r, lim, strict) {
      if (r == "") return "n/a"
      return ((strict && r < lim) || (!strict && r <= lim)) ? "yes" : "NO"
    }
    # goal(name, verdict): one goal line; an invalid run (failed phase, differing restore) meets nothing
    function goal(name, v) {
      if (invalid && v != "n/a") v = "NO (invalid run)"
      if (v == "n/a") na = 1; else if (v != "yes") allmet = 0
      printf "- %-32s %s\n", name, v
    }
    # fold(acc, v): yes+yes=yes, any n/a -> n/a, else NO
    function fold(acc, v) { return (acc == "n/a" || v == "n/a") ? "n/a" : ((acc == "yes" && v == "yes") ? "yes" : "NO") }
    FNR == 1 { file++; next }
    file == 1 {  # peers.csv: tool,phase,rep,wall_s,user_s,sys_s,maxrss_kb,cache
      tool = $1; phase = $2; rep = $3; wall = $4 + 0; rss = $7 + 0; cache = $8
      if (tool != A && tool != B) next
      add(tool SUBSEP phase SUBSEP cache, wall)
      if (!(tool in peak) || rss > peak[tool]) peak[tool] = rss
      seen[cache] = 1
      if (phase == "restore" || phase == "restore_sync") { rs[tool, cache, rep] += wall; rsn[tool, cache, rep]++ }
      next
    }
    file == 2 && $4 != "" {  # sizes.csv: tool,stage,rep,bytes (bytes empty when du failed)
      add("size" SUBSEP $1 SUBSEP $2, $4 + 0)
    }
    END {
      invalid = (bad ~ /lifeboat/ || bad ~ /restic/)
      for (k in rsn) if (rsn[k] == 2) { split(k, q, SUBSEP); add(q[1] SUBSEP "restore+sync" SUBSEP q[2], rs[k]) }
      nph = split("initial nochange incremental restore restore+sync check", ph, " ")
      ncache = 0; if ("warm" in seen) cl[++ncache] = "warm"; if ("cold" in seen) cl[++ncache] = "cold"
      print "| phase | cache | restic median s (n) | lifeboat median s (n) | lifeboat/restic | goal | met |"
      print "|---|---|---|---|---|---|---|"
      allmet = 1; na = 0; timing = "yes"; init = "yes"; ntimed = 0
      for (c = 1; c <= ncache; c++) for (i = 1; i <= nph; i++) {
        p = ph[i]; ka = A SUBSEP p SUBSEP cl[c]; kb = B SUBSEP p SUBSEP cl[c]
        if (!cnt[ka] && !cnt[kb]) continue
        ma = median(ka); mb = median(kb); r = ratio(ma, mb)
        if (p == "restore+sync") { g = "(info)"; v = "" }
        else {
          ntimed++; timing = fold(timing, verdict(r, 1, 1))
          if (p == "initial") { g = "<= 0.667"; v = verdict(r, 0.667, 0); init = fold(init, v) }
          else { g = "< 1"; v = verdict(r, 1, 1) }
        }
        printf "| %s | %s | %s (%d) | %s (%d) | %s | %s | %s |\n", p, cl[c], fmt(ma, ""), cnt[ka], fmt(mb, ""), cnt[kb], fmtr(r), g, v
      }
      sa = median("size" SUBSEP A SUBSEP "after_incremental"); sb = median("size" SUBSEP B SUBSEP "after_incremental")
      rsz = ratio(sa, sb)
      printf "| repo size after_incremental | - | %s | %s | %s | <= 1 | %s |\n", fmt(sa == "" ? "" : sa / 1e6, " MB"), fmt(sb == "" ? "" : sb / 1e6, " MB"), fmtr(rsz), verdict(rsz, 1, 0)
      pa = (A in peak) ? peak[A] : ""; pb = (B in peak) ? peak[B] : ""
      rrss = ratio(pa, pb)
      printf "| peak RSS (max over phases) | - | %s | %s | %s | <= 1 | %s |\n", fmt(pa == "" ? "" : pa / 1024, " MiB"), fmt(pb == "" ? "" : pb / 1024, " MiB"), fmtr(rrss), verdict(rrss, 1, 0)
      print ""
      print "Goals (ratio = lifeboat/restic, < 1 means Lifeboat is better):"
      if (ntimed == 0) { timing = "n/a"; init = "n/a" }
      goal("every timing ratio < 1", timing)
      goal("initial backup ratio <= 0.667", init)
      goal("repo size ratio <= 1", verdict(rsz, 1, 0))
      goal("peak RSS ratio <= 1", verdict(rrss, 1, 0))
      if (na) print "ALL GOALS MET: n/a (missing data)"; else print "ALL GOALS MET: " (allmet ? "yes" : "NO")
      exit (na ? 4 : (allmet ? 0 : 3))
    }' "$1" "$2"
}

report() {
  [ -f "$RES/peers.csv" ] || { echo "no results in $RES" >&2; return 1; }
  [ -f "$RES/sizes.csv" ] || echo "tool,stage,rep,bytes" > "$RES/sizes.csv"
  local bytes; bytes=$(du -sb "$PRISTINE" 2>/dev/null | cut -f1 || echo 0)
  echo
  echo "## run-peers.sh summary ($RES)"
  echo
  DATASET_BYTES=${bytes:-0} "$SHARED_BENCH/summarize.sh" "$RES/peers.csv"
  echo
  echo "## Lifeboat / restic (median wall time per phase and cache state)"
  echo
  health
  local rc=0
  ratios "$RES/peers.csv" "$RES/sizes.csv" "$BAD" || rc=$?
  if [ -n "$BAD" ]; then return 2; fi
  if [ "${STRICT:-0}" = 1 ] && [ "$rc" = 3 ]; then return 3; fi
  return 0
}

# ---------------- main ----------------
if [ "$REPORT_ONLY" = 1 ]; then report; exit; fi

install_tools
make_data
[ "$MODE" = peers ] || build_lifeboat
prepare_results
if [ "$MODE" = lifeboat ] && ! grep -q '^restic,' "$RES/peers.csv" 2>/dev/null; then
  log "WARNING: no restic baseline in $RES/peers.csv: run --peers-only first, or the ratios are n/a"
fi

log "run-peers.sh ${TOOLS[*]} (REPEATS=$REPEATS COLD=$COLD) -> $RES"
set +e
"$SHARED_BENCH/run-peers.sh" "${TOOLS[@]}" 2>&1 | tee -a "$RES/run.log"
peers_rc=${PIPESTATUS[0]}
set -e
if [ "$peers_rc" != 0 ]; then
  last=$(ls -t "$RES"/logs/*.log 2>/dev/null | head -1 || true)
  echo "run-peers.sh exited with status $peers_rc; newest log ${last:-none}:" >&2
  [ -z "$last" ] || tail -5 "$last" >&2
fi

report_rc=0
report || report_rc=$?
[ "$peers_rc" = 0 ] || exit "$peers_rc"
exit "$report_rc"
