"""Fingerprint templates of employees, copied between the terminals of an office (`gateway.devices.templates`).

One row per employee and finger: the template bytes as the terminal's sensor algorithm wrote them, base64
text sealed by `gateway.access.vault` (column `finger_templates.template`, like the ID number): a template
is biometric data of a person. Only counts ever leave the store through the API.

`terminal_fingers` says which fingers of which employee each terminal holds, as the last template copy
pass read it and wrote to it (finger numbers only, no template bytes): the employee page's
"指纹: 2 枚 (已同步到 3 台考勤机)" and `GET /employees/{code}/fingerprints` are counted from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base


class EmployeeTemplate(Base):
    """A finger's template of an employee, first read from terminal `source_device_sn`."""

    __tablename__ = "finger_templates"
    __table_args__ = (UniqueConstraint("employee_id", "finger", name="uq_finger_templates_employee_finger"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    finger: Mapped[int] = mapped_column(Integer)  # 0-9, the terminal's finger index
    valid: Mapped[int] = mapped_column(Integer)  # as the terminal reported it (1; 3 = duress on some firmware)
    template: Mapped[str] = mapped_column(Text)  # sealed: pc1:<key id>:… of the base64 of the bytes
    source_device_sn: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(DateTime)


class TerminalFinger(Base):
    """Terminal `device_name` (serial `device_sn`) holds finger `finger` of the employee, seen by the copy
    pass at `seen_at`. By the config's name: a terminal not polled yet has no serial in `devices`."""

    __tablename__ = "terminal_fingers"
    __table_args__ = (
        UniqueConstraint("device_name", "employee_id", "finger", name="uq_terminal_fingers_device_employee_finger"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_name: Mapped[str] = mapped_column(String(100))
    device_sn: Mapped[str] = mapped_column(String(64))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    finger: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(DateTime)


class FaceTemplate(Base):
    """A face template of an employee (ADMS `BIODATA` Type 9, visible light), first uploaded by terminal
    `source_device_sn`, with the algorithm version (`major_ver`.`minor_ver`) and `format` the line carried:
    a face template works only on a terminal of the same face algorithm. Sealed like a finger's
    (`face_templates.template`); first wins per (employee, type, No, Index)."""

    __tablename__ = "face_templates"
    __table_args__ = (
        UniqueConstraint("employee_id", "bio_type", "no", "index", name="uq_face_templates_employee_type_no_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    bio_type: Mapped[int] = mapped_column(Integer)  # BIODATA Type: 9 a visible-light face
    no: Mapped[int] = mapped_column(Integer)
    index: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    duress: Mapped[int] = mapped_column(Integer)
    major_ver: Mapped[str] = mapped_column(String(16))
    minor_ver: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(Text)  # sealed: pc1:<key id>:… of the base64 of the bytes
    source_device_sn: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(DateTime)
