#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 + pgvector cluster:
#   .ci/postgres.sh npm test
# Installs PostgreSQL and builds pgvector from ../shared/vendor when missing, starts a cluster
# on a free port (trust auth on 127.0.0.1) and a streaming replica of it on another
# (pg_basebackup -R), exports TEST_DATABASE_URL and TEST_DATABASE_READ_URL, runs the command and
# stops both clusters on exit, whatever the outcome.
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
# Two free ports, held open together so they differ.
read -r port replica_port < <(node -e '
  const net = require("net");
  const a = net.createServer().listen(0, "127.0.0.1", () => {
    const b = net.createServer().listen(0, "127.0.0.1", () => {
      console.log(a.address().port, b.address().port); a.close(); b.close();
    });
  });')
stop() {
  for data in replica data; do
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$cluster/$data" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$cluster"
}
trap stop EXIT
start() { # data dir, port
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$cluster/$1" -l "$cluster/$1.log" -w \
    -o "-p $2 -k $cluster -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
}
# initdb's trust pg_hba also admits replication connections from 127.0.0.1, and wal_level=replica
# is the default, so the primary needs no further settings to stream to a replica.
runuser -u postgres -- "$PG_BIN/initdb" -D "$cluster/data" -A trust -U postgres --no-sync >/dev/null
start data "$port"
# -R writes standby.signal and primary_conninfo, so the copy starts as a hot standby streaming from the primary.
runuser -u postgres -- "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$cluster/replica" \
  -R -X stream --checkpoint=fast --no-sync
start replica "$replica_port"
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
export TEST_DATABASE_READ_URL="postgres://postgres@127.0.0.1:$replica_port/postgres"
echo "PostgreSQL test cluster at $TEST_DATABASE_URL, streaming replica at $TEST_DATABASE_READ_URL"
"$@"
