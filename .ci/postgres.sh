#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 + pgvector cluster:
#   .ci/postgres.sh npm test
# Installs PostgreSQL and builds pgvector from ../shared/vendor when missing, starts a cluster
# on a free port (trust auth on 127.0.0.1), exports TEST_DATABASE_URL, runs the command and
# stops the cluster on exit, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BIN=/usr/lib/postgresql/15/bin
PGVECTOR_SRC="$(pwd)/../shared/vendor/pgvector-0.8.6"

if [ ! -x "$PG_BIN/initdb" ] || ! command -v pg_config >/dev/null || ! command -v make >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-server-dev-15 build-essential >/dev/null
fi
if [ ! -f "$(pg_config --sharedir)/extension/vector.control" ]; then
  build="$(mktemp -d)"
  cp -r "$PGVECTOR_SRC/." "$build"
  make -s -C "$build" OPTFLAGS="" >/dev/null
  make -s -C "$build" install >/dev/null
  rm -rf "$build"
fi

cluster="$(mktemp -d /tmp/policy-qa-pg.XXXXXX)"
chown postgres "$cluster"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
stop() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$cluster"; }
trap stop EXIT
runuser -u postgres -- "$PG_BIN/initdb" -D "$cluster/data" -A trust -U postgres --no-sync >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w \
  -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL test cluster at $TEST_DATABASE_URL"
"$@"
