#!/usr/bin/env bash
# Installs what the tests need and runs every test. CI (.ci/run) calls exactly this.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# System packages the code and tests use: libzstd for compression, util-linux for mount (full-disk tests),
# node and npm for the S3 test server (s3rver), and the real servers the source tests start: PostgreSQL 15,
# Redis, etcd (server and etcdctl), sqlite3 for cross-checks.
need=()
ldconfig -p | grep -F 'libzstd.so.1 ' >/dev/null || need+=(libzstd1)
command -v mount >/dev/null || need+=(mount)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15 postgresql-client-15)
command -v redis-server >/dev/null || need+=(redis-server)
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "tests/run.sh: please install: ${need[*]}" >&2; exit 1; fi
  apt-get update -qq && apt-get install -y -qq "${need[@]}"
fi

# The S3 tests start s3rver, pinned in tests/s3/package-lock.json.
npm ci --prefix tests/s3 --no-audit --no-fund --loglevel=error

dotnet build Lifeboat.slnx -c Release --nologo -v quiet
results=$(mktemp -d)
status=0
dotnet test tests/Lifeboat.Tests -c Release --no-build --nologo --logger "trx;LogFileName=results.trx" --results-directory "$results" || status=$?
# One plain summary line, counted from the test results file.
trx="$results/results.trx"
if [ -f "$trx" ]; then
  passed=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)
  failed=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)
  echo "tests: ${passed:-0} passed, ${failed:-0} failed"
fi
rm -rf "$results"
exit $status
