"""The store: SQLAlchemy 2 models split by domain, engine and session helpers, and the Alembic migrations.

`base` holds the declarative base and the store's clock; `core` offices, terminals, employees, badges,
punches, quarantine, punch corrections and rejected push lines; `terminals` the work done on terminals
(leases); `push` the ADMS receiver's command queue, refused terminals and uploads; `access` API tokens
and the audit log; `people` departments, the leave ledger, requests and their
history; `notifications` the in-app inbox and its channel deliveries; `pay` pay runs, payslips, piece batches
and records, bank accounts, employee-month pay inputs and opening balances; `engine` engines, sessions and
`upgrade`; `driver_select` the hot reads' selects run by the driver; `migrations/` the schema history (the
only way the schema changes).
Everything public is re-exported here, so callers write `from gateway.store import Employee, make_engine`.

May import: SQLAlchemy, Alembic and the standard library; nothing else of punchclock, so every other
part of the gateway can stand on it.
"""

from gateway.store.access import ROLES, ActivationCode, ApiToken, AuditLog, LoginSession, User
from gateway.store.base import Base, utcnow
from gateway.store.core import (
    Badge,
    Device,
    Employee,
    EmployeeTerms,
    Office,
    Punch,
    PunchCorrection,
    PunchFlag,
    PushReject,
    Quarantine,
)
from gateway.store.driver_select import DriverSelect, joined_select
from gateway.store.engine import (
    MIGRATIONS_DIR,
    alembic_config,
    autocommit_sessions,
    make_engine,
    session_factory,
    upgrade,
)
from gateway.store.notifications import (
    CHANNELS,
    DELIVERY_STATUSES,
    NOTIFICATION_KINDS,
    Notification,
    NotificationDelivery,
)
from gateway.store.pay import (
    BONUS_METHODS,
    RUN_COMPUTED,
    RUN_DRAFT,
    RUN_LOCKED,
    SCOPE_ALL,
    BankAccount,
    OpeningBalance,
    PayMonthInput,
    PayRun,
    Payslip,
    PayslipDocument,
    PayslipLine,
    PayslipReceipt,
    PieceBatch,
    PieceRecord,
)
from gateway.store.people import (
    LEDGER_KINDS,
    ONBOARDING_STATUSES,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    Department,
    HandoverItem,
    LeaveEntry,
    Onboarding,
    OnboardingEvent,
    PersonnelChange,
    RequestAttachment,
    RequestEvent,
    Resignation,
    StaffRequest,
)
from gateway.store.push import (
    COMMAND_STATES,
    PushCommand,
    PushDeviceInfo,
    PushEnrolment,
    PushOperLog,
    PushPhoto,
    PushRefusal,
)
from gateway.store.realtime import RealtimeLink
from gateway.store.rosters import Crew, CrewMember, RosterEntry, RosterPattern
from gateway.store.templates import EmployeeTemplate, FaceTemplate, TerminalFinger
from gateway.store.terminals import DeviceLease, DeviceUser

__all__ = [
    "Crew",
    "DriverSelect",
    "CrewMember",
    "RosterEntry",
    "RosterPattern",
    "BONUS_METHODS",
    "CHANNELS",
    "COMMAND_STATES",
    "DELIVERY_STATUSES",
    "NOTIFICATION_KINDS",
    "LEDGER_KINDS",
    "ONBOARDING_STATUSES",
    "REQUEST_KINDS",
    "REQUEST_STATUSES",
    "MIGRATIONS_DIR",
    "ROLES",
    "RUN_COMPUTED",
    "RUN_DRAFT",
    "RUN_LOCKED",
    "SCOPE_ALL",
    "ActivationCode",
    "ApiToken",
    "AuditLog",
    "Badge",
    "BankAccount",
    "Base",
    "Department",
    "HandoverItem",
    "Device",
    "DeviceLease",
    "DeviceUser",
    "EmployeeTemplate",
    "FaceTemplate",
    "RealtimeLink",
    "TerminalFinger",
    "Employee",
    "EmployeeTerms",
    "LeaveEntry",
    "Onboarding",
    "OnboardingEvent",
    "LoginSession",
    "Notification",
    "NotificationDelivery",
    "Office",
    "OpeningBalance",
    "PayMonthInput",
    "PayRun",
    "Payslip",
    "PayslipDocument",
    "PayslipLine",
    "PayslipReceipt",
    "PieceBatch",
    "PieceRecord",
    "Punch",
    "PunchCorrection",
    "PunchFlag",
    "PushCommand",
    "PushDeviceInfo",
    "PushEnrolment",
    "PushOperLog",
    "PushPhoto",
    "PushRefusal",
    "PushReject",
    "Quarantine",
    "RequestAttachment",
    "RequestEvent",
    "PersonnelChange",
    "Resignation",
    "StaffRequest",
    "User",
    "alembic_config",
    "autocommit_sessions",
    "joined_select",
    "make_engine",
    "session_factory",
    "upgrade",
    "utcnow",
]
