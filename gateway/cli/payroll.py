"""`punchclock payroll check|run|opening-balances` and `punchclock export`: pay case checks, pay runs, opening
balances and the files of a pay month."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, actor

app = typer.Typer(no_args_is_help=True)


def _pay_month(text: str) -> str:
    """`--period` checked like every pay month (YYYY-MM of 2000..2099) before anything is opened."""
    from gateway.pay.attendance import AttendanceError, parse_period

    try:
        parse_period(text)
    except AttendanceError as error:
        raise typer.BadParameter(str(error)) from None
    return text


PeriodOption = Annotated[
    str, typer.Option("--period", help="Pay month YYYY-MM (years 2000 to 2099)", callback=_pay_month)
]

EXIT_MISMATCH = 1
EXIT_BAD_FILE = 2


@app.callback()
def payroll() -> None:
    """Pay runs and pay case checks."""


@app.command()
def check(
    files: Annotated[
        list[Path], typer.Argument(help='Pay case files (YAML, format in docs/ARCHITECTURE.md, "Pay case files")')
    ],
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


@app.command("run")
def run(
    period: PeriodOption,
    config: ConfigOption = DEFAULT_CONFIG,
    scope: Annotated[str, typer.Option("--scope", help="An office name, or 'all' offices")] = "all",
    lock: Annotated[
        bool, typer.Option("--lock", help="Lock the run after computing it (it becomes immutable)")
    ] = False,
    acknowledge: Annotated[
        list[str] | None,
        typer.Option(
            "--acknowledge",
            help="With --lock: a warning code you have checked and accept (repeat for several): "
            "net_not_positive, no_punches, open_quarantine, stale_terminals, no_bank_account, changed_since_compute, "
            "housing_fund_rate, damages_over_limit, overtime_over_limit",
        ),
    ] = None,
) -> None:
    """Create (or reuse the unlocked run of) the period, compute it, print the payslips and what changed.

    With --lock the computed run is then locked, unless it has warnings not acknowledged (they are
    listed; the computed run stays, unlocked). Exit status: 0 done, 2 the run cannot be computed or
    locked (the message says why: locked already, missing salary, warnings, ...).
    """
    from rich.console import Console

    from gateway.cli.common import prepare_store
    from gateway.cli.report import payrun_table
    from gateway.errors import GatewayError
    from gateway.pay.payrun import PayRunWarnings, lock_payrun, payslips_of, run_payroll

    _config, factory = prepare_store(config)
    console = Console()
    try:
        with factory() as session, session.begin():
            payrun, changes = run_payroll(session, period, scope, actor())
            console.print(payrun_table(payrun, payslips_of(session, payrun.id)))
    except GatewayError as error:
        console.print(f"[red]pay run not computed[/red]: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_FILE) from None
    for change in changes:
        console.print(f"changed: {change.employee} {change.field}: {change.old} → {change.new}", highlight=False)
    if lock:
        try:
            with factory() as session, session.begin():
                result = lock_payrun(session, payrun.id, actor(), acknowledge or ())
        except PayRunWarnings as refused:
            console.print(f"[red]pay run {payrun.id} computed but not locked[/red]:", highlight=False)
            for warning in refused.warnings:
                console.print(f"  {warning.code}: {warning.message}", highlight=False, soft_wrap=True)
            console.print("fix these, or pass --acknowledge CODE for each you accept", highlight=False)
            raise typer.Exit(EXIT_BAD_FILE) from None
        except GatewayError as error:
            console.print(f"[red]pay run not locked[/red]: {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_FILE) from None
        payrun = result.run
        console.print(f"locked; digest {result.digest}", highlight=False)
        if result.anchor is not None:
            console.print(
                f"audit anchor: seq {result.anchor.seq}, head {result.anchor.head} ({result.anchor.at} UTC); "
                "keep this line: `punchclock audit verify` checks the log against it",
                highlight=False,
            )
    console.print(f"pay run {payrun.id} {payrun.status}; rules {payrun.rules_version}", highlight=False)


@app.command("opening-balances")
def opening_balances(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX with the columns 工号, 姓名, 截至月份, 累计月数, 累计收入额, 累计专项扣除, "
            "累计专项附加扣除, 累计其他扣除, 累计已预缴税额 (amounts in yuan)"
        ),
    ],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Import what employees were paid and withheld this tax year before the company used punchclock.

    One row per employee: the year-to-date figures through the last month paid elsewhere (截至月份). The year's
    later pay runs add them to their cumulative withholding. All rows or none: every problem is listed by row and
    column. Exit status: 0 imported, 2 refused (nothing stored) or the file cannot be read.
    """
    from gateway.cli.common import prepare_store
    from gateway.pay.opening_balances import OpeningBalanceImportError, import_opening_balances

    try:
        content = file.read_bytes()
    except OSError as error:
        typer.echo(f"error: {file}: cannot read: {error.strerror}", err=True)
        raise typer.Exit(EXIT_BAD_FILE) from None
    _config, factory = prepare_store(config)
    try:
        with factory() as session, session.begin():
            result = import_opening_balances(session, file.name, content, actor())
    except OpeningBalanceImportError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_BAD_FILE) from None
    years = ", ".join(map(str, result.tax_years))
    typer.echo(
        f"imported {result.imported} opening balances ({result.replaced} replaced) of tax year {years} from {file}"
    )


KindOption = Annotated[
    str,
    typer.Option(
        "--kind",
        help="pay-sheet (工资表) | bank (代发工资, locked runs) | iit (正常工资薪金所得) | "
        "iit-bonus (全年一次性奖金收入) | iit-people (人员信息采集) | attendance (考勤月报)",
    ),
]


def _write_export(
    config: Path, period: str, kind: str, fmt: str | None, office: str | None, lang: str, template: str, out: Path
) -> None:
    """Make the export, write it to `out`, and list who a bank file or an IIT filing leaves out."""
    from gateway.cli.common import prepare_store
    from gateway.errors import GatewayError
    from gateway.pay.exports import bank_batch, export, iit_filing
    from payroll_core.money import fen_to_yuan

    loaded, factory = prepare_store(config)
    try:
        with factory() as session:
            made = export(
                session, period, kind, fmt, office=office, lang=lang, template=template, company=loaded.company.name
            )
            bank = bank_batch(session, period, office) if kind == "bank" else None
            filing = iit_filing(session, period, office) if kind.startswith("iit") else None
    except GatewayError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_BAD_FILE) from None
    out.write_bytes(made.content)
    typer.echo(f"wrote {out} ({len(made.content)} bytes)")
    if bank is not None:
        typer.echo(f"{bank.paid} transfers, {fen_to_yuan(bank.total_fen)} yuan in all")
        for left in bank.excluded:
            typer.echo(
                f"not in the file: {left.employee} {left.name} ({fen_to_yuan(left.net_fen)} yuan): {left.reason}"
            )
    if filing is not None:
        typer.echo(f"{len(filing.filed)} employees filed")
        for missing in filing.missing:
            typer.echo(f"not in the file: {missing.employee} {missing.name}: {missing.reason}")


@app.command("export")
def payroll_export(
    period: Annotated[str, typer.Argument(help="Pay month YYYY-MM (years 2000 to 2099)", callback=_pay_month)],
    out: Annotated[Path, typer.Option("-o", "--out", help="File to write")],
    kind: KindOption = "pay-sheet",
    fmt: Annotated[
        str | None, typer.Option("--format", help="xlsx | csv (pay-sheet: csv is in fen; bank: csv by default)")
    ] = None,
    office: Annotated[
        str | None,
        typer.Option(
            "--office", help="One office's file (e.g. a bank file per paying account); all offices when left out"
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh | en: header language of the pay sheet and 考勤月报")] = "zh",
    template: Annotated[str, typer.Option("--template", help="Bank template: generic | generic-gbk")] = "generic",
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write one of the files a payroll office hands on for a pay month.

    The pay sheet of a run not yet locked is marked 草稿/DRAFT; the bank file and the IIT imports need locked
    runs. A bank file never holds a zero or negative amount nor anyone without a bank account at the lock, and
    the IIT imports list only employees with an ID number: the others are listed here.
    """
    _write_export(config, period, kind, fmt, office, lang, template, out)


def export(
    period: PeriodOption,
    fmt: Annotated[
        str, typer.Option("--format", help="xlsx | csv (pay sheet) | bank (transfer file, locked runs only)")
    ],
    out: Annotated[Path, typer.Option("--out", help="File to write")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write the pay sheet or the bank transfer file of a pay month (see `punchclock payroll export` for all files).

    The bank file never holds a zero or negative amount, nor anyone without a bank account at the lock:
    those are listed here for HR to settle another way.
    """
    kind, chosen = ("bank", None) if fmt == "bank" else ("pay-sheet", fmt)
    _write_export(config, period, kind, chosen, None, "zh", "generic", out)
