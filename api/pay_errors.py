"""Gateway pay errors as API problems: one mapping for every pay route (payruns, payslips, pieces, exports)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.errors import Conflict, NotFound, Unprocessable
from gateway.pay.attendance import AttendanceError
from gateway.pay.exports import ExportError
from gateway.pay.month_inputs import MonthInputError, MonthInputNotFound
from gateway.pay.payrun import PayRunConflict, PayRunInputError, PayRunNotFound, PayRunWarnings
from gateway.pay.piece_batches import PieceBatchInUse, PieceBatchNotFound
from gateway.pay.piece_import import DuplicatePieceFile


@contextmanager
def pay_errors() -> Iterator[None]:
    """Not found → 404; a state that forbids the change (locked, not computed, not locked for the bank, a piece file
    imported before, a piece batch a locked run paid, a month input a locked run or the year's one separate bonus
    taxation refuses) → 409;
    data the computation cannot use → 422. The gateway's message is the problem's detail, unchanged."""
    try:
        yield
    except (PayRunNotFound, PieceBatchNotFound, MonthInputNotFound) as exc:
        raise NotFound.of(exc) from None
    except PayRunWarnings as exc:
        raise Conflict.of(exc, extra={"warnings": [w.as_dict() for w in exc.warnings]}) from None
    except (PayRunConflict, ExportError, PieceBatchInUse, DuplicatePieceFile, MonthInputError) as exc:
        raise Conflict.of(exc) from None
    except (PayRunInputError, AttendanceError) as exc:
        raise Unprocessable.of(exc) from None
