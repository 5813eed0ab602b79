"""`punchclock token create` and `punchclock audit verify`."""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.cli.common import DEFAULT_CONFIG, ConfigOption, console, load_checked_config, open_store

token_app = typer.Typer(no_args_is_help=True)
audit_app = typer.Typer(no_args_is_help=True)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the token, e.g. hr-laptop.")],
    role: Annotated[str, typer.Option("--role", help="admin | hr | viewer | employee")],
    employee: Annotated[
        str | None, typer.Option("--employee", help="Employee code (only for --role employee).")
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            help="When the token stops working: a duration (90d, 12h), a date (2027-01-31: the start of that day "
            "in this computer's time zone) or a time with its offset (2027-01-31T18:00:00+08:00). "
            "Default: never.",
        ),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Issue an API token and print its secret once (only its SHA-256 digest is stored)."""
    from gateway.access.tokens import TokenError, issue_token, parse_expiry, utc_text
    from gateway.store import utcnow

    try:
        expires_at = parse_expiry(expires, utcnow()) if expires is not None else None
        factory = open_store(load_checked_config(config))
        with factory() as session, session.begin():
            row, secret = issue_token(session, name, role, employee, "cli", expires_at=expires_at)
    except TokenError as error:
        console.print(f"[red]token not created[/red]: {error}", highlight=False)
        raise typer.Exit(2) from None
    until = f", valid until {utc_text(row.expires_at)}" if row.expires_at is not None else ""
    console.print(f"token {row.name!r} (role {row.role}{until}) created; it is shown only now:", highlight=False)
    print(secret)


@audit_app.command("verify")
def audit_verify(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Check the audit chain, its anchors, every locked pay run and every bank account.

    Prints what each finding is (edited, re-chained, missing, reordered, truncated, emptied rows; pay runs
    or bank accounts changed outside punchclock) and where; exit 1 if there is any, 0 when all is intact.
    """
    from gateway.access.verify import verify_all

    factory = open_store(load_checked_config(config))
    with factory() as session:
        report = verify_all(session)
    summary = (
        f"{report.rows} audit rows (head seq {report.head_seq}), {report.anchors} anchors, "
        f"{report.locked_runs} locked pay runs, {report.bank_accounts} bank accounts checked"
    )
    for note in report.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)
    if report.intact:
        console.print(f"audit log intact: {summary}", highlight=False)
        return
    console.print(f"[red]{len(report.findings)} finding(s)[/red] in {summary}:", highlight=False)
    for finding in report.findings:
        console.print(f"  [red]{finding.kind}[/red]: {finding.message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)
