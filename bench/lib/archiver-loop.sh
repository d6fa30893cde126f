# archiver-loop.sh - sourced by the WAL push benchmarks: a staged pg_wal folder and PostgreSQL's archiver loop.

# stage_pg_wal DEST SOURCE NAME...: DEST/pg_wal holding the named segments copied from SOURCE, each marked ready
# (archive_status/NAME.ready), owned by postgres.
stage_pg_wal() {
  local dest=$1 source=$2 seg; shift 2
  rm -rf "$dest"; mkdir -p "$dest/pg_wal/archive_status"
  for seg in "$@"; do cp "$source/$seg" "$dest/pg_wal/"; : >"$dest/pg_wal/archive_status/$seg.ready"; done
  chown -R postgres "$dest"; chmod 700 "$dest"
  # PostgreSQL creates NAME.ready once the segment is complete; the chown above changed every segment's ctime after that.
  touch -c "$dest"/pg_wal/archive_status/*.ready
}

# archiver DIR COMMAND...: as PostgreSQL's archiver, COMMAND PATH for every segment of DIR/pg_wal in order, its .ready
# renamed to .done on exit 0; stops at the first failure. Run it as postgres: bash -c "$(declare -f archiver); archiver …".
archiver() {
  local dir=$1 f; shift
  for f in $(ls "$dir/pg_wal" | grep -E '^[0-9A-F]{24}$' | sort); do
    "$@" "$dir/pg_wal/$f" || { echo "archive_command failed for $f" >&2; return 1; }
    mv "$dir/pg_wal/archive_status/$f.ready" "$dir/pg_wal/archive_status/$f.done"
  done
}
