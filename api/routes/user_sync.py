"""User sync routes: `POST /devices/{ref}/users/sync` (the plan, applied unless `dry_run`) and
`GET /employees/{code}/terminal-access` (where the employee's badges were written and removed) and
`GET /employees/{code}/fingerprints` (the fingers stored and which terminals hold them: counts and finger
numbers, never a template byte).

The sync runs `gateway.devices.user_sync.sync_device` under the terminal's lease (busy: 409 naming the
holder); ADMS terminals get their commands queued in the database (`gateway.devices.push_commands`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from api.auth import READERS, WRITERS, require
from api.db import read
from api.errors import BadGateway, Conflict, NotFound
from api.routes.employees import find_employee
from api.routing import ApiRouter
from api.schemas import FingerprintsOut, TerminalAccessOut, TerminalFingersOut, UserSyncChangeOut, UserSyncPlanOut
from gateway.access.tokens import Principal
from gateway.devices.templates import fingerprints_of
from gateway.devices.user_sync import removals_of, sync_device

router = ApiRouter(tags=["user sync"])


@router.post("/devices/{ref}/users/sync")
def sync_users_of_device(
    request: Request,
    ref: str,
    who: Annotated[Principal, require(*WRITERS)],
    dry_run: Annotated[bool, Query(description="Only compute the plan; change nothing.")] = False,
) -> UserSyncPlanOut:
    """Make the terminal hold exactly its office's current employees; returns the plan (and whether it was
    applied). Unknown users on the terminal are reported, deleted only under `delete_unknown_users`."""
    config = request.app.state.settings.config
    try:
        device = config.device(ref)
    except KeyError:
        raise NotFound(
            f"no configured device with serial number or name {ref!r}: user sync needs it in the config"
        ) from None
    plan = sync_device(
        request.app.state.session_factory,
        device,
        config.office(device.office),
        dry_run=dry_run,
        actor=who.name,
    )
    if plan.busy:
        raise Conflict(f"{plan.error}")
    if plan.error is not None:
        raise BadGateway(f"user sync of {device.label} failed: {plan.error}")
    return UserSyncPlanOut(
        device=plan.device,
        sn=plan.sn,
        kind=plan.kind,
        dry_run=plan.dry_run,
        applied=plan.applied,
        changes=[
            UserSyncChangeOut(
                action=c.action,
                pin=c.pin,
                name=c.name,
                card=c.card,
                privilege=c.privilege,
                employee=c.employee,
                reason=c.reason,
            )
            for c in plan.changes
        ],
    )


@router.get("/employees/{code}/terminal-access")
def terminal_access(
    request: Request, code: str, _who: Annotated[Principal, require(*READERS)]
) -> list[TerminalAccessOut]:
    """The terminals the employee's badges were written to, and where and when they were removed."""
    with read(request) as session:
        employee = find_employee(session, code)
        return [
            TerminalAccessOut(
                device=dev.name,
                sn=dev.sn,
                pin=row.pin,
                written_at=row.written_at,
                removed_at=row.removed_at,
                removal_reason=row.removal_reason,
            )
            for row, dev in removals_of(session, employee.id)
        ]


@router.get("/employees/{code}/fingerprints")
def fingerprints(request: Request, code: str, _who: Annotated[Principal, require(*READERS)]) -> FingerprintsOut:
    """The employee's fingers stored in punchclock and, per terminal, the fingers it holds as the last
    template copy saw them; `synced_terminals` counts the terminals holding every stored finger."""
    with read(request) as session:
        employee = find_employee(session, code)
        found = fingerprints_of(session, employee.id)
        return FingerprintsOut(
            stored=len(found.fingers),
            fingers=found.fingers,
            synced_terminals=found.synced_terminals,
            terminals=[
                TerminalFingersOut(device=t.device, sn=t.sn, fingers=t.fingers, count=len(t.fingers), seen_at=t.seen_at)
                for t in found.terminals
            ],
        )
