"""Two site gateways on one PostgreSQL, each polling its own simulated terminals and never the other's (issue 17).

The second terminal of a site is first polled half an interval after the first (the poller spreads them), so the
interval is short; each poll after the first of a terminal finds nothing new.

Real `punchclock serve` processes, ZK simulators on loopback ports; every wait is bounded (`deploy_kit`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_kit import free_port, serve, write_config
from sqlalchemy import func, make_url, select

from gateway.access.keys import create_key_file
from gateway.store import Punch, make_engine
from simulators.zk import ZKTerminal

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def terminals() -> Iterator[dict[str, list[ZKTerminal]]]:
    sites = {  # fmt: skip
        "SH": [
            ZKTerminal(users=4, records=30, seed=11, packet_gap_s=0),
            ZKTerminal(users=4, records=20, seed=12, udp=True, packet_gap_s=0),
        ],
        "BJ": [
            ZKTerminal(users=4, records=25, seed=21, packet_gap_s=0),
            ZKTerminal(users=4, records=15, seed=22, udp=True, packet_gap_s=0),
        ],
    }
    started = [t.start() for ts in sites.values() for t in ts]
    try:
        yield sites
    finally:
        for terminal in started:
            terminal.stop()


def devices_of(site: str, office: str, terminals: list[ZKTerminal]) -> str:
    return "".join(
        f'[[devices]]\nname = "{site.lower()}-{i}"\nkind = "{t.kind}"\nhost = "127.0.0.1"\nport = {t.port}\n'
        f'office = "{office}"\ntimeout_s = 2\npoll_interval_s = 4\n\n'
        for i, t in enumerate(terminals)
    )


def test_each_site_gateway_polls_its_own_terminals_only(
    pg_empty_url: str, tmp_path: Path, terminals: dict[str, list[ZKTerminal]]
) -> None:
    create_key_file(tmp_path / "punchclock.key")
    offices = {"SH": "Shanghai HQ", "BJ": "Beijing plant"}
    shown = make_url(pg_empty_url).render_as_string(hide_password=True)
    gateways = {}
    try:
        for site, office in offices.items():
            port = free_port()
            body = "[user_sync]\ninterval_s = 0\n\n" + devices_of(site, office, terminals[site])  # polls alone
            config = write_config(tmp_path / f"site-{site}.toml", pg_empty_url, port, body, site=site)
            gateways[site] = serve(config, port)
        for site, gateway in gateways.items():
            assert gateway.wait_for(f"site {site}: polling ") == f"site {site}: polling 2 devices into {shown}"
            for i, terminal in enumerate(terminals[site]):
                read = gateway.wait_for(f"{site.lower()}-{i} ")
                assert read == (
                    f"{site.lower()}-{i} ({terminal.serial}): read {len(terminal.records)}, "
                    f"new {len(terminal.records)}, quarantined {len(terminal.records)}"
                )
    finally:
        outputs = {site: gateway.stop() for site, gateway in gateways.items()}
    for site, output in outputs.items():  # polled again every 4 s, and never a terminal of the other site
        polled = {line.split(" ", 1)[0] for line in output.splitlines() if re.match(r"^(sh|bj)-\d", line)}
        assert polled == {f"{site.lower()}-0", f"{site.lower()}-1"}, output
        assert re.search(r"^stopped after \d+ polls \(0 failed\)$", output, re.MULTILINE), output
    engine = make_engine(pg_empty_url)
    try:
        with engine.connect() as connection:
            stored = dict(connection.execute(select(Punch.device_sn, func.count()).group_by(Punch.device_sn)).all())
    finally:
        engine.dispose()
    assert stored == {t.serial: len(t.records) for ts in terminals.values() for t in ts}
