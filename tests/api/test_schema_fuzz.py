"""schemathesis against the app's own OpenAPI schema: no 500s, and every answer matches what the schema promises.

Bounded and derandomized (20 valid and 20 invalid examples per operation, the same ones every run), so
it stays a fast, reproducible test rather than an open-ended fuzz campaign. Requests carry the admin
token, which every route accepts, against the seeded database; device polls get a driver that fails at
once, so no example waits on a network timeout.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import sessionmaker

from api.app import ApiSettings, create_app
from drivers.base import DeviceUnreachable
from gateway import config as cfg

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Building the schema touches no database, so the operation list can be read from an app without one.
LABELS = sorted(
    result.ok().label
    for result in schemathesis.openapi.from_dict(
        create_app(ApiSettings(session_factory=sessionmaker())).openapi()
    ).get_all_operations()
    if not result.ok().path.startswith("/iclock")  # the terminals' plain-text protocol; its own tests cover it
)


@pytest.fixture
def seeded(sqlite_seeded: tuple[str, dict[str, str]]) -> tuple[str, dict[str, str]]:
    """SQLite only: the schema is the same on PostgreSQL, and doubling this test's minute buys little."""
    return sqlite_seeded


def unreachable(device: cfg.Device):  # type: ignore[no-untyped-def]
    raise DeviceUnreachable(f"{device.host}:{device.port}: no answer (test driver)")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("label", LABELS)
def test_operation_conforms_to_the_schema(label: str, mode: GenerationMode, factory, secrets) -> None:  # type: ignore[no-untyped-def]
    app = create_app(ApiSettings(session_factory=factory, build_driver=unreachable))
    operation = schemathesis.openapi.from_asgi("/openapi.json", app).find_operation_by_label(label)
    assert operation is not None
    strategy = operation.as_strategy(mode, headers={"Authorization": f"Bearer {secrets['admin']}"})

    @given(case=strategy)
    @settings(
        max_examples=20,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(checks=CHECKS)

    try:
        run()
    except Unsatisfiable:  # e.g. a lone string path parameter: every value is a valid request
        assert mode is GenerationMode.NEGATIVE, f"no valid request could be generated for {label}"
