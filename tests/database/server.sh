# Sourced: a throw-away PostgreSQL server in a temp dir, with password
# (SCRAM) login, on a Unix socket and on 127.0.0.1:PORT with TLS only
# (hostssl; a throw-away CA and a certificate for "localhost" made here),
# stopped and removed on exit.
# Sets: work (the temp dir), sock, port, password, PGPASSWORD, url
# (postgresql://cr@/shop?host=SOCK&port=PORT, append &table=…), ca (the CA's
# certificate), and a psql function.
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

# TLS: a CA that lives as long as the test, and the server's certificate
# for "localhost" only (so 127.0.0.1 is a wrong host name under verify-full).
mkdir -p "$work/tls"
ca="$work/tls/ca.crt"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=complaint-rate test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$work/tls/ca.key" -out "$ca" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
  -keyout "$work/db/server.key" -out "$work/tls/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$work/tls/ext"
openssl x509 -req -in "$work/tls/server.csr" -CA "$ca" -CAkey "$work/tls/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/tls/ext" -out "$work/db/server.crt" 2>/dev/null
chmod 600 "$work/db/server.key"
[ "$(id -u)" = 0 ] && chown postgres "$work/db/server.key" "$work/db/server.crt"
# Over TCP only with TLS; the socket as before.
cat >"$work/db/pg_hba.conf" <<'HBA'
local   all all              scram-sha-256
hostssl all all 127.0.0.1/32 scram-sha-256
hostssl all all ::1/128      scram-sha-256
HBA
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_server[@]}" pg_ctl -D "$work/db" -l "$work/db/log" -w \
  -o "-k $sock -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on" start >/dev/null
echo "PostgreSQL $(postgres --version | awk '{print $3}') on $sock and 127.0.0.1:$port (TLS)"

export PGPASSWORD="$password"
psql() { command psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U cr "$@"; }
psql -d postgres -c 'CREATE DATABASE shop'
url="postgresql://cr@/shop?host=$sock&port=$port"
