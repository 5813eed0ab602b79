"""`punchclock payroll …`: pay case checks (and, later, pay runs)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
