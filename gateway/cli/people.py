"""`punchclock employee import|add|template|change`, `punchclock badge map|set` and `punchclock piece import`: HR's
daily bulk tasks for scripts, through the same services and row reports as the API.

Exit status: 0 done, 2 bad input (a refused sheet or piece file with its row report, an unknown office,
a badge someone else has, …): nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, actor, console, prepare_store

if TYPE_CHECKING:
    from gateway.inputs import RowProblem
    from gateway.people.badges import DevicePrivilege

employee_app = typer.Typer(no_args_is_help=True)
badge_app = typer.Typer(no_args_is_help=True)
piece_app = typer.Typer(no_args_is_help=True)
EXIT_BAD_INPUT = 2
out = Console()


def _refused(what: str, problems: list[RowProblem]) -> typer.Exit:
    """Print a refused file's row report (one line per problem, as the API's `errors`); exit 2."""
    console.print(f"[red]{what}: nothing imported[/red], {len(problems)} problem(s):", highlight=False)
    for problem in problems:
        console.print(f"  {problem}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error[/red]: {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise _fail(f"cannot read {path}: {error.strerror or error}") from None


@employee_app.command("template")
def employee_template(
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the empty employee sheet (.xlsx).")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write the employee sheet to fill in: columns 工号 … 考勤号, lists of offices, shifts, pay bases and
    document types, and a 填写说明 sheet explaining each column."""
    from gateway.people.employee_sheet import template

    _config, factory = prepare_store(config)
    with factory() as session:
        content = template(session)
    out_file.write_bytes(content)
    out.print(f"wrote {out_file} ({len(content):,} bytes): fill it in and run `punchclock employee import`")


@employee_app.command("import")
def employee_import(
    file: Annotated[Path, typer.Argument(help="The filled employee sheet (.xlsx, from `employee template`).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row and report; store nothing.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Create or update (by 工号) every employee of the sheet with their badges and bank accounts — all rows or
    none: any problem prints the row report (`row N, column 月薪(元): …`) and exits 2."""
    from gateway.people.employee_import import EmployeeSheetError, import_sheet

    content = _read(file)
    _config, factory = prepare_store(config)
    try:
        with factory() as session, session.begin():
            report = import_sheet(session, file.name, content, actor(), dry_run=dry_run)
    except EmployeeSheetError as refused:
        raise _refused(refused.source, refused.problems) from None
    out.print(f"{file.name}: {report.rows} rows{' (dry run: nothing stored)' if dry_run else ''}", highlight=False)
    table = Table()
    table.add_column("", justify="left")
    table.add_column("employees", justify="right")
    table.add_column("codes", justify="left")
    for label, codes in (("created", report.created), ("updated", report.updated), ("unchanged", report.unchanged)):
        shown = ", ".join(codes[:20]) + (f" and {len(codes) - 20} more" if len(codes) > 20 else "")
        table.add_row(label, str(len(codes)), shown)
    out.print(table)
    out.print(
        f"badges added: {report.badges_added} (quarantined punches re-mapped: {report.remapped_punches}); "
        f"bank accounts set: {report.bank_accounts_set}",
        highlight=False,
    )


@employee_app.command("add")
def employee_add(
    code: Annotated[str, typer.Option("--code", help="工号: letters, digits, _ . - (at most 32).")],
    name: Annotated[str, typer.Option("--name", help="姓名.")],
    office: Annotated[str, typer.Option("--office", help="The office's name, as in the config.")],
    pay_basis: Annotated[str, typer.Option("--pay-basis", help="monthly | hourly | piece.")] = "monthly",
    monthly_salary: Annotated[
        str | None, typer.Option("--monthly-salary", help="Monthly salary in yuan, e.g. 6000.00 (monthly).")
    ] = None,
    hourly_rate: Annotated[
        str | None, typer.Option("--hourly-rate", help="Hourly rate in yuan, e.g. 25.00 (hourly).")
    ] = None,
    hired_on: Annotated[str | None, typer.Option("--hired-on", help="Hire date YYYY-MM-DD.")] = None,
    shift: Annotated[
        str | None, typer.Option("--shift", help="Own shift (SHIFT or RULES/SHIFT); default: the office's.")
    ] = None,
    badge: Annotated[
        list[str] | None, typer.Option("--badge", help="A company-wide badge number (repeat for several).")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Add one employee (checked as the API checks a new employee), with company-wide badges; the badges'
    quarantined punches are re-mapped to them."""
    from pydantic import ValidationError
    from sqlalchemy import select

    from api.schemas import EmployeeCreate
    from gateway.errors import GatewayError
    from gateway.people import badges as badge_records
    from gateway.people import employees as records
    from gateway.store import Employee
    from payroll_core.money import MoneyError, yuan_to_fen

    try:
        monthly = None if monthly_salary is None else yuan_to_fen(monthly_salary, "--monthly-salary")
        hourly = None if hourly_rate is None else yuan_to_fen(hourly_rate, "--hourly-rate")
    except MoneyError as error:
        raise _fail(f"{error} (an amount in yuan with at most two decimals, e.g. 6000.50)") from None
    fields = {
        "code": code,
        "name": name,
        "office": office,
        "pay_basis": pay_basis,
        "monthly_salary_fen": monthly,
        "hourly_rate_fen": hourly,
        "hired_on": hired_on,
        "shift_rule": shift,
    }
    try:
        checked = EmployeeCreate.model_validate(fields)
    except ValidationError as error:
        options = {
            "monthly_salary_fen": "--monthly-salary",
            "hourly_rate_fen": "--hourly-rate",
            "shift_rule": "--shift",
        }
        lines = [
            f"{options.get(str(e['loc'][0]), '--' + str(e['loc'][0]).replace('_', '-')) if e['loc'] else 'options'}: "
            + str(e["msg"]).removeprefix("Value error, ")
            for e in error.errors()
        ]
        raise _fail("; ".join(lines)) from None
    _config, factory = prepare_store(config)
    values = records.values_of({key: getattr(checked, key) for key in records.EMPLOYEE_FIELDS})
    try:
        with factory() as session, session.begin():
            if session.scalar(select(Employee.id).where(Employee.code == code)) is not None:
                raise _fail(f"employee code {code!r} is already used: pick another code")
            employee = records.add_employee(session, code, values, actor())
            moved = sum(badge_records.add_badge(session, employee, pin, None, actor()).remapped for pin in badge or [])
    except GatewayError as error:
        raise _fail(str(error)) from None
    out.print(f"employee {code} ({name}) added at {office}; {len(badge or [])} badge(s), {moved} punch(es) re-mapped")


@employee_app.command("change")
def employee_change(
    code: Annotated[str, typer.Argument(help="The employee's 工号.")],
    effective_from: Annotated[str, typer.Option("--from", help="The first day of the change, YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (shown in the history), e.g. 2026 年度调薪.")],
    salary: Annotated[str | None, typer.Option("--salary", help="New monthly salary in yuan, e.g. 9500.00.")] = None,
    hourly_rate: Annotated[str | None, typer.Option("--hourly-rate", help="New hourly rate in yuan.")] = None,
    pay_basis: Annotated[str | None, typer.Option("--pay-basis", help="monthly | hourly | piece.")] = None,
    office: Annotated[str | None, typer.Option("--office", help="New office (a transfer), by name.")] = None,
    si_city: Annotated[str | None, typer.Option("--si-city", help="City whose SI/HF rules apply.")] = None,
    si_base: Annotated[str | None, typer.Option("--si-base", help="Contribution base in yuan.")] = None,
    entity: Annotated[str | None, typer.Option("--entity", help="Employing entity (法人主体).")] = None,
    working_time: Annotated[
        str | None,
        typer.Option(
            "--working-time",
            help="工时制度: standard, comprehensive (综合计算工时, needs --wts-period and --wts-approval) or "
            "flexible (不定时, needs --wts-approval).",
        ),
    ] = None,
    wts_period: Annotated[
        str | None, typer.Option("--wts-period", help="Comprehensive hours' period: week, month, quarter or year.")
    ] = None,
    wts_approval: Annotated[
        str | None, typer.Option("--wts-approval", help="The labour bureau's approval number (审批文号).")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """A dated change of an employee's terms, from --from on (a raise, a transfer, a new entity); never an
    overwrite: the history keeps what it replaced. Refused inside a locked pay run's month or before hiring."""
    from datetime import date

    from sqlalchemy import select

    from gateway.people.employee_terms import TermsError, change_terms
    from gateway.store import Employee
    from payroll_core.money import MoneyError, yuan_to_fen

    try:
        day = date.fromisoformat(effective_from)
    except ValueError:
        raise _fail(f"--from {effective_from!r} is not a date like 2026-03-16") from None
    values: dict[str, object] = {}
    try:
        for key, text, option in (
            ("monthly_salary_fen", salary, "--salary"),
            ("hourly_rate_fen", hourly_rate, "--hourly-rate"),
            ("si_base_fen", si_base, "--si-base"),
        ):
            if text is not None:
                values[key] = yuan_to_fen(text, option)
    except MoneyError as error:
        raise _fail(f"{error} (an amount in yuan with at most two decimals, e.g. 9500.00)") from None
    given = {
        "pay_basis": pay_basis,
        "office": office,
        "si_city": si_city,
        "entity": entity,
        "working_time_system": working_time,
        "wts_period": wts_period,
        "wts_approval_no": wts_approval,
    }
    values.update({key: value for key, value in given.items() if value is not None})
    _config, factory = prepare_store(config)
    try:
        with factory() as session, session.begin():
            employee = session.scalar(select(Employee).where(Employee.code == code))
            if employee is None:
                raise _fail(f"no employee {code!r}")
            record = change_terms(session, employee, day, values, reason, actor())
    except TermsError as error:
        raise _fail(str(error)) from None
    out.print(f"employee {code}: change {record.id} from {day}: " + ", ".join(f"{k} = {v}" for k, v in values.items()))


CardOption = Annotated[
    str | None,
    typer.Option(
        "--card",
        help="The card number printed on the ZK card (digits, at most 10, up to 4294967295); 0 clears it. "
        "One card opens one badge per office.",
    ),
]
PrivilegeOption = Annotated[
    str | None,
    typer.Option("--privilege", help="What the terminals let this badge do: user, or admin (may open the menu)."),
]


def _card_and_privilege(card: str | None, privilege: str | None) -> tuple[int | None, DevicePrivilege | None]:
    """The --card and --privilege options checked (None = not given); exit 2 with the reason otherwise."""
    from gateway.people.badges import DEVICE_PRIVILEGES, card_number

    try:
        number = None if card is None else card_number(card)
    except ValueError as error:
        raise _fail(f"--card: {error}") from None
    if privilege is not None and privilege not in DEVICE_PRIVILEGES:
        raise _fail(f"--privilege {privilege!r}: write user or admin")
    return number, privilege


@badge_app.command("map")
def badge_map(
    pin: Annotated[str, typer.Argument(help="The badge number (PIN) as the terminal reports it.")],
    code: Annotated[str, typer.Argument(help="The employee's code (工号).")],
    device: Annotated[
        str | None, typer.Option("--device", help="Only on this terminal (serial number); default: company-wide.")
    ] = None,
    card: CardOption = None,
    privilege: PrivilegeOption = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Give a badge number to an employee (with its card number and device privilege) and re-map its
    quarantined punches to them; user sync then writes it to the office's terminals."""
    import re

    from sqlalchemy import select

    from drivers.base import MAX_PIN_LENGTH
    from gateway.people.badges import BadgeError, add_badge
    from gateway.store import Employee

    if re.fullmatch(rf"[A-Za-z0-9]{{1,{MAX_PIN_LENGTH}}}", pin) is None:
        raise _fail(f"PIN {pin!r}: a badge number is 1 to {MAX_PIN_LENGTH} letters and digits")
    number, level = _card_and_privilege(card, privilege)
    _config, factory = prepare_store(config)
    try:
        with factory() as session, session.begin():
            employee = session.scalar(select(Employee).where(Employee.code == code))
            if employee is None:
                raise _fail(f"employee {code!r} does not exist")
            added = add_badge(session, employee, pin, device, actor(), card=number or 0, privilege=level or "user")
    except BadgeError as error:
        raise _fail(str(error)) from None
    where = f"on {device}" if device else "company-wide"
    out.print(f"badge {pin} {where} → {code}; {added.remapped} quarantined punch(es) re-mapped", highlight=False)


@badge_app.command("set")
def badge_set(
    pin: Annotated[str, typer.Argument(help="The badge number (PIN) to change.")],
    device: Annotated[
        str | None, typer.Option("--device", help="The terminal of a terminal-only badge; default: company-wide.")
    ] = None,
    card: CardOption = None,
    privilege: PrivilegeOption = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Set a badge's card number and/or device privilege (options left out are kept); audited, and written to
    the office's terminals by the next user sync."""
    from sqlalchemy import select

    from gateway.people.badges import BadgeError, edit_badge
    from gateway.store import Badge, Employee

    if card is None and privilege is None:
        raise _fail("nothing to set: give --card and/or --privilege")
    number, level = _card_and_privilege(card, privilege)
    _config, factory = prepare_store(config)
    where = f"on {device}" if device else "company-wide"
    try:
        with factory() as session, session.begin():
            badge = session.scalar(
                select(Badge).where(
                    Badge.pin == pin, Badge.device_sn.is_(None) if device is None else Badge.device_sn == device
                )
            )
            if badge is None:
                raise _fail(f"no badge {pin} {where}: see the employee's badges (or give --device SERIAL)")
            employee = session.get_one(Employee, badge.employee_id)
            changed = edit_badge(
                session,
                employee,
                badge,
                badge.card if number is None else number,
                level or badge.device_privilege,  # type: ignore[arg-type]  # the table's check constraint
                actor(),
            )
            shown = f"card {badge.card or 'none'}, privilege {badge.device_privilege}"
    except BadgeError as error:
        raise _fail(str(error)) from None
    verb = "now has" if changed else "already had"
    out.print(f"badge {pin} {where} of {employee.code} {verb} {shown}", highlight=False)


@piece_app.command("import")
def piece_import(
    file: Annotated[
        Path, typer.Argument(help="Piece counts, .csv or .xlsx (columns: employee, period, item, qty, …).")
    ],
    name: Annotated[str | None, typer.Option("--name", help="The batch's name (default: the file's name).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and check; print totals per employee; store nothing.")
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Import a piece file as one batch — all rows or none: any problem prints the row report and exits 2."""
    from gateway.pay.piece_import import DuplicatePieceFile, PieceImportError, import_piece_file
    from gateway.pay.piece_preview import preview_piece_file

    content = _read(file)
    _config, factory = prepare_store(config)
    if dry_run:
        with factory() as session:
            seen = preview_piece_file(session, file.name, content)
        out.print(f"{file.name}: {seen.rows_read} rows read (dry run: nothing stored)", highlight=False)
        table = Table()
        for column in ("employee", "name", "rows", "qty", "rejects"):
            table.add_column(column, justify="left" if column in ("employee", "name") else "right")
        for total in seen.totals:
            table.add_row(total.employee, total.name, str(total.rows), str(total.qty), str(total.rejects))
        out.print(table)
        for note, _zh in seen.notes:
            console.print(f"[yellow]note[/yellow]: {note}", highlight=False, soft_wrap=True)
        if seen.problems:
            raise _refused(seen.source, seen.problems)
        return
    try:
        with factory() as session, session.begin():
            result = import_piece_file(session, file.name, content, actor(), name)
    except PieceImportError as refused:
        raise _refused(refused.source, refused.problems) from None
    except DuplicatePieceFile as duplicate:
        raise _fail(str(duplicate)) from None
    out.print(
        f"imported {result.imported} rows ({result.qty} pieces, {', '.join(result.periods)}) as piece batch "
        f"{result.batch_id} ({result.name!r})",
        highlight=False,
    )
