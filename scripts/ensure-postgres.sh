#!/usr/bin/env bash
# Make sure a PostgreSQL server answers for the tests (MODELREG_TEST_POSTGRES, default the local one).
# Order: one is already running -> nothing to do; a Debian cluster exists -> start it; initdb is on the
# PATH -> start a throwaway server in .pg/ on port 55432 and print the URL to use. Exit 1 when none can run.
set -euo pipefail
cd "$(dirname "$0")/.."

URL="${MODELREG_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432/postgres}"
HOSTPORT="${URL#*@}"; HOSTPORT="${HOSTPORT%%/*}"; HOST="${HOSTPORT%%:*}"; PORT="${HOSTPORT##*:}"

answers() { pg_isready -q -h "$1" -p "$2" 2>/dev/null; }

if command -v pg_isready >/dev/null && answers "$HOST" "$PORT"; then
    echo "postgres: answering at $HOST:$PORT"; exit 0
fi
if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    echo "postgres: starting Debian cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do answers "$HOST" "$PORT" && { echo "postgres: up"; exit 0; }; sleep 1; done
fi
if command -v initdb >/dev/null; then
    DATA="$PWD/.pg/data"; LOCAL_PORT=55432
    owner=""; [ "$(id -u)" = 0 ] && owner="postgres"   # initdb refuses to run as root
    run() { if [ -n "$owner" ]; then su "$owner" -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
    if [ ! -d "$DATA" ]; then
        mkdir -p "$DATA"; [ -n "$owner" ] && chown -R "$owner" "$PWD/.pg"
        run "initdb -D '$DATA' -U postgres --auth=trust >/dev/null"
    fi
    answers 127.0.0.1 "$LOCAL_PORT" || run "pg_ctl -D '$DATA' -o '-p $LOCAL_PORT -k /tmp' -l '$PWD/.pg/log' -w start >/dev/null"
    echo "postgres: throwaway server on 127.0.0.1:$LOCAL_PORT"
    echo "export MODELREG_TEST_POSTGRES=postgresql://postgres@127.0.0.1:$LOCAL_PORT/postgres" > .pg/env
    exit 0
fi
echo "postgres: none answers at $HOST:$PORT and none can be started here (install postgresql)" >&2
exit 1
