"""A badge's card number and device privilege: checked (32-bit ZK cards, one per office), audited old → new,
and picked up by the next user sync, read back from the terminal with pyzk."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.devices.user_sync import sync_users
from gateway.people.badges import BadgeError, add_badge, card_number, edit_badge
from gateway.store import AuditLog, Badge, Employee, Office
from simulators.zk import ZKTerminal
from tests.gateway.gateway_testkit import seed_device
from tests.gateway.test_user_sync import APRIL_1_SHANGHAI, config, employee, pyzk_users


@pytest.mark.parametrize(("text", "card"), [("0012345678", 12345678), ("4294967295", 4294967295), ("0", 0), ("7", 7)])
def test_a_card_number_is_up_to_ten_digits_of_32_bits(text: str, card: int) -> None:
    assert card_number(text) == card


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "4294967296",
            "card number 4294967296 is more than 4294967295, the largest a ZK terminal stores (32 bits): "
            "check the number printed on the card",
        ),
        ("00123456789", "card number '00123456789' has 11 digits: a ZK card number has at most 10"),
        ("12a4", "card number '12a4': digits only, as printed on the card (e.g. 0012345678)"),
        ("１２３", "card number '１２３': digits only, as printed on the card (e.g. 0012345678)"),
        ("", "card number '': digits only, as printed on the card (e.g. 0012345678)"),
    ],
)
def test_a_card_number_that_no_zk_card_has_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        card_number(text)
    assert str(error.value) == message


def _badge(session: Session, pin: str) -> tuple[Employee, Badge]:
    badge = session.scalars(select(Badge).where(Badge.pin == pin)).one()
    return session.get_one(Employee, badge.employee_id), badge


def test_setting_card_and_privilege_is_audited_old_to_new(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="door")
    employee(factory, "E1", "张伟", "2001")
    with factory() as session, session.begin():
        assert edit_badge(session, *_badge(session, "2001"), 12345678, "admin", "hr:li") is True
    with factory() as session, session.begin():
        assert edit_badge(session, *_badge(session, "2001"), 12345678, "admin", "hr:li") is False  # unchanged
        assert edit_badge(session, *_badge(session, "2001"), 0, "admin", "hr:wang") is True  # cleared
    with factory() as session:
        badge = _badge(session, "2001")[1]
        assert (badge.card, badge.device_privilege) == (0, "admin")
        rows = session.scalars(select(AuditLog).where(AuditLog.action == "badge.edit").order_by(AuditLog.seq)).all()
        assert [(r.actor, r.target, json.loads(r.before_json), json.loads(r.after_json)) for r in rows] == [
            (
                "hr:li",
                "employee:E1",
                {"pin": "2001", "card": 0, "device_privilege": "user"},
                {"pin": "2001", "card": 12345678, "device_privilege": "admin"},
            ),
            (
                "hr:wang",
                "employee:E1",
                {"pin": "2001", "card": 12345678, "device_privilege": "admin"},
                {"pin": "2001", "card": 0, "device_privilege": "admin"},
            ),
        ]


def test_a_card_opens_one_badge_per_office_and_the_message_names_its_holder(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="door")
    seed_device(factory, sn="gate", office="Dongguan Plant")
    employee(factory, "E1", "张伟", "2001", card=555)
    employee(factory, "E2", "李娜", "2002")
    with factory() as session, session.begin():
        plant = session.scalars(select(Office).where(Office.name == "Dongguan Plant")).one()
        other = Employee(code="D1", name="王芳", office_id=plant.id, pay_basis="monthly")
        session.add(other)
        session.flush()
        add_badge(session, other, "3001", None, "hr:li", card=555)  # another office: the same card is fine
    with factory() as session, session.begin():
        with pytest.raises(BadgeError) as error:
            edit_badge(session, *_badge(session, "2002"), 555, "user", "hr:li")
        assert (str(error.value), error.value.conflict) == (
            "card 555 is already on badge '2001' of employee 'E1' in office Shanghai HQ: clear it there first "
            "(one card opens one badge per office)",
            True,
        )
        with pytest.raises(BadgeError) as added:
            add_badge(session, _badge(session, "2002")[0], "2003", None, "hr:li", card=555)
        assert str(added.value).startswith("card 555 is already on badge '2001' of employee 'E1' in office Shanghai HQ")
        assert edit_badge(session, *_badge(session, "2001"), 555, "admin", "hr:li") is True  # its own card
    with factory() as session:
        assert session.scalars(select(Badge.pin).where(Badge.card == 555).order_by(Badge.pin)).all() == ["2001", "3001"]


def test_the_next_user_sync_writes_the_new_card_and_privilege(factory: sessionmaker[Session]) -> None:
    seed_device(factory, sn="door")
    employee(factory, "E1", "张伟", "2001")
    with ZKTerminal(users=0, records=0, packet_gap_s=0) as t:
        sync_users(factory, config("zk-tcp", t.port), now=lambda: APRIL_1_SHANGHAI)
        assert pyzk_users(t) == [("2001", "张伟", 0, 0)]
        with factory() as session, session.begin():
            edit_badge(session, *_badge(session, "2001"), 4294967295, "admin", "hr:li")
        [plan] = sync_users(factory, config("zk-tcp", t.port), now=lambda: APRIL_1_SHANGHAI)
        assert [(c.action, c.pin, c.card, c.privilege) for c in plan.changes] == [("update", "2001", 4294967295, 14)]
        assert pyzk_users(t) == [("2001", "张伟", 4294967295, 14)]
