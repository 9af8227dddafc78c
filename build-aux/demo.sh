#!/usr/bin/env bash
# build-aux/demo.sh: a local Showroom to try, in one command.
#
#   ./build-aux/demo.sh        install what is missing, build, start (or reuse) a private
#                              PostgreSQL cluster, migrate, seed demo data, start showroomd
#   ./build-aux/demo.sh stop   stop the demo server and its PostgreSQL cluster
#
# Everything lives in ${XDG_DATA_HOME:-~/.local/share}/showroom-demo: the cluster
# (pgdata/, reachable only through a Unix socket in that directory), the server's log
# and its pid file. Remove that directory, after `stop`, to start from scratch.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
# shellcheck source=build-aux/common.sh
source build-aux/common.sh

DEMO_DIR=${XDG_DATA_HOME:-$HOME/.local/share}/showroom-demo
PGDATA_DIR=$DEMO_DIR/pgdata
PG_PORT=7461
LISTEN=127.0.0.1:7460
PID_FILE=$DEMO_DIR/showroomd.pid
LOG_FILE=$DEMO_DIR/showroomd.log
SHOWROOMD=$PWD/build/server/showroomd
SHOWROOMCTL=build/client/showroomctl

die() {
  echo "demo.sh: $*" >&2
  exit 1
}

# PostgreSQL refuses to run as root: then the cluster belongs to the postgres user.
pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

find_pg_bindir() {
  local dir

  dir=$(pg_config --bindir 2>/dev/null || true)
  if [[ -n $dir && -x $dir/initdb ]]; then
    echo "$dir"
    return
  fi
  # Debian keeps the server tools per major version, off PATH.
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x $dir/initdb ]]; then
      echo "$dir"
      return
    fi
  done
  die "no PostgreSQL server binaries found (is the postgresql package installed?)"
}

# A libpq conninfo value in single quotes, with ' and \ escaped.
conninfo_quote() {
  local value=${1//\\/\\\\}
  printf "'%s'" "${value//\'/\\\'}"
}

server_pid() {
  local pid

  [[ -f $PID_FILE ]] || return 1
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Only ever signal our own server, never a process that reused the pid.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q showroomd || return 1
  echo "$pid"
}

stop_server() {
  local pid

  if pid=$(server_pid); then
    sr_say "stopping the demo server (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "demo.sh: the server did not stop within 15 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$PID_FILE"
}

cluster_running() {
  [[ -f $PGDATA_DIR/PG_VERSION ]] && pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

stop_cluster() {
  if cluster_running; then
    sr_say "stopping the demo PostgreSQL cluster"
    pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
  fi
}

# As root, the postgres user must be able to reach the cluster inside this user's home:
# grant it the search (x) permission on each directory on the way, nothing more.
let_postgres_in() {
  local dir=$DEMO_DIR
  local path=()

  while [[ $dir != / && -n $dir ]]; do
    path=("$dir" "${path[@]}")
    dir=$(dirname "$dir")
  done
  # From the top down: a directory is only reachable once its parents are.
  for dir in "${path[@]}"; do
    if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
      if ! setfacl -m u:postgres:x "$dir" 2>/dev/null; then
        chmod o+x "$dir"
      fi
      echo "demo.sh: let the postgres user pass through $dir (search permission only)" >&2
    fi
  done
}

start_cluster() {
  mkdir -p "$DEMO_DIR"
  # The socket lives in pgdata/; a Unix socket path holds at most 107 bytes.
  if ((${#PGDATA_DIR} + 16 > 107)); then
    die "$PGDATA_DIR is too long a path for PostgreSQL's socket; set XDG_DATA_HOME to a shorter directory"
  fi

  if [[ $EUID -eq 0 ]]; then
    getent passwd postgres >/dev/null || die "there is no postgres user (is the postgresql package installed?)"
    let_postgres_in
  fi

  if [[ ! -f $PGDATA_DIR/PG_VERSION ]]; then
    sr_say "creating a private PostgreSQL cluster in $PGDATA_DIR"
    rm -rf "$PGDATA_DIR"
    mkdir -m 700 "$PGDATA_DIR"
    if [[ $EUID -eq 0 ]]; then
      chown postgres:postgres "$PGDATA_DIR"
    fi
    if ! pg "$PG_BINDIR/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 \
           --no-locale >"$DEMO_DIR/initdb.log" 2>&1; then
      cat "$DEMO_DIR/initdb.log" >&2
      die "initdb failed"
    fi
  fi

  if ! cluster_running; then
    sr_say "starting PostgreSQL (socket in $PGDATA_DIR, port $PG_PORT, no TCP)"
    if ! pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/postgresql.log" -w -t 60 \
           -o "-c listen_addresses='' -p $PG_PORT -c unix_socket_directories='$PGDATA_DIR'" \
           start >/dev/null; then
      tail -n 20 "$PGDATA_DIR/postgresql.log" >&2 || true
      die "PostgreSQL did not start"
    fi
  fi

  if [[ $(pg "$PG_BINDIR/psql" -h "$PGDATA_DIR" -p "$PG_PORT" -U postgres -d postgres -XtAq \
            -c "SELECT 1 FROM pg_database WHERE datname = 'showroom'") != 1 ]]; then
    sr_say "creating database showroom"
    pg "$PG_BINDIR/createdb" -h "$PGDATA_DIR" -p "$PG_PORT" -U postgres showroom
  fi
}

start_server() {
  local pid

  if [[ -f $LOG_FILE ]]; then
    mv -f "$LOG_FILE" "$LOG_FILE.old"
  fi
  sr_say "starting showroomd on $LISTEN"
  # setsid: the server outlives this script and the terminal it ran in.
  setsid "$SHOWROOMD" --db "$CONNINFO" --listen "$LISTEN" --no-tls \
    </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"

  for _ in $(seq 300); do
    if grep -q "listening on" "$LOG_FILE" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  tail -n 20 "$LOG_FILE" >&2 || true
  stop_server
  die "showroomd did not start (log: $LOG_FILE)"
}

print_welcome() {
  local ctl="echo showroom-demo | $SHOWROOMCTL --server $LISTEN --no-tls"

  cat <<EOF

Showroom demo is running.

  server     $LISTEN (no TLS, this machine only)
  log        $LOG_FILE
  database   psql "$CONNINFO"

Demo logins, all with the password  showroom-demo
  admin@showroom.test          admin     Mumbai Central (sees every branch)
  manager@showroom.test        manager   Mumbai Central
  sales@showroom.test          sales     Mumbai Central
  pune.manager@showroom.test   manager   Pune East
  pune.sales@showroom.test     sales     Pune East
  blr.sales@showroom.test      sales     Bengaluru North

The app opens by itself where there is a display (it is build/client/showroom; start it
again with  build/client/showroom --server $LISTEN --no-tls). Sign in with one of the
logins above; its help button (i) lists them too.

Scripts and administrators can talk to the server with showroomctl, from $PWD:

  $ctl --email manager@showroom.test --password-stdin call branches.list
  $ctl --email admin@showroom.test --password-stdin call users.list
  $ctl --email admin@showroom.test --password-stdin call branches.create '{"name":"Nashik Road","city":"Nashik"}'
  $ctl --email manager@showroom.test --password-stdin call vehicles.create '{"vin":"MA3EWDE1S00123456","make":"Maruti","model":"Swift","year":2024,"price":"645000.00"}'
  $ctl --email sales@showroom.test --password-stdin call vehicles.list   # sales users never see cost
  $ctl --email sales@showroom.test --password-stdin call users.list    # forbidden: exit 1, error JSON on stderr

Watch the live feed in one terminal while you change vehicles from another (or in psql):

  $ctl --email sales@showroom.test --password-stdin watch

Run ./build-aux/demo.sh again to restart the server (the data stays);
stop the demo with  ./build-aux/demo.sh stop
EOF
}

case ${1:-start} in
  start) ;;
  stop)
    PG_BINDIR=$(find_pg_bindir)
    stop_server
    stop_cluster
    exit 0
    ;;
  -h | --help | help)
    sed -n '2,10s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
  *)
    echo "usage: $0 [start|stop]" >&2
    exit 2
    ;;
esac

sr_install_missing "${SR_PACKAGES[@]}"

sr_say "building build/"
sr_meson_setup build
# Only what the demo runs, so a test still being written cannot hold it up.
ninja -C build server/showroomd client/showroomctl client/showroom

PG_BINDIR=$(find_pg_bindir)
CONNINFO="host=$(conninfo_quote "$PGDATA_DIR") port=$PG_PORT dbname=showroom user=postgres"

# A server still running from an earlier demo would keep serving the old binary.
stop_server
start_cluster

sr_say "migrating"
"$SHOWROOMD" --db "$CONNINFO" --migrate
sr_say "adding demo data"
"$SHOWROOMD" --db "$CONNINFO" --seed-demo 500

start_server
print_welcome

# The app, with the demo's server filled in and its logins in the sign-in help.
if [[ -n ${DISPLAY:-}${WAYLAND_DISPLAY:-} && -x build/client/showroom ]]; then
  SHOWROOM_DEMO_LOGINS=$(printf '%s\n' \
    "admin@showroom.test   (admin, every branch)" \
    "manager@showroom.test (manager, Mumbai Central)" \
    "sales@showroom.test   (sales, Mumbai Central)" \
    "pune.manager@showroom.test, pune.sales@showroom.test, blr.sales@showroom.test" \
    "password: showroom-demo") \
    nohup build/client/showroom --server "$LISTEN" --no-tls >/dev/null 2>&1 &
  sr_say "the app is starting"
fi
