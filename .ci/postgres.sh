# Sourced by .ci/run (and by anyone who wants the PostgreSQL half of the
# tests): start_postgres installs PostgreSQL's server from Debian when it
# is missing, starts a throwaway cluster in a private temporary folder,
# listening only on a Unix socket there (no TCP port, so no port to
# collide with), exports SHIPCHECK_TEST_POSTGRES for the archive's tests,
# and stops the cluster and removes the folder when the shell exits.
#   . .ci/postgres.sh && start_postgres
start_postgres() {
	local bin
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
		echo "postgres: installing the server (apt-get install postgresql)" >&2
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
		bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	fi
	# The server refuses to run as root: as root, run it as postgres.
	local as=()
	if [ "$(id -u)" = 0 ]; then
		as=(runuser -u postgres --)
	fi
	PG_DIR=$(mktemp -d /tmp/shipcheck-pg.XXXXXX)
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
	trap stop_postgres EXIT
	"${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log" >&2; return 1; }
	"${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -k $PG_DIR -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null ||
		{ cat "$PG_DIR/server.log" >&2; return 1; }
	PG_CTL=("${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data")
	export SHIPCHECK_TEST_POSTGRES="postgres://postgres@/postgres?host=$PG_DIR&port=5432&sslmode=disable"
	echo "postgres: a throwaway cluster at $PG_DIR (Unix socket only)" >&2
}

stop_postgres() {
	if [ -n "${PG_DIR:-}" ]; then
		"${PG_CTL[@]}" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$PG_DIR"
		PG_DIR=
	fi
}
