#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed, for the store tests:
# test/store/postgres.ts starts a throwaway server from them for each test file and deletes it afterwards.
# Installs Debian's `postgresql` package with apt-get when they are missing (as root, or with passwordless
# sudo), without creating or starting the system's own cluster. Usage: scripts/ensure-postgres.sh
set -euo pipefail

found() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; }; }

if found; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "PostgreSQL is not installed and this system has no apt-get: install the PostgreSQL server and set PG_BIN to the folder holding initdb and pg_ctl." >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
  if ! sudo -n true 2>/dev/null; then
    echo "PostgreSQL is not installed; run as root (or: sudo apt-get install postgresql) to install it for the tests." >&2
    exit 1
  fi
  sudo=(sudo -n)
fi
echo "Installing PostgreSQL (Debian package postgresql) for the store tests..." >&2
# The tests run their own servers: no system cluster, and no service started by the package scripts.
"${sudo[@]}" mkdir -p /etc/postgresql-common
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  echo 'create_main_cluster = false' | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold postgresql >/dev/null
found || { echo "PostgreSQL was installed but initdb is not under /usr/lib/postgresql/*/bin" >&2; exit 1; }
