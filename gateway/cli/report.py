"""Rich tables of a pay run for the terminal (`punchclock payroll run`, `punchclock demo`)."""

from __future__ import annotations

from rich.table import Table

from gateway.store import Employee, PayRun, Payslip
from payroll_core.money import fen_to_yuan


def payrun_table(run: PayRun, slips: list[tuple[Payslip, Employee]], largest: int | None = None) -> Table:
    """One row per payslip (or only the `largest` by gross), amounts in yuan, totals in the caption."""
    shown = sorted(slips, key=lambda s: -s[0].gross_fen)[:largest] if largest else slips
    title = f"pay run {run.id}: {run.period}, {run.scope}, {run.status}"
    if largest:
        title += f" — the {len(shown)} largest of {len(slips)} payslips"
    table = Table(
        title=title,
        caption=f"{len(slips)} payslips; gross {fen_to_yuan(run.gross_total_fen)} yuan, "
        f"net {fen_to_yuan(run.net_total_fen)} yuan",
    )
    for name, justify in (
        ("employee", "left"),
        ("name", "left"),
        ("gross", "right"),
        ("SI+HF", "right"),
        ("IIT", "right"),
        ("net", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for slip, employee in shown:
        figures = slip.figures
        table.add_row(
            employee.code,
            employee.name,
            fen_to_yuan(slip.gross_fen),
            fen_to_yuan(figures["si_employee_fen"] + figures["hf_employee_fen"]),
            fen_to_yuan(slip.iit_fen),
            fen_to_yuan(slip.net_fen),
        )
    return table
