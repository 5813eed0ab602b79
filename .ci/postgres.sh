#!/usr/bin/env bash
# Install PostgreSQL from Debian's packages and start it on 127.0.0.1:5432 with a punchclock role and database.
# Idempotent: safe to run when the server is already installed or running.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | grep -q "^$ver main"; then
    pg_createcluster "$ver" main >/dev/null
fi
pg_ctlcluster "$ver" main start 2>/dev/null || true
for _ in $(seq 1 30); do
    su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
done
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='punchclock'\"" | grep -q 1 \
    || su postgres -c "psql -qc \"create role punchclock login superuser password 'punchclock'\""
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='punchclock'\"" | grep -q 1 \
    || su postgres -c "createdb -O punchclock punchclock"
echo "postgres $ver ready on 127.0.0.1:5432"
