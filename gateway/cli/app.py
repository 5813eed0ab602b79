"""The `punchclock` command line: one typer app composed of the sub-apps each package owns.

This module is the composition root: it is the one place allowed to reach into `simulators/`
(for `sim` and `demo`) besides the tests, which is why those imports stay inside it.
"""

from __future__ import annotations

import typer

from gateway.cli.access import audit_app, token_app
from gateway.cli.db import db_app
from gateway.cli.departments import department_app
from gateway.cli.devices import serve, sync
from gateway.cli.keys import keys_app
from gateway.cli.leave import leave_app
from gateway.cli.notify import notify_app
from gateway.cli.payroll import app as payroll_app
from gateway.cli.payroll import export
from gateway.cli.people import badge_app, employee_app, piece_app
from gateway.cli.roster import roster_app
from gateway.cli.templates import templates_app
from gateway.cli.user_sync import devices_app
from gateway.cli.users import user_app
from simulators.cli import app as sim_app

app = typer.Typer(
    name="punchclock",
    help="Attendance-device gateway and payroll core.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(sim_app, name="sim", help="Run a simulated terminal that speaks the real protocol bytes.")
app.add_typer(payroll_app, name="payroll", help="Pay runs and pay case checks.")
app.add_typer(db_app, name="db", help="Database schema (Alembic migrations shipped in the package).")
app.add_typer(token_app, name="token", help="API tokens.")
app.add_typer(audit_app, name="audit", help="The hash-chained audit log.")
app.add_typer(user_app, name="user", help="Web-app logins: users and employees' activation codes.")
app.add_typer(keys_app, name="keys", help="The key file: audit chain key and data encryption keys.")
app.add_typer(employee_app, name="employee", help="Employees: the Excel sheet (template, import) and adding one.")
app.add_typer(devices_app, name="devices", help="Terminals: the users they hold (user sync).")
devices_app.add_typer(
    templates_app, name="templates", help="Fingerprint templates: copied between an office's terminals."
)
app.add_typer(
    badge_app,
    name="badge",
    help="Badge numbers: give one to an employee (re-maps its quarantine), set its card and device privilege.",
)
app.add_typer(department_app, name="department", help="Departments: the tree per office, managers, members.")
app.add_typer(
    roster_app, name="roster", help="Rosters: the month's Excel grid (export, import) and pattern assignment."
)
app.add_typer(leave_app, name="leave", help="Leave balances: the yearly accrual and manual adjustments.")
app.add_typer(notify_app, name="notify", help="Notifications: send the pending e-mail and group-robot deliveries.")
app.add_typer(piece_app, name="piece", help="Piece counts: import a CSV or XLSX file as one batch.")
app.command()(serve)
app.command()(sync)
app.command()(export)


@app.command()
def demo() -> None:
    """Start simulated terminals, download their punches through the drivers and print a summary."""
    from gateway.cli.demo import run_demo

    run_demo()


def main() -> None:
    app()
