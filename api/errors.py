"""Every error the API answers is RFC 9457 `application/problem+json`, with a message a person can act on.

Routes raise `ApiError` subclasses (`NotFound`, `Conflict`, …); `install(app)` turns those, FastAPI's
request validation errors, unknown paths and methods, and any unexpected exception into problem
documents. A refusal's `detail` is in the reader's language: the Chinese wording (`zh`) when the request's
`Accept-Language` prefers Chinese and the error has one, else the English (`api.languages`). A 500 says only
that the server failed and which log entry holds the details: a traceback never leaves the process. No free
database connection within `[api] db_pool_timeout_s`, or a database that cannot be reached (a PostgreSQL
restart), answers 503 with `Retry-After`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.languages import CHINESE, reads_chinese, wording
from api.schemas import Problem
from api.validation_zh import chinese_messages
from drivers.base import quote
from gateway.access.vault import VaultError
from gateway.errors import GatewayError
from gateway.inputs import RowProblem

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"


class ApiError(Exception):
    """Base of every deliberate API error: an HTTP status, a short title, and the actionable detail."""

    status = 400
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        zh: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.zh = zh  # the detail in Chinese, answered to a reader who prefers it
        self.headers = headers
        self.extra = extra or {}  # more members of the problem document (e.g. a lock's `warnings`)

    @classmethod
    def of(cls, error: GatewayError, **kwargs: Any) -> ApiError:
        """The gateway's refusal as this problem, its English and Chinese wordings both kept."""
        return cls(str(error), zh=error.zh, **kwargs)


class Unauthorized(ApiError):
    status, title = 401, "Not authenticated"

    def __init__(self, detail: str, *, zh: str | None = None) -> None:
        super().__init__(detail, zh=zh, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    status, title = 403, "Not allowed for this role"


class NotFound(ApiError):
    status, title = 404, "Not found"


class Conflict(ApiError):
    status, title = 409, "Conflicts with the current state"


class Locked(ApiError):
    status, title = 423, "Locked"


class Unprocessable(ApiError):
    status, title = 422, "Invalid request"


class BadGateway(ApiError):
    status, title = 502, "Device did not answer as expected"


def problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    *,
    headers: Mapping[str, str] | None = None,
    language: str = "en",
    **extra: Any,
) -> JSONResponse:
    body = Problem(type="about:blank", title=title, status=status, detail=detail, instance=request.url.path, **extra)
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        headers={**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"},
        media_type=PROBLEM_MEDIA_TYPE,
    )


def rows_refused(
    request: Request, title: str, source: str, problems: Sequence[RowProblem], whole: tuple[str, str] = ("file", "文件")
) -> JSONResponse:
    """422 for an uploaded file refused row by row, nothing imported: every problem in `errors`, all in the reader's
    language (a problem written without a Chinese wording stays English). `whole` names what to upload again."""
    detail, language = wording(
        request,
        f"{source}: nothing imported, {len(problems)} problem(s); fix every row listed in errors and upload the whole "
        f"{whole[0]} again",
        f"{source}：没有导入任何数据，共 {len(problems)} 处问题；请改正下列每一行，再重新上传整个{whole[1]}",
    )
    return problem(422, title, detail, request, language=language, errors=row_lines(request, problems))


def row_lines(request: Request, problems: Sequence[RowProblem]) -> list[str]:
    """The row report of an uploaded file, one line per problem, in the reader's language."""
    chinese = reads_chinese(request)
    return [p.in_chinese() if chinese else str(p) for p in problems]


def _location(loc: Sequence[int | str]) -> str:
    """('query', 'limit') → query parameter `limit`; ('body', 'items', 0, 'pin') → body field items[0].pin."""
    where, *path = loc
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    if where == "body":
        return f"body field {name}" if name else "request body"
    return f"{where} parameter {name}" if name else str(where)


def _validation_messages(errors: Sequence[Any]) -> list[str]:
    messages = []
    for error in errors:
        if error.get("type") == "json_invalid":
            position = error["loc"][-1]
            reason = error.get("ctx", {}).get("error", "")
            messages.append(f"request body: is not valid JSON ({reason} at character {position}): send a JSON object")
            continue
        text = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if error.get("type") == "missing":
            text = "is required"
        elif error.get("type") == "extra_forbidden":
            text = "is not a known field: check its spelling against /docs"
        elif "input" in error and not isinstance(error["input"], dict | list):
            given = error["input"]
            text = f"{text} (got {quote(given) if isinstance(given, str) else repr(given)})"
        messages.append(f"{_location(error.get('loc', ('request',)))}: {text}")
    return messages


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    detail, language = wording(request, exc.detail, exc.zh)
    return problem(exc.status, exc.title, detail, request, headers=exc.headers, language=language, **exc.extra)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    messages, zh = _validation_messages(exc.errors()), chinese_messages(exc.errors())
    detail, language = wording(request, "; ".join(messages) + ".", None if zh is None else "；".join(zh) + "。")
    chosen = zh if zh is not None and language == CHINESE else messages
    return problem(422, "Invalid request", detail, request, language=language, errors=chosen)


_HTTP_DETAILS = {
    400: "the request body could not be read as JSON (is it UTF-8 text?): send a JSON object with "
    "Content-Type: application/json",
    404: "no such endpoint: see /docs for the API's paths (they start with /api/v1)",
    405: "this endpoint does not accept that HTTP method: see /docs for the methods it takes",
}


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = _HTTP_DETAILS.get(exc.status_code, str(exc.detail))
    title = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    return problem(exc.status_code, title, detail, request, headers=exc.headers)


async def _on_vault_error(request: Request, exc: Exception) -> JSONResponse:
    """A stored encrypted value does not open: the database was altered (the message names the row, never a value)."""
    log.error("encrypted value does not open on %s %s: %s", request.method, request.url.path, exc)
    return problem(500, "Stored data does not verify", str(exc), request)


#: Seconds a client is told to wait (`Retry-After`) when no database connection was free, and when the database
#: could not be reached (a PostgreSQL restart takes a few seconds).
BUSY_RETRY_S = 2
DOWN_RETRY_S = 5
UNAVAILABLE = "Service unavailable"


async def _on_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    """Every connection of this process's pool stayed busy for `[api] db_pool_timeout_s`: 503, not a 500."""
    log.warning("no free database connection for %s %s: %s", request.method, request.url.path, exc)
    detail, language = wording(
        request,
        f"the server is busy: no database connection came free in time; try again in {BUSY_RETRY_S} seconds (if "
        "this happens often, the administrator can raise [api] db_pool_size within PostgreSQL's max_connections, or "
        "add an API process)",
        f"服务器繁忙，暂时没有空闲的数据库连接，请 {BUSY_RETRY_S} 秒后重试（如经常出现，管理员可在 PostgreSQL 的 "
        "max_connections 之内调大 [api] db_pool_size，或增加 API 进程）",
    )
    return problem(503, UNAVAILABLE, detail, request, headers={"Retry-After": str(BUSY_RETRY_S)}, language=language)


def _unreachable(exc: OperationalError) -> bool:
    """Whether the database was not reached: a connect that failed (no statement yet) or a connection the server
    ended (a restart); not a statement the database refused (SQLite's "database is locked" after its busy timeout)."""
    return exc.statement is None or exc.connection_invalidated


async def _on_operational_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OperationalError)
    if not _unreachable(exc):
        return await _on_unexpected(request, exc)
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    log.warning("database not reachable for %s %s: %s", request.method, request.url.path, reason)
    detail, language = wording(
        request,
        f"the database cannot be reached right now (it may be restarting); try again in {DOWN_RETRY_S} seconds (if "
        "it lasts, the administrator should check that the database server runs and [database] url)",
        f"暂时无法连接数据库（可能正在重启），请 {DOWN_RETRY_S} 秒后重试（如持续出现，管理员应检查数据库服务器是否运行"
        "以及 [database] url）",
    )
    return problem(503, UNAVAILABLE, detail, request, headers={"Retry-After": str(DOWN_RETRY_S)}, language=language)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
    return problem(
        500,
        "Internal server error",
        f"the server failed to answer this request; the server log has the details under incident {incident}",
        request,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(VaultError, _on_vault_error)
    app.add_exception_handler(PoolTimeout, _on_pool_timeout)
    app.add_exception_handler(OperationalError, _on_operational_error)
    app.add_exception_handler(Exception, _on_unexpected)
