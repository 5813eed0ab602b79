"""Request and response bodies of the HTTP API (pydantic v2). Money is integer fen, never a float.

Times the API returns are UTC with an explicit offset, except `ts_local`, which is the terminal's own
wall clock exactly as it reported it. Times the API accepts must carry an offset (`…+08:00` or `…Z`):
a bare local time is ambiguous across offices, so it is refused rather than guessed.

Every date, time and pay month the API accepts keeps to the years 2000 to 2099, every id to a signed
64-bit integer, and every name is free of control characters: the rules of `gateway.inputs`, the
same the config file and the command line apply.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    WithJsonSchema,
    model_validator,
)

from drivers.base import MAX_PIN_LENGTH, known_kinds
from gateway.access.audit import FindingKind
from gateway.access.identity import IdNumberError, IdType, normalize_id_number
from gateway.config import MAX_PUSH_COMM_KEY_LENGTH, check_network
from gateway.devices.health import ProblemCode
from gateway.inputs import MAX_ID, ValueRefused, check_name, check_year
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.working_time import system_problem
from gateway.people.badges import MAX_CARD, MAX_CARD_DIGITS, DevicePrivilege, card_number


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueRefused(
            "give the time with its UTC offset, e.g. 2026-03-02T08:00:00+08:00 or 2026-03-02T00:00:00Z",
            zh="时间须带 UTC 偏移，例如 2026-03-02T08:00:00+08:00 或 2026-03-02T00:00:00Z",
        )
    check_year(value.year)  # before the conversion, which overflows for year 0001 east of UTC
    return value.astimezone(UTC)


def _in_years(value: date) -> date:
    check_year(value.year)
    return value


_PAY_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def _pay_month(text: str) -> str:
    if re.fullmatch(_PAY_MONTH, text) is None:
        raise ValueRefused(
            "expected a pay month YYYY-MM (month 01 to 12), e.g. 2026-03",
            zh="须为工资月份 YYYY-MM（月份 01 至 12），例如 2026-03",
        )
    check_year(int(text[:4]))
    return text


UtcOut = Annotated[datetime, AfterValidator(_as_utc)]
"""A stored naive-UTC time, returned with its `+00:00` offset."""
LocalOut = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
            "description": "the terminal's wall clock exactly as it reported it, without a zone (terminals know none)",
        }
    ),
]
"""A device-local time: ISO 8601 without an offset, so not an RFC 3339 `date-time`."""
AwareIn = Annotated[datetime, AfterValidator(_aware)]
"""A time given by a client; must carry an offset and a year 2000..2099; converted to UTC."""
DateIn = Annotated[date, AfterValidator(_in_years)]
"""A calendar date given by a client, in the years 2000..2099."""
PayMonth = Annotated[
    str,
    AfterValidator(_pay_month),
    WithJsonSchema(
        {"type": "string", "pattern": _PAY_MONTH, "description": "pay month YYYY-MM", "examples": ["2026-03"]}
    ),
]
"""A pay month `YYYY-MM` of the years 2000..2099 (a query, path or body value)."""
Fen = Annotated[StrictInt, Field(ge=0, le=10**13, description="integer fen (1/100 yuan)")]
RowId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Pin = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_PIN_LENGTH,
        pattern=r"^[A-Za-z0-9]+$",
        description=f"badge number: letters and digits, at most {MAX_PIN_LENGTH} (a ZKTeco terminal's PIN field)",
    ),
]
SpreadsheetName = Annotated[
    str, Query(pattern=r"(?i)^[^/\\]+\.(csv|xlsx)$", description="the file's name; .csv or .xlsx says its format")
]
Serial = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Printable = Annotated[str, AfterValidator(check_name)]
"""Text without control characters or line breaks (`gateway.inputs.check_name`); add the length bounds."""
Name = Annotated[Printable, Field(min_length=1, max_length=100, pattern=r"\S")]
Role = Literal["admin", "hr", "viewer", "employee", "manager"]
DeviceState = Literal["ok", "warning", "failing", "never polled"]
GateDirection = Literal["auto", "in", "out"]
_DIRECTION_HELP = "auto: each punch's direction from its state; in / out: an in-only / out-only gate"
QuarantineState = Literal["open", "mapped", "dismissed"]
ShiftRule = Annotated[
    str,
    Field(
        max_length=100,
        pattern=r"^([a-z][a-z0-9_-]*/)?[A-Za-z0-9_-]+$",
        examples=["night", "dongguan/night"],
        description="the employee's own shift: SHIFT of the office's rule file or RULES/SHIFT; null = the office's "
        "shift",
    ),
]


IdNumber = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        examples=["11010519491231002X"],
        description="the document's number (证件号码); a resident_id is checked: 18 characters, GB 11643 check "
        "character, birth date",
    ),
]
IdTypeField = Annotated[
    IdType,
    Field(description="the identity document (证件类型) for tax filing; resident_id = 居民身份证"),
]


HfRate = Annotated[
    str,
    Field(
        pattern=r"^0(\.\d{1,4})?$",
        description='the employee\'s own housing-fund rate, both sides, as a decimal ("0.12" = 12 %); null = the '
        "city's rate. Outside 0.05..0.12 it is flagged; above 0.12 the excess is taxed as wages",
        examples=["0.12"],
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


WarningCode = Literal[
    "net_not_positive",
    "no_punches",
    "open_quarantine",
    "stale_terminals",
    "no_bank_account",
    "changed_since_compute",
    "housing_fund_rate",
    "damages_over_limit",
    "overtime_over_limit",
    "consecutive_days",
]
assert set(get_args(WarningCode)) == set(WARNING_CODES), "WarningCode must list gateway.pay.lock_checks' codes"


class LockWarningOut(BaseModel):
    code: WarningCode
    message: str
    items: list[str] = Field(description="who or what the warning is about (employees, badges, terminals)")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[str] | None = Field(None, description="one line per invalid field (validation errors only)")
    locked_until: datetime | None = Field(None, description="a locked login: when it opens again")
    warnings: list[LockWarningOut] | None = Field(
        None, description="a refused lock: every warning not acknowledged (acknowledge their codes to lock)"
    )


class Health(BaseModel):
    status: Literal["ok"]


class DeviceProblemOut(BaseModel):
    """Why a terminal is failing or warned about (`gateway.devices.health`), with the fix in `message`."""

    code: ProblemCode
    message: str
    clock_offset_s: int | None = Field(description="clock_drift: the terminal's clock minus true time, in seconds")


class RealtimeOut(BaseModel):
    """A `realtime = true` terminal's live event connection, as its listener last recorded it."""

    state: Literal["up", "down"] = Field(description="up: registered for events; down: reconnecting (see error)")
    since: UtcOut | None = Field(description="when it went up or down; null: never listened")
    last_event_at: UtcOut | None = Field(description="the last realtime punch stored from it")
    error: str | None = Field(description="down: why the connection failed")


class DeviceHealth(BaseModel):
    state: DeviceState = Field(
        description="failing: the last poll failed; warning: polled, but its clock is off beyond max_clock_drift_s "
        "or it has not been read for 3 poll intervals; never polled; ok"
    )
    problems: list[DeviceProblemOut]
    last_success_at: UtcOut | None
    last_error: str | None
    last_error_at: UtcOut | None
    consecutive_failures: int
    clock_offset_s: int | None
    record_count: int | None
    record_capacity: int | None
    user_count: int | None
    realtime: RealtimeOut | None = Field(default=None, description="realtime = true terminals only")


class DeviceOut(BaseModel):
    name: str
    sn: str | None
    kind: str
    host: str
    port: int
    office: str | None
    model: str
    firmware: str
    direction: str = Field("auto", description=_DIRECTION_HELP)
    health: DeviceHealth
    push_comm_key_set: bool = Field(description="zk-push: whether the terminal must send a push comm key (never shown)")
    allow_from: list[str] = Field(description="zk-push: the networks it may push from; empty = anywhere")
    info: dict[str, str] | None = Field(
        None, description="zk-push: its last answer to the INFO command (FWVersion, UserCount, FPCount, …)"
    )
    info_reported_at: UtcOut | None = None


def _known_kind(value: str) -> str:
    if value not in known_kinds():
        raise ValueRefused(
            f"unknown device kind {value!r}: use one of {', '.join(known_kinds())}",
            zh=f"未知的考勤机类型 {value!r}：请用 {'、'.join(known_kinds())} 之一",
        )
    return value


Kind = Annotated[str, AfterValidator(_known_kind)]
Port = Annotated[StrictInt, Field(ge=0, le=65535)]
Host = Annotated[str, Field(max_length=255)]
_PUSH_KEY_PATTERN = f"[A-Za-z0-9._~-]{{1,{MAX_PUSH_COMM_KEY_LENGTH}}}"
PushCommKey = Annotated[
    str,
    Field(
        pattern=f"^{_PUSH_KEY_PATTERN}$",
        description="zk-push, write-only: the key the terminal appends to its handshake (Menu → Comm. → Cloud "
        "Server); letters, digits and . _ ~ -",
    ),
]
Network = Annotated[str, AfterValidator(check_network), Field(examples=["10.8.0.0/24", "10.8.0.20"])]
AllowFrom = Annotated[
    list[Network], Field(max_length=64, description="zk-push: CIDR networks it may push from; empty = anywhere")
]


class DeviceCreate(_In):
    name: Name
    sn: Serial | None = Field(None, description="required for ADMS push terminals; polled terminals report their own")
    kind: Kind
    host: Host = ""
    port: Port = 4370
    office: Name
    push_comm_key: PushCommKey | None = None
    allow_from: AllowFrom = []
    direction: GateDirection = Field("auto", description=_DIRECTION_HELP)


class DeviceUpdate(_In):
    name: Name | None = None
    sn: Serial | None = None
    kind: Kind | None = None
    host: Host | None = None
    port: Port | None = None
    office: Name | None = None
    push_comm_key: (
        Annotated[str, Field(pattern=f"^({_PUSH_KEY_PATTERN})?$", description='as for a new device; "" removes it')]
        | None
    ) = None
    allow_from: AllowFrom | None = None
    direction: GateDirection | None = Field(None, description=_DIRECTION_HELP)


class UnknownTerminalOut(BaseModel):
    """An ADMS push terminal the receiver refused, per serial number, address and reason."""

    serial_number: str
    address: str
    first_seen: UtcOut
    last_seen: UtcOut
    attempts: int
    reason: str = Field(
        description="unknown serial number | address not allowed | no push comm key | wrong push comm key | "
        "no handshake from this address"
    )
    detail: str = Field(description="what to do about it")
    tried: str = Field(description='its last refused request, e.g. "POST /iclock/cdata table=ATTLOG"')


class PushRejectOut(BaseModel):
    """A pushed ATTLOG line holding a value no ZKTeco record can hold: acknowledged, kept aside, never a punch."""

    id: int
    device_sn: str
    line_number: int
    line: str = Field(description="the line as received (its first 1000 characters)")
    line_length: int
    fields: str
    reason: str
    received_at: UtcOut


class SyncResult(BaseModel):
    device: str
    sn: str | None
    read: int
    new: int
    duplicate: int
    quarantined: int
    cleared: bool
    clock_offset_s: int | None
    clock_set: bool
    note: str


def _card(value: object) -> int:
    """A card number given as its digits (a JSON number is taken as its digits too) → the stored integer."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueRefused(
            'a card number is a string of digits, e.g. "0012345678"', zh='卡号须为数字组成的文本，例如 "0012345678"'
        )
    return card_number(str(value))


Card = Annotated[
    int,
    BeforeValidator(_card),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^[0-9]{{1,{MAX_CARD_DIGITS}}}$",
            "examples": ["0012345678"],
            "description": f"the badge's card number as printed on the ZK card: digits, at most {MAX_CARD_DIGITS} and "
            f'at most {MAX_CARD} (32 bits); "0" or null = no card. One card opens one badge per office',
        }
    ),
]
DevicePrivilegeField = Annotated[
    DevicePrivilege,
    Field(description="what user sync gives the badge on the terminals: user, or admin (may open the menu)"),
]


class BadgeIn(_In):
    pin: Pin
    device_sn: Serial | None = Field(None, description="only on this terminal; omit for a company-wide badge")
    card: Card | None = None
    device_privilege: DevicePrivilegeField = "user"


class BadgeUpdate(_In):
    """The fields given are changed (null clears the card); user sync writes them at its next pass."""

    card: Card | None = None
    device_privilege: DevicePrivilegeField = "user"


class BadgeOut(BaseModel):
    id: int
    pin: str
    device_sn: str | None
    card: str | None = Field(description="the card number's digits (without leading zeros); null = no card")
    device_privilege: DevicePrivilege


class BadgeAdded(BaseModel):
    badge: BadgeOut
    remapped_punches: int = Field(description="quarantined punches of this pin now given to the employee")


WorkingTimeSystem = Literal["standard", "comprehensive", "flexible"]
WtsPeriod = Literal["week", "month", "quarter", "year"]
WtsApproval = Annotated[Printable, Field(min_length=1, max_length=100, pattern=r"\S")]


class EmployeeFields(_In):
    """The editable fields of an employee, checked together (a monthly employee needs a salary, …)."""

    name: Name
    office: Name | None = None
    pay_basis: Literal["monthly", "hourly", "piece"] = "monthly"
    monthly_salary_fen: Fen | None = None
    hourly_rate_fen: Fen | None = None
    hired_on: DateIn | None = None
    left_on: DateIn | None = None
    si_city: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_-]*$")] | None = None
    special_deductions_fen: Fen = 0
    shift_rule: ShiftRule | None = None
    id_type: IdTypeField | None = None
    id_number: IdNumber | None = None
    hf_rate: HfRate | None = None
    part_time: bool = Field(False, description="part-time hourly worker (非全日制): the hourly minimum wage applies")
    working_time_system: WorkingTimeSystem = Field(
        "standard", description="工时制度: standard, comprehensive (综合计算工时) or flexible (不定时)"
    )
    wts_period: WtsPeriod | None = Field(None, description="comprehensive hours: the settlement period")
    wts_approval_no: WtsApproval | None = Field(None, description="the labour bureau's approval number (审批文号)")

    @model_validator(mode="after")
    def _consistent(self) -> EmployeeFields:
        if self.part_time and self.pay_basis != "hourly":
            raise ValueRefused(
                "a part-time (非全日制) worker is paid by the hour: set pay_basis to hourly",
                zh="非全日制员工按小时计薪：请把 pay_basis 设为 hourly",
            )
        if self.pay_basis == "monthly" and self.monthly_salary_fen is None:
            raise ValueRefused(
                "a monthly employee needs monthly_salary_fen (integer fen, e.g. 600000 for 6,000.00 yuan)",
                zh="月薪员工需要 monthly_salary_fen（整数，单位分，例如 600000 即 6,000.00 元）",
            )
        if self.pay_basis == "hourly" and self.hourly_rate_fen is None:
            raise ValueRefused(
                "an hourly employee needs hourly_rate_fen (integer fen per hour, e.g. 2500 for 25.00 yuan)",
                zh="时薪员工需要 hourly_rate_fen（每小时整数，单位分，例如 2500 即 25.00 元）",
            )
        if self.hired_on and self.left_on and self.left_on < self.hired_on:
            raise ValueRefused(
                f"left_on {self.left_on} is before hired_on {self.hired_on}: fix one of the dates",
                zh=f"离职日期 left_on {self.left_on} 早于入职日期 hired_on {self.hired_on}：请改正其中一个",
            )
        if self.shift_rule is not None and self.office is None:
            raise ValueRefused(
                "a shift_rule needs an office: give office, or leave shift_rule null",
                zh="班次规则 shift_rule 需要所属办公地点：请填写 office，或把 shift_rule 留空（null）",
            )
        problem = system_problem(self.working_time_system, self.wts_period, self.wts_approval_no)
        if problem is not None:
            raise problem
        if (self.id_type is None) != (self.id_number is None):
            raise ValueRefused(
                "id_type and id_number go together: give both (e.g. resident_id and the 18 characters), or neither",
                zh="证件类型 id_type 与证件号码 id_number 须同时填写（例如 resident_id 和 18 位号码），或都不填",
            )
        if self.id_type is not None and self.id_number is not None:
            try:
                self.id_number = normalize_id_number(self.id_type, self.id_number)
            except IdNumberError as error:
                raise ValueRefused(f"id_number: {error}", zh=f"证件号码 id_number：{error.zh or error}") from None
        return self


class EmployeeCreate(EmployeeFields):
    code: Code


class EmployeeUpdate(_In):
    """Only the fields given change; the result is checked like a new employee."""

    name: Name | None = None
    office: Name | None = None
    pay_basis: Literal["monthly", "hourly", "piece"] | None = None
    monthly_salary_fen: Fen | None = None
    hourly_rate_fen: Fen | None = None
    hired_on: DateIn | None = None
    left_on: DateIn | None = None
    si_city: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_-]*$")] | None = None
    special_deductions_fen: Fen | None = None
    shift_rule: ShiftRule | None = None
    id_type: IdTypeField | None = None
    id_number: IdNumber | None = None
    hf_rate: HfRate | None = None
    part_time: bool | None = None
    working_time_system: WorkingTimeSystem | None = None
    wts_period: WtsPeriod | None = None
    wts_approval_no: WtsApproval | None = None


class EmployeeOut(BaseModel):
    code: str
    name: str
    office: str | None
    pay_basis: str
    monthly_salary_fen: int | None
    hourly_rate_fen: int | None
    hired_on: date | None
    left_on: date | None
    si_city: str | None
    special_deductions_fen: int
    shift_rule: str | None
    id_type: str | None
    id_number: str | None = Field(
        description="in full for admin and hr; masked ('**** 002X') for a viewer or the employee"
    )
    hf_rate: str | None
    part_time: bool
    working_time_system: str
    wts_period: str | None
    wts_approval_no: str | None
    department: str | None = Field(
        description="the department's code; null: none yet (set it with POST /departments/{code}/members)"
    )
    department_name: str | None
    badges: list[BadgeOut]
    login_closes_on: date | None = Field(
        None,
        description="GET /employees/{code} only: a leaver's login is refused from this day on ([people] "
        "leaver_login_grace_days after left_on); null: no last day",
    )
    login_closed: bool = Field(False, description="GET /employees/{code} only: that day has come (the office's date)")


class EmployeePage(BaseModel):
    items: list[EmployeeOut]
    total: int


class TermsValues(_In):
    """The dated terms (`gateway.people.employee_terms.TERM_FIELDS`); only the fields given are set by a change."""

    pay_basis: Literal["monthly", "hourly", "piece"] | None = None
    monthly_salary_fen: Fen | None = None
    hourly_rate_fen: Fen | None = None
    office: Name | None = None
    department: Code | None = None
    shift_rule: ShiftRule | None = None
    si_city: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_-]*$")] | None = None
    si_base_fen: Fen | None = Field(None, description="the contribution base (缴费基数); null = the pay rules' default")
    special_deductions_fen: Fen | None = None
    entity: Name | None = Field(
        None, description="the employing entity (法人主体); cumulative IIT restarts when it changes"
    )
    working_time_system: WorkingTimeSystem | None = None
    wts_period: WtsPeriod | None = None
    wts_approval_no: WtsApproval | None = None


class TermsChangeIn(TermsValues):
    """A dated change: from `effective_from` on, the fields given; with `corrects`, a correction of that record."""

    effective_from: DateIn | None = Field(None, description="the first day of the change (a correction: its day)")
    reason: Annotated[Printable, Field(min_length=1, max_length=500, pattern=r"\S")]
    corrects: RowId | None = Field(None, description="the id of the record this one corrects (see …/history)")


class TermsRecordOut(BaseModel):
    id: int
    effective_from: date
    values: dict[str, str | int | None] = Field(description="the fields this record sets")
    before: dict[str, str | int | None] = Field(description="the terms of its first day without it")
    reason: str
    corrects: int | None
    superseded_by: int | None = Field(description="the record that corrected this one; null = in force")
    created_by: str
    created_at: UtcOut


class TermsHistoryOut(BaseModel):
    code: str
    records: list[TermsRecordOut]
    as_of: date | None = None
    terms: dict[str, str | int | None] | None = Field(None, description="with ?as_of=: the terms in force that day")


class PunchOut(BaseModel):
    id: int
    device_sn: str
    pin: str
    employee: str | None = Field(description="employee code; null while the pin is unknown (quarantined)")
    ts_local: LocalOut
    ts_utc: UtcOut
    status: int
    punch_state: int
    verify_mode: int
    workcode: str
    source: str
    flags: list[str]
    is_double_tap: bool
    received_at: UtcOut


class PunchPage(BaseModel):
    items: list[PunchOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class CorrectionIn(_In):
    action: Literal["add", "void", "move"] = Field(
        description="add: a missed punch (employee + ts_utc); void: punch_id does not count; move: punch_id counts "
        "at ts_utc"
    )
    punch_id: RowId | None = None
    employee: Code | None = Field(None, description="employee code; required for add, implied by the punch otherwise")
    ts_utc: AwareIn | None = None
    reason: Annotated[str, Field(min_length=3, max_length=1000, pattern=r"\S")]

    @model_validator(mode="after")
    def _shape(self) -> CorrectionIn:
        if self.action == "add" and (self.employee is None or self.ts_utc is None or self.punch_id is not None):
            raise ValueRefused(
                "action 'add' takes employee and ts_utc and no punch_id",
                zh="补卡（action 'add'）须填写 employee 和 ts_utc，不填 punch_id",
            )
        if self.action == "void" and (self.punch_id is None or self.ts_utc is not None):
            raise ValueRefused(
                "action 'void' takes punch_id and no ts_utc", zh="作废（action 'void'）须填写 punch_id，不填 ts_utc"
            )
        if self.action == "move" and (self.punch_id is None or self.ts_utc is None):
            raise ValueRefused(
                "action 'move' takes punch_id and the new ts_utc",
                zh="改时间（action 'move'）须填写 punch_id 和新的 ts_utc",
            )
        return self


class CorrectionOut(BaseModel):
    id: int
    action: str
    employee: str
    punch_id: int | None
    ts_utc: UtcOut | None
    reason: str
    created_by: str
    created_at: UtcOut


class QuarantineOut(BaseModel):
    id: int
    state: QuarantineState
    reason: str
    created_at: UtcOut
    resolved_at: UtcOut | None
    punch: PunchOut


class QuarantinePage(BaseModel):
    items: list[QuarantineOut]
    total: int
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class DismissIn(_In):
    reason: Annotated[str, Field(min_length=3, max_length=1000, pattern=r"\S")]


class AuditOut(BaseModel):
    id: int
    at: UtcOut
    actor: str
    action: str
    target: str
    before: Any
    after: Any
    prev_hash: str
    row_hash: str


class AuditFinding(BaseModel):
    kind: FindingKind
    message: str
    row_id: int | None = Field(description="the audit row concerned, when there is one")


class AuditVerify(BaseModel):
    intact: bool
    first_broken_id: int | None = Field(description="the first audit row with a finding, if any")
    rows: int
    head_seq: int
    anchors: int = Field(description="anchors found in the anchor file and checked")
    locked_runs: int
    bank_accounts: int
    findings: list[AuditFinding]
    notes: list[str]


class TokenCreate(_In):
    name: Name
    role: Role
    employee: Code | None = Field(
        None, description="employee code; required for (and only for) roles employee and manager"
    )
    expires_at: AwareIn | None = Field(None, description="the token stops working at this time (with offset)")
    expires_in: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,4}[dh]$", examples=["90d", "12h"])] | None = Field(
        None, description="the token stops working this long from now: days (90d) or hours (12h)"
    )

    @model_validator(mode="after")
    def _one_expiry(self) -> TokenCreate:
        if self.expires_at is not None and self.expires_in is not None:
            raise ValueRefused(
                "give expires_at or expires_in, not both", zh="expires_at 与 expires_in 只能填一个，不能同时填写"
            )
        return self


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    role: str
    employee: str | None
    source: str
    created_at: UtcOut
    revoked_at: UtcOut | None
    expires_at: UtcOut | None = Field(description="null: never expires")


class TokenCreated(BaseModel):
    token: TokenOut
    secret: str = Field(description="the bearer token; shown only in this response, store it now")


# Paging query parameters shared by the list routes: newest first, then `before_id` to go further back.
PageLimit = Annotated[int, Query(ge=1, le=1000, description="at most this many rows")]
BeforeId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="only rows older than this id (paging)")]
PageOffset = Annotated[int, Query(ge=0, le=MAX_ID, description="skip this many rows (paging)")]
# A row id in a path (`/punches/{punch_id}`): a number no row can have answers 422 naming the parameter, not a 500.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class UserSyncChangeOut(BaseModel):
    """One change of a terminal's user table (`gateway.devices.user_sync`)."""

    action: Literal["add", "update", "delete", "unknown"]
    pin: str
    name: str
    card: int
    privilege: int
    employee: str | None
    reason: str


class UserSyncPlanOut(BaseModel):
    device: str
    sn: str | None
    kind: str
    dry_run: bool
    applied: bool
    changes: list[UserSyncChangeOut]


class TerminalFingersOut(BaseModel):
    """The employee's fingers one terminal holds (finger numbers 0-9, never template bytes)."""

    device: str
    sn: str
    fingers: list[int]
    count: int
    seen_at: datetime


class FingerprintsOut(BaseModel):
    """An employee's fingerprints in counts: stored in punchclock, and held by each terminal."""

    stored: int
    fingers: list[int]
    synced_terminals: int
    terminals: list[TerminalFingersOut]


class TerminalAccessOut(BaseModel):
    """A badge of the employee written to a terminal, and when (and why) it was removed from it."""

    device: str
    sn: str | None
    pin: str
    written_at: datetime
    removed_at: datetime | None
    removal_reason: str | None


class PushCommandOut(BaseModel):
    """A command queued for an ADMS terminal and what became of it."""

    id: int
    command: str
    state: str = Field(description="queued | sent | done | failed")
    attempts: int = Field(description="how many polls it was handed to")
    return_code: int | None
    result: str | None = Field(description="the lines the terminal sent with its result (an INFO answer)")
    created_at: UtcOut
    sent_at: UtcOut | None
    done_at: UtcOut | None


class PushOperLogOut(BaseModel):
    """An OPERLOG/USERINFO line an ADMS terminal uploaded (passwords and templates cut out)."""

    id: int
    table: str
    kind: str = Field(description="OPLOG (an operation at the terminal), USER (a user enrolled there), FP, …")
    pin: str | None
    op_code: int | None
    ts_local: datetime | None = Field(description="the terminal's own wall-clock time, as written")
    line: str
    received_at: UtcOut


class PushEnrolmentOut(BaseModel):
    """A user enrolled or changed at an ADMS terminal, as the terminal reported it (the latest per pin)."""

    device: str | None
    sn: str
    pin: str
    name: str
    card: str
    privilege: int
    source: str = Field(description="OPERLOG | USERINFO: the upload that reported it")
    first_seen: UtcOut
    last_seen: UtcOut


class PushPhotoOut(BaseModel):
    """A photo an ADMS terminal took at a punch (ATTPHOTO); its JPEG at `/devices/{ref}/photos/{id}`."""

    id: int
    file_name: str
    pin: str | None
    ts_local: datetime | None = Field(description="the punch's time on the terminal's clock")
    size: int
    received_at: UtcOut
