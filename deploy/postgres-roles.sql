-- punchclock on a shared PostgreSQL: three roles, each allowed what its processes do and nothing more.
--
--   owner    runs the migrations (`punchclock db upgrade`, `db restore`); owns the database, its schema and tables
--   gateway  `punchclock serve` of a site: punches, quarantine, device state, leases, notifications, backups
--            (pg_dump reads every table); it reads the pay tables but can never write them
--   api      `punchclock serve --api-only` and the HR commands: reads and writes rows (pay runs included),
--            but owns nothing, so it cannot drop or alter a table, nor create one
--
-- Run it as a superuser (or a role with CREATEROLE that owns the database), connected to the punchclock database:
--   psql -v ON_ERROR_STOP=1 -d punchclock -f deploy/postgres-roles.sql
-- then set each role's password (\password punchclock_gateway, ...). The role names can be changed with
-- -v owner=... -v gateway=... -v api=... . Run it again after every `punchclock db upgrade`: it is idempotent,
-- and it is what keeps a table added by a new migration out of the gateway's reach if it holds pay.

\set ON_ERROR_STOP on
\if :{?owner}
\else
\set owner punchclock_owner
\endif
\if :{?gateway}
\else
\set gateway punchclock_gateway
\endif
\if :{?api}
\else
\set api punchclock_api
\endif

-- The roles (login roles without a password until one is set).
SELECT format('CREATE ROLE %I LOGIN', name)
FROM unnest(ARRAY[:'owner', :'gateway', :'api']) AS name
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) \gexec

-- The owner owns the database, the schema and every table in it (a database migrated earlier by another role is
-- handed over); nobody else may create anything in the schema.
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'owner') \gexec
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('ALTER TABLE public.%I OWNER TO %I', tablename, :'owner')
FROM pg_tables WHERE schemaname = 'public' AND tableowner <> :'owner' \gexec

-- Connect, use the schema, and make temporary tables (the PostgreSQL ingest COPYs punches into one).
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I, %I', current_database(), :'gateway', :'api') \gexec
GRANT USAGE ON SCHEMA public TO :"gateway", :"api";

-- Rows: both roles read and write every table, today's and the ones later migrations create (as the owner) ...
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"gateway", :"api";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"gateway", :"api";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"gateway", :"api";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"gateway", :"api";

-- ... except that the gateway only reads pay: runs, payslips and their lines, and what a run is computed from or
-- leads to (pieces, month inputs, opening balances, bank accounts, receipts).
SELECT format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE public.%I FROM %I', name, :'gateway')
FROM unnest(ARRAY[
    'payruns', 'payslips', 'payslip_lines', 'piece_batches', 'piece_records', 'pay_month_inputs',
    'opening_balances', 'bank_accounts', 'payslip_receipts'
]) AS name
WHERE to_regclass(format('public.%I', name)) IS NOT NULL \gexec
