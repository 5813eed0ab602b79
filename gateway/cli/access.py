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
    """Recompute the audit log's hash chain; exit 1 naming the first row that was edited or follows a deleted one."""
    from sqlalchemy import func, select

    from gateway.access.audit import verify_chain
    from gateway.store import AuditLog

    factory = open_store(load_checked_config(config))
    with factory() as session:
        broken = verify_chain(session)
        rows = session.scalar(select(func.count()).select_from(AuditLog))
        if broken is None:
            console.print(f"audit chain intact ({rows} rows)")
            return
        row = session.get(AuditLog, broken)
        assert row is not None
    console.print(
        f"[red]audit chain broken at row {broken}[/red] ({row.at.isoformat()}Z {row.actor} {row.action} "
        f"{row.target}): that row was edited, or the row before it was deleted",
        highlight=False,
    )
    raise typer.Exit(1)
