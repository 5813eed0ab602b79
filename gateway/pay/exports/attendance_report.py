"""考勤月报: the month's attendance per employee, one sheet per office, from the attendance assembly.

Made by `gateway.pay.attendance.month_attendance` (the same figures a pay run is computed from, for every
employee employed in the month, whether a pay run exists or not): scheduled and worked days, late and
early-leave counts (days) and minutes, whole and half days absent, leave by type, overtime hours by day
type (工作日 / 休息日 / 法定节假日) and missing punches. Attendance records no leave yet (the requests issue adds
leave types), so the leave columns are present and zero. Each office sheet has a title row (company, office,
period, when the report was made on the office's clock) and a 合计 row of exact sums.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.pay.attendance import month_attendance, parse_period
from gateway.pay.exports.rows import ExportError
from gateway.pay.exports.workbook import Column, Value, new_workbook, save, total_row, write_table
from gateway.store import Office
from payroll_core.attendance import Fact

LEAVE_TYPES = (
    ("事假", "Personal leave"),
    ("病假", "Sick leave"),
    ("年假", "Annual leave"),
    ("调休", "Time off in lieu"),
)
COLUMNS = (
    Column("工号", "Employee no.", "text"),
    Column("姓名", "Name", "text"),
    Column("应出勤天数", "Scheduled days", "count"),
    Column("实出勤天数", "Days worked", "count"),
    Column("迟到次数", "Late (days)", "count"),
    Column("迟到分钟", "Late (minutes)", "count"),
    Column("早退次数", "Left early (days)", "count"),
    Column("早退分钟", "Left early (minutes)", "count"),
    Column("旷工天数", "Absent (days)", "count"),
    Column("旷工半天次数", "Absent (half days)", "count"),
    *(Column(f"{zh}(天)", f"{en} (days)", "count") for zh, en in LEAVE_TYPES),
    Column("工作日加班(小时)", "Overtime, workdays (h)", "hours"),
    Column("休息日加班(小时)", "Overtime, rest days (h)", "hours"),
    Column("法定节假日加班(小时)", "Overtime, public holidays (h)", "hours"),
    Column("缺卡次数", "Missing punches", "count"),
)


def attendance_xlsx(
    session: Session, period: str, office: str | None, company: str, lang: str = "zh", now: datetime | None = None
) -> bytes:
    month = parse_period(period)
    offices = list(session.scalars(select(Office).order_by(Office.name)))
    if office is not None:
        offices = [o for o in offices if o.name == office]
        if not offices:
            raise ExportError(
                f"no office {office!r}; offices: {', '.join(o.name for o in session.scalars(select(Office)))}"
            )
    made = now or datetime.now(UTC)
    workbook = new_workbook()
    for place in offices:
        att = month_attendance(session, month, place)
        if not att.employees:
            continue
        facts = att.facts
        late_days = (facts[:, :, Fact.LATE_MINUTES] > 0).sum(axis=1)
        early_days = (facts[:, :, Fact.EARLY_MINUTES] > 0).sum(axis=1)
        rows: list[list[Value]] = []
        for i, employee in enumerate(att.employees):
            s = att.row(i)
            rows.append(
                [
                    employee.code,
                    employee.name,
                    s["employed_days"],
                    s["worked_days"],
                    int(late_days[i]),
                    s["late_minutes"],
                    int(early_days[i]),
                    s["early_minutes"],
                    s["absent_days"],
                    s["absent_half_days"],
                    *([0] * len(LEAVE_TYPES)),
                    s["ot_workday_minutes"],
                    s["ot_restday_minutes"],
                    s["ot_holiday_minutes"],
                    s["missing_punches"],
                ]
            )
        stamp = made.astimezone(ZoneInfo(place.timezone)).strftime("%Y-%m-%d %H:%M")
        what = ("考勤月报", f"制表于 {stamp}") if lang == "zh" else ("attendance report", f"made {stamp}")
        title = "  ".join(p for p in (company, place.name, period, *what) if p)
        write_table(
            workbook,
            place.name,
            title,
            COLUMNS,
            rows,
            lang,
            total_row("合计" if lang == "zh" else "Total", COLUMNS, rows),
        )
    if not workbook.worksheets:
        raise ExportError(f"no employee of {office or 'any office'} is employed in {period}; nothing to report")
    return save(workbook)
