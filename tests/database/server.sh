# Sourced: a throw-away PostgreSQL server in a temp dir, on a Unix socket
# only, with password (SCRAM) login, stopped and removed on exit.
# Sets: work (the temp dir), sock, password, PGPASSWORD, url
# (postgresql://cr@/shop?host=SOCK, append &table=…), and a psql function.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || { echo "needs PostgreSQL: apt-get install -y postgresql"; exit 1; }
export PATH="$pgbin:$PATH"

work=$(mktemp -d)
sock="$work/sock"
mkdir -p "$sock" "$work/db" "$work/secret" "$work/out"
password='Zq9-owner-pass'
printf '%s\n' "$password" >"$work/secret/pwfile"
# The server will not run as root: as the postgres user then.
as_server=()
if [ "$(id -u)" = 0 ]; then
  chmod 711 "$work"
  chown -R postgres "$work/db" "$work/secret" "$sock"
  as_server=(runuser -u postgres --)
fi
stop_server() {
  "${as_server[@]}" pg_ctl -D "$work/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop_server EXIT

"${as_server[@]}" initdb -D "$work/db" -U cr --auth=scram-sha-256 --pwfile="$work/secret/pwfile" >/dev/null
"${as_server[@]}" pg_ctl -D "$work/db" -l "$work/db/log" -w \
  -o "-k $sock -c listen_addresses='' -c fsync=off" start >/dev/null
echo "PostgreSQL $(postgres --version | awk '{print $3}') on $sock"

export PGPASSWORD="$password"
psql() { command psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -U cr "$@"; }
psql -d postgres -c 'CREATE DATABASE shop'
url="postgresql://cr@/shop?host=$sock"
