"""`punchclock payroll …`: pay case checks (and, later, pay runs)."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)

EXIT_MISMATCH = 1
EXIT_BAD_FILE = 2


@app.callback()
def payroll() -> None:
    """Pay runs and pay case checks."""


@app.command()
def check(
    files: list[Path] = typer.Argument(..., help="Pay case files (YAML, format in DESIGN.md)"),
) -> None:
    """Run pay case files; print each mismatch as `case, employee, field: expected X fen, got Y fen`.

    Exit status: 0 all match, 1 any mismatch, 2 a case file is malformed (the message names file, case, key).
    """
    from payroll_core.cases import CaseFileError, run_files

    cases = fields = mismatches = 0
    try:
        for report in run_files(files):
            cases += 1
            fields += report.checked
            for mismatch in report.mismatches:
                mismatches += 1
                typer.echo(str(mismatch))
    except CaseFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_FILE) from None
    typer.echo(f"{cases} cases, {fields} fields checked, {mismatches} mismatches")
    if mismatches:
        raise typer.Exit(EXIT_MISMATCH)
