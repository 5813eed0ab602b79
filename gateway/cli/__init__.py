"""The `punchclock` command line (typer + rich), split by command group, and the demo.

`app` composes the groups: `common` (the `--config` option, loading the config, opening the store),
`devices` (`serve`, `sync`), `db` (`db upgrade`), `access` (`token`, `audit`), `payroll` (`payroll
check|run`, `export`), `report` (rich tables), `demo` (`punchclock demo`).

May import: everything. This is the composition root: the one place outside the tests that reaches
`api/` (to serve it) and `simulators/` (for `sim` and `demo`), and it does so inside the commands
that need them so that `punchclock --help` stays fast. Nothing imports the CLI.
"""
