#!/usr/bin/env bash
# A throwaway PostgreSQL server for the service's scale-out tests (GGMServerTests' PostgreSQL suite).
#
#   scripts/test-postgres.sh start DIR   installs PostgreSQL from Debian's packages if missing, creates a
#                                        cluster in DIR (owned by the postgres user, trust auth on loopback
#                                        only), starts it on the first free port from $GGMWATCH_PG_PORT
#                                        (default 55432) and prints the URL the tests take as
#                                        GGMWATCH_POSTGRES_URL; fails (non-zero) when it cannot
#   scripts/test-postgres.sh stop DIR    stops it (the cluster in DIR is left for the caller to remove)
set -euo pipefail
action="${1:?start or stop}"
dir="${2:?a directory for the cluster}"
port="${GGMWATCH_PG_PORT:-55432}"

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
start)
    if [ -z "$(bindir)" ] || [ ! -x "$(bindir)/initdb" ]; then
        if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is not installed and this is not root: apt-get install postgresql" >&2; exit 1; fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
    fi
    bin="$(bindir)"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
        {
            echo "listen_addresses = '127.0.0.1'"
            echo "unix_socket_directories = '$dir'"
            echo "fsync = on"
            echo "max_connections = 200"
        } >> "$dir/data/postgresql.conf"
        printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$dir/data/pg_hba.conf"
    fi
    # The first port nothing listens on (another server, an earlier run's).
    for _ in $(seq 20); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then port=$((port + 1)); else break; fi
    done
    if ! as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null; then
        echo "PostgreSQL did not start on port $port:" >&2
        cat "$dir/server.log" >&2 || true
        exit 1
    fi
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = 'ggmwatch_test'" | grep -q 1 \
        || as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres ggmwatch_test
    echo "postgres://postgres@127.0.0.1:$port/ggmwatch_test"
    ;;
stop)
    bin="$(bindir)"
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
        as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
