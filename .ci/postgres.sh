#!/usr/bin/env bash
# Install PostgreSQL 15 and build pgvector from ../shared/vendor when missing; then, given a command, run it
# against a throwaway cluster and a streaming replica of it (scripts/with-postgres.mjs, which `npm test`
# also uses):
#   bash .ci/postgres.sh                 # install only
#   bash .ci/postgres.sh sh -c '…'       # install, start both clusters, run, stop them
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BIN=/usr/lib/postgresql/15/bin
PGVECTOR_SRC="$(pwd)/../shared/vendor/pgvector-0.8.6"

# The server headers too: a machine can have initdb and pg_config without them, and pgvector then fails to build.
if [ ! -x "$PG_BIN/initdb" ] || ! command -v pg_config >/dev/null || ! command -v make >/dev/null ||
  [ ! -f "$(pg_config --includedir-server 2>/dev/null)/postgres.h" ]; then
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
if [ $# -gt 0 ]; then exec node scripts/with-postgres.mjs "$@"; fi
