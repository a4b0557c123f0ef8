#!/usr/bin/env bash
# Runs the given command against a throwaway PostgreSQL 15 listening on a free 127.0.0.1 port,
# with GATEHOUSE_TEST_PG_URL pointing at it; the server and its data directory are removed on
# exit, whatever happens. As root, the server runs as the `postgres` user (initdb refuses root).
#   tests/store/with-postgres.sh build-store/tests/store/store_conformance --gtest_filter='*Postgres*'
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 command [args...]" >&2
    exit 2
fi

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
    echo "with-postgres.sh: PostgreSQL 15 server binaries not found in $PGBIN (apt-get install postgresql-15)" >&2
    exit 77  # ctest SKIP_RETURN_CODE
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pg.XXXXXX")
as_server=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$tmp"
    as_server=(runuser -u postgres --)
fi

cleanup() {
    if [ -f "$tmp/data/postmaster.pid" ]; then
        "${as_server[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

"${as_server[@]}" "$PGBIN/initdb" -D "$tmp/data" -U gatehouse -A trust -E UTF8 --no-sync >"$tmp/initdb.log" 2>&1 ||
    { cat "$tmp/initdb.log" >&2; exit 1; }

# A throwaway server: durability off, so the suite measures the store, not fsync.
started=0
for _ in 1 2 3; do
    port=$(free_port)
    if "${as_server[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null; then
        started=1
        break
    fi
done
if [ "$started" -ne 1 ]; then
    cat "$tmp/server.log" >&2
    exit 1
fi

export GATEHOUSE_TEST_PG_URL="postgresql://gatehouse@127.0.0.1:$port/postgres"
set +e
"$@"
rc=$?
set -e
exit "$rc"
