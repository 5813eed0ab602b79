"""Mirror the config's offices and devices into the store, so health, punches and the API share one list.

A push terminal's key and networks are mirrored too (its key as a digest), so the /iclock receiver of
every process reads them from the store.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.push_auth import set_allow_from, set_push_key
from gateway.config import Config
from gateway.store import Device, Office


def register_config(factory: sessionmaker[Session], config: Config) -> None:
    """Insert or update every office and device named in `config` (matched by name; nothing is deleted,
    because punches and health of a device removed from the config stay meaningful)."""
    with factory() as session, session.begin():
        offices = {o.name: o for o in session.scalars(select(Office))}
        for cfg in config.offices:
            row = offices.get(cfg.name) or Office(name=cfg.name)
            row.timezone, row.city = cfg.timezone, cfg.city
            row.double_punch_window_s, row.shift_rule = cfg.double_punch_window_s, cfg.shift_rule
            session.add(row)
            offices[cfg.name] = row
        session.flush()
        devices = {d.name: d for d in session.scalars(select(Device))}
        for dev in config.devices:
            device = devices.get(dev.label) or Device(name=dev.label, model="", firmware="", consecutive_failures=0)
            device.kind, device.host, device.port = dev.kind, dev.host, dev.port
            device.office_id = offices[dev.office].id
            device.direction = dev.direction
            if dev.sn is not None:
                device.sn = dev.sn
            set_push_key(device, dev.push_comm_key)
            set_allow_from(device, dev.allow_from)
            session.add(device)
