"""The pay side: stored punches → attendance → `payroll_core` → payslips, and the files HR hands on.

`attendance` assembles a month's punches and corrections into columns for the attendance kernel;
`payrun` creates, computes, diffs and locks pay runs; `exports` writes the files HR hands on (pay sheet,
bank batch, IIT imports, 考勤月报); `piece_import` reads piece-count files (CSV/XLSX) all-or-nothing, each as
one batch; `piece_batches` lists and deletes those batches.

May import: `payroll_core`, `gateway.access`, `gateway.store`, `gateway.config`, `gateway.errors`.
Never `gateway.devices` (pay reads what the device side stored, not the terminals), `gateway.cli`
or `api`.
"""
