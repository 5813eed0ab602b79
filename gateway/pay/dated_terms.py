"""Reading dated employee terms for pay: the records in force, the terms on a day, a month cut into segments.

The records (`EmployeeTerms`) are written by `gateway.people.employee_terms`, which holds the rules of the room
(never an overwrite, corrections keep what they replace); the pay side only reads them, here, so it stays below
the people package in the layers. The terms on day D are the `employees` row overlaid, in (effective_from, id)
order, by every record in force from on or before D; before the first record's day, the first record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.pay.id_chunks import by_id_chunks
from gateway.store import Department, Employee, EmployeeTerms, Office

#: The fields a dated record may set. `office` by name, `department` by code; `si_base_fen` (the contribution
#: base, None = the default of the pay rules) and `entity` (the employing entity, 法人主体; None = the company's
#: one entity) live only in the records, the others are mirrored into the `employees` columns of the same name.
#: `working_time_system` (standard | comprehensive | flexible), `wts_period` (comprehensive: week | month | quarter
#: | year) and `wts_approval_no` (the labour bureau's approval number) are read by `gateway.pay.working_time`.
TERM_FIELDS = (
    "pay_basis",
    "monthly_salary_fen",
    "hourly_rate_fen",
    "office",
    "department",
    "shift_rule",
    "si_city",
    "si_base_fen",
    "special_deductions_fen",
    "entity",
    "working_time_system",
    "wts_period",
    "wts_approval_no",
)
MIRRORED = (
    "pay_basis",
    "monthly_salary_fen",
    "hourly_rate_fen",
    "shift_rule",
    "si_city",
    "special_deductions_fen",
    "working_time_system",
    "wts_period",
    "wts_approval_no",
)


@dataclass(frozen=True)
class Segment:
    """Days `first`..`last` of a month (inclusive) under one set of terms."""

    first: date
    last: date
    terms: dict[str, Any]


def row_terms(
    employee: Employee, offices: Mapping[int | None, str], departments: Mapping[int | None, str]
) -> dict[str, Any]:
    """The terms the `employees` row holds (what an employee without records has on every day)."""
    return {
        **{key: getattr(employee, key) for key in MIRRORED},
        "office": offices.get(employee.office_id),
        "department": departments.get(employee.department_id),
        "si_base_fen": None,
        "entity": None,
    }


def names(session: Session) -> tuple[dict[int | None, str], dict[int | None, str]]:
    """Office names and department codes by id."""
    offices: dict[int | None, str] = {row.id: row.name for row in session.execute(select(Office.id, Office.name))}
    departments: dict[int | None, str] = {
        row.id: row.code for row in session.execute(select(Department.id, Department.code))
    }
    return offices, departments


class DatedRecord(NamedTuple):
    """The columns of an `EmployeeTerms` row that reading the terms needs."""

    id: int
    employee_id: int
    effective_from: date
    values_json: str
    corrects_id: int | None


def records_in_force(session: Session, employee_ids: Iterable[int]) -> dict[int, list[DatedRecord]]:
    """Each employee's records in force (not superseded), in (effective_from, id) order.

    Read as plain rows: a pay run reads every employee's records (100,000 and more), and ORM objects of them
    cost several times the query."""
    t = EmployeeTerms.__table__.c
    rows = [
        DatedRecord._make(row)
        for row in by_id_chunks(
            employee_ids,
            lambda ids: session.execute(
                select(t.id, t.employee_id, t.effective_from, t.values_json, t.corrects_id).where(
                    t.employee_id.in_(ids)
                )
            ),
        )
    ]
    replaced = {r.corrects_id for r in rows if r.corrects_id is not None}
    found: dict[int, list[DatedRecord]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.effective_from, r.id)):
        if row.id not in replaced:
            found[row.employee_id].append(row)
    return found


def fold(base: Mapping[str, Any], records: Sequence[DatedRecord | EmployeeTerms], day: date) -> dict[str, Any]:
    """The terms on `day`: `base` overlaid by the records from on or before it (the first record in any case)."""
    terms = dict(base)
    for k, record in enumerate(records):
        if record.effective_from > day and k > 0:
            break
        terms.update(json.loads(record.values_json))
    return terms


def paying_office(session: Session, employees: list[Employee], last: date) -> dict[int, str | None]:
    """Per employee id, the office (name) in force on their last employed day up to `last`: the office whose run
    pays that month (a transfer month is paid by the office moved to; its days still count under each office's
    rules, see `month_segments`). Bulk-read like `month_segments`."""
    records = records_in_force(session, [e.id for e in employees])
    offices, departments = names(session)
    return {
        e.id: fold(row_terms(e, offices, departments), records.get(e.id, []),
                   min(last, e.left_on) if e.left_on is not None else last)["office"]
        for e in employees
    }  # fmt: skip


def month_segments(session: Session, employees: list[Employee], first: date, last: date) -> dict[int, list[Segment]]:
    """Per employee id, the days `first`..`last` cut where a record takes effect, each piece with its terms.

    An employee without a record inside the month has one segment; bulk-read (chunks of ids), so a run of
    100,000 employees costs one query per chunk, not one per employee."""
    records = records_in_force(session, [e.id for e in employees])
    offices, departments = names(session)
    found: dict[int, list[Segment]] = {}
    for e in employees:
        base = row_terms(e, offices, departments)
        mine = records.get(e.id, [])
        cuts = sorted({r.effective_from for r in mine if first < r.effective_from <= last})
        starts = [first, *cuts]
        ends = [date.fromordinal(d.toordinal() - 1) for d in cuts] + [last]
        found[e.id] = [Segment(s, t, fold(base, mine, s)) for s, t in zip(starts, ends, strict=True)]
    return found
