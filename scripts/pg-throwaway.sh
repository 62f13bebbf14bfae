#!/usr/bin/env bash
# pg-throwaway.sh start  -> prints shell assignments XQ_TEST_PG_URL=..., PG_STOP=...
# Starts a throwaway PostgreSQL cluster in a temp dir as the postgres user
# (PostgreSQL refuses to run as root) on a Unix socket and a free port.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bindir" ] || { echo "pg-throwaway: PostgreSQL not installed" >&2; exit 1; }
dir=$(mktemp -d /tmp/xq-pg.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir"; su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
as_pg "'$bindir/initdb' -D '$dir/data' -A trust -U xq -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1" >&2
as_pg "'$bindir/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start >/dev/null" >&2
as_pg "'$bindir/createdb' -h '$dir' -p $port -U xq xinqiao_test" >&2
echo "XQ_TEST_PG_URL='postgresql://xq@127.0.0.1:$port/xinqiao_test'"
echo "PG_STOP=\"su postgres -s /bin/bash -c \\\"'$bindir/pg_ctl' -D '$dir/data' -m immediate stop\\\" 2>/dev/null || '$bindir/pg_ctl' -D '$dir/data' -m immediate stop; rm -rf '$dir'\""
