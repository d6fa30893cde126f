# lifeboat-build.sh - sourced by the PostgreSQL benchmarks after ROOT and WORK are set: their command line and the
# Lifeboat build they time.

# bench_options "$@": --no-build sets BUILD=0; -h/--help prints the calling script's header comment; anything else
# is refused (exit 64).
bench_options() {
  BUILD=1
  local arg
  for arg in "$@"; do
    case $arg in
      --no-build) BUILD=0 ;;
      -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
      *) echo "unknown option: $arg (try --help)" >&2; exit 64 ;;
    esac
  done
}

log() { echo "== $*" >&2; }

# lifeboat_build: LIFEBOAT, unless given, is a ReadyToRun publish in $WORK/lifeboat-bin, rebuilt unless --no-build
# found one there (ReadyToRun as the launcher builds it: start-up is part of what a wal push costs).
lifeboat_build() {
  if [[ -z ${LIFEBOAT:-} ]]; then
    LIFEBOAT=$WORK/lifeboat-bin/Lifeboat.Cli
    if [[ $BUILD == 1 || ! -x $LIFEBOAT ]]; then
      log "dotnet publish src/Lifeboat.Cli -c Release (ReadyToRun) -o $WORK/lifeboat-bin"
      mkdir -p "$WORK"
      (cd "$ROOT" && dotnet publish src/Lifeboat.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$WORK/lifeboat-bin" -nologo -v quiet)
    fi
  fi
}
