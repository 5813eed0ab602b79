"""The FastAPI application: `create_app(settings)` wires the routes, auth, errors and the web page.

`punchclock serve` runs it with uvicorn next to the poller (`ApiServer`), on the config's `[api] bind`.
Routes live under `/api/v1`; the ADMS receiver at `/iclock/*` (the paths terminals use); the web app at `/`
(its files and the vendored browser libraries under `/web`); `/docs` and `/redoc` load their assets from
`/web/vendor` too, so they render on a server without internet.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from api import errors, iclock
from api.loop_reads import close_loop_reader, open_loop_reader
from api.routes import (
    attendance,
    audit,
    bank_accounts,
    dashboard,
    departments,
    devices,
    employee_month,
    employee_sheets,
    employees,
    exports,
    leave,
    notifications,
    onboarding,
    opening_balances,
    pay_inputs,
    payruns,
    payslips,
    personnel_changes,
    piece_batches,
    piece_records,
    punches,
    push_uploads,
    quarantine,
    requests,
    resignations,
    rosters,
    self_service,
    session,
    settlements,
    tokens,
    user_sync,
    users,
)
from api.schemas import Health, Problem
from gateway.access.tokens import sync_config_tokens
from gateway.config import Config
from gateway.devices.poller import DriverFactory, build_driver
from gateway.errors import GatewayError
from gateway.store import autocommit_sessions

API_PREFIX = "/api/v1"
WEB_DIR = Path(__file__).with_name("web")
# The vendored builds /docs and /redoc load (tools/vendor-web.sh, api/web/vendor/README.md).
SWAGGER_UI = "/web/vendor/swagger-ui-dist@5.35.0"
REDOC = "/web/vendor/redoc@2.5.4"
# The docs pages load nothing from elsewhere: ReDoc's footer logo would come from its CDN, so the browser is told
# to fetch only from this server (inline scripts and styles are how FastAPI's pages start the viewers).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)
_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"description": description, **_PROBLEM}
    for status, description in (
        (400, "Body is not JSON"),
        (401, "No valid token"),
        (403, "Role not allowed"),
        (404, "Not found"),
        (409, "Conflicts with stored data"),
        (422, "Invalid request"),
        (503, "No database connection free or the database unreachable: retry after Retry-After seconds"),
    )
}


class ApiStartError(GatewayError):
    """The API server could not start (its address is taken or invalid)."""


@dataclass
class ApiSettings:
    """What the app needs: the store, and the gateway config (offices, devices, poll options) if any.

    `build_driver` makes the driver for `POST /devices/{sn}/sync`; tests pass one that talks to a simulator.
    """

    session_factory: sessionmaker[Session]
    config: Config = field(default_factory=Config)
    build_driver: DriverFactory = build_driver


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    await open_loop_reader(app)  # the hot routes' reads on the serving loop (`api.loop_reads`)
    yield
    await close_loop_reader(app)


def create_app(settings: ApiSettings) -> FastAPI:
    app = FastAPI(
        title="punchclock",
        version="1",
        description="Attendance-device gateway and payroll. Every endpoint but /health and /iclock/* needs "
        "`Authorization: Bearer <token>`; errors are RFC 9457 problem+json.",
        docs_url=None,  # served below from the vendored assets instead of a public CDN
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.autocommit_factory = autocommit_sessions(settings.session_factory)  # `api.db.read_each`
    errors.install(app)
    iclock.mount(app, settings.session_factory, settings.config.push)
    for module in (
        devices,
        employee_sheets,  # before employees: /employees/{code} would take /employees/template.xlsx
        employees,
        punches,
        quarantine,
        audit,
        tokens,
        session,
        users,
        attendance,
        piece_records,
        piece_batches,
        payruns,
        pay_inputs,
        opening_balances,
        payslips,
        exports,
        bank_accounts,
        dashboard,
        employee_month,
        departments,
        leave,
        requests,
        user_sync,
        push_uploads,
        notifications,
        self_service,
        onboarding,
        resignations,
        settlements,
        rosters,
        personnel_changes,
    ):
        module.router.serve_under(API_PREFIX)
        app.include_router(module.router, prefix=API_PREFIX, responses=ERROR_RESPONSES)

    @app.get("/health", tags=["health"])
    def health() -> Health:
        """Liveness: answers without a token."""
        return Health(status="ok")

    @app.get("/", include_in_schema=False)
    def web_page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html")

    app.mount("/web", StaticFiles(directory=WEB_DIR), name="web")
    _mount_docs(app)
    return app


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc with their scripts and styles from /web/vendor (no CDN)."""
    title = f"{app.title} API"
    openapi_url = str(app.openapi_url)
    redirect_url = "/docs/oauth2-redirect"

    def local_only(page: HTMLResponse) -> HTMLResponse:
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return local_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=title,
                oauth2_redirect_url=redirect_url,
                swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
                swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
                swagger_favicon_url="data:,",
                # tags folded: with every tag open, Swagger UI 5.35 in Chromium stopped rendering after the third
                # tag once the schema passed 101 paths (no error logged); folded, all tags render, a click opens one
                swagger_ui_parameters={"docExpansion": "none"},
            )
        )

    @app.get(redirect_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return local_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=title,
                redoc_js_url=f"{REDOC}/redoc.standalone.js",
                redoc_favicon_url="data:,",
                with_google_fonts=False,
            )
        )


def check_tls_files(cert: str, key: str) -> None:
    """`ApiStartError` unless `cert` and `key` are readable PEM files that belong together (so a wrong path
    fails at start with the file named, not at the first HTTPS client)."""
    for name, path in (("tls_cert", cert), ("tls_key", key)):
        if not Path(path).is_file():
            raise ApiStartError(
                f"[api] {name} = {path}: no such file; give the PEM file's path (relative to the config)"
            )
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as error:
        raise ApiStartError(
            f"[api] tls_cert = {cert} and tls_key = {key} cannot be used ({error.strerror or error}): give a PEM "
            "certificate (chain) and the unencrypted PEM private key that belongs to it"
        ) from None


class ApiServer:
    """uvicorn serving the app in a background thread, so `punchclock serve` keeps the poller in the main one.

    With `[api] tls_cert` and `tls_key` it serves HTTPS only (a plain HTTP request gets no answer)."""

    def __init__(self, config: Config, factory: sessionmaker[Session]) -> None:
        cert, key = config.api.tls_cert, config.api.tls_key
        if cert is not None and key is not None:
            check_tls_files(cert, key)
        with factory() as session, session.begin():
            sync_config_tokens(session, list(config.api.tokens))
        host, _, port = config.api.bind.rpartition(":")
        app = create_app(ApiSettings(session_factory=factory, config=config))
        self.push_state = app.state.push_state  # the /iclock command queue (user sync queues into it)
        self.url = f"{'https' if cert else 'http'}://{host}:{port}"
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=int(port),
                log_level="warning",
                ssl_certfile=cert,
                ssl_keyfile=key,
            )
        )
        self._thread = threading.Thread(target=self._server.run, name="api", daemon=True)

    def start(self) -> None:
        """Start serving; returns once the socket is bound, or raises `ApiStartError` saying why not."""
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise ApiStartError(
                    f"the API could not listen on {self.url} (see the log above; is the port in use?): "
                    "change [api] bind in the config"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        """Finish the requests in flight, then stop."""
        self._server.should_exit = True
        self._thread.join()
