"""Rosters: rotation patterns, crews and their members, and per-employee per-date roster cells.

Read for pay by `gateway.pay.rosters` (the shift of employee e on day d), written by `gateway.people.rosters`.
A shift is named as in the office's rule file (`payroll_core/rules/offices/*.toml`); NULL is a rest day.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base


class RosterPattern(Base):
    """A rotation of one office: `cycle_json` is a JSON list of 1–31 shift names, null for a rest day."""

    __tablename__ = "roster_patterns"
    __table_args__ = (UniqueConstraint("office_id", "code", name="uq_roster_patterns_office_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    cycle_json: Mapped[str] = mapped_column(Text)


class Crew(Base):
    """A crew (班组) working one pattern: day `start` is the pattern's first day for every member."""

    __tablename__ = "crews"
    __table_args__ = (UniqueConstraint("office_id", "code", name="uq_crews_office_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    pattern_id: Mapped[int] = mapped_column(ForeignKey("roster_patterns.id"))
    start: Mapped[date] = mapped_column(Date)


class CrewMember(Base):
    """An employee's crew (at most one; not dated: a move to another crew is a new row's crew)."""

    __tablename__ = "crew_members"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id"), index=True)


class RosterEntry(Base):
    """One roster cell: employee `employee_id` works `shift` on `day` (NULL: rests); beats any pattern."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("employee_id", "day", name="uq_roster_entries_employee_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    shift: Mapped[str | None] = mapped_column(String(50))
