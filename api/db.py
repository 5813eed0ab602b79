"""Database access for route handlers: one session per request, one transaction per change.

`write(request, work)` runs `work(session)` in one transaction and commits it, so a request that
fails half-way (bad input found after a first insert) leaves nothing behind. Audit rows chain on the
previous row's hash, whose column is UNIQUE: when a concurrent request appended first, the commit
fails on `seq`/`prev_hash` and the whole unit of work is re-run on the new chain head.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.errors import Conflict

T = TypeVar("T")
_ATTEMPTS = 30


def factory(request: Request) -> sessionmaker[Session]:
    result: sessionmaker[Session] = request.app.state.session_factory
    return result


def read(request: Request) -> Session:
    """A session for reading; use as `with read(request) as session:`."""
    return factory(request)()


def read_each(request: Request) -> Session:
    """A session whose statements each read on their own, with no transaction around them on PostgreSQL
    (`gateway.store.autocommit_sessions`): for the hot routes, which read a few rows and write nothing of
    their own. Use as `with read_each(request) as session:`; where the reads must agree with each other
    (one snapshot), use `read`."""
    result: Session = request.app.state.autocommit_factory()
    return result


def write(request: Request, work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction and commit; retried when another writer took the audit chain head."""
    attempt = 0
    while True:
        attempt += 1
        with factory(request)() as session:
            try:
                with session.begin():
                    return work(session)
            except IntegrityError as error:
                # audit_log.seq / prev_hash are UNIQUE: another writer extended the chain first. Back off a
                # little, with jitter, so that a crowd of writers does not collide again in lockstep.
                if "audit_log" in str(error.orig) and attempt < _ATTEMPTS:
                    time.sleep(random.uniform(0, 0.005 * attempt))
                    continue
                raise Conflict(
                    "the database refused the change (a uniqueness or reference rule; another change may have "
                    "landed meanwhile): reload and try again"
                ) from error
