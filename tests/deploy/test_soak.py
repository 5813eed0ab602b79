"""The multi-site soak (`benchmarks/soak.py`, issue 17) run small: 3 sites x 6 terminals, 60 s, 10 API clients.

With a site gateway SIGKILLed and started again, and PostgreSQL restarted when this user may (root or the
cluster's owner; otherwise that step is skipped and the outcome says why): every punch the simulators produced is
stored exactly once, the healthy terminals' polls never failed outside the restart, every faulty terminal failed,
every process stopped cleanly, and the pay run equals the one from a single-process ingest. Nothing here is timed:
the harness's waits are bounded, and a loaded machine only makes them longer.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.soak import ADMIN_URL_ENV, KILLED_SITE, Plan, soak

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(1200)]


def test_three_site_gateways_lose_and_duplicate_no_punch_through_a_kill_and_a_restart() -> None:
    admin_url = os.environ.get(ADMIN_URL_ENV)
    if not admin_url:
        pytest.skip(f"{ADMIN_URL_ENV} is not set (run .ci/postgres.sh and export it to test PostgreSQL)")
    plan = Plan(terminals_per_site=6, duration_s=60, clients=10, poll_interval_s=5, punch_every_s=3)

    outcome = soak(plan, admin_url, say=lambda _line: None)

    report = outcome.report()
    assert outcome.gateway_exits == {}, report
    assert (outcome.lost, outcome.duplicated, outcome.unexpected) == ([], 0, 0), report
    assert outcome.stored == outcome.produced > 0, report
    assert (outcome.payslips, outcome.pay_differences) == (36, []), report  # two employees per terminal
    assert outcome.kills == 1, report
    assert outcome.healthy_errors == {}, report
    healthy_polled = {t.name for t in outcome.healthy() if t.kind != "zk-push"}
    assert set(outcome.polls) == healthy_polled and all(n > 0 for n, _expected in outcome.polls.values()), report
    restarted = {t.name for t in outcome.healthy() if t.kind != "zk-push" and t.site == KILLED_SITE}
    assert restarted <= outcome.first_polls_after_restart, report
    faulty = {t.name for t in outcome.terminals if t.fault is not None}
    assert {name for name, failed in outcome.faulty_failures.items() if failed} == faulty, report
    assert outcome.pg_restart.startswith(("done in ", "skipped: ")), report
