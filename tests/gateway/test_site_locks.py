"""One poller per site per database, one backup taker per database, between real processes.

The holders are child processes (SQLite: lock files + flock; PostgreSQL: advisory locks), so every refusal
below is what a second `serve` on another host or in another unit would see.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.devices.poller_lock import PollerLock, backup_lock, lock_file_path, poller_lock

HOLDER = """
import sys
from gateway.devices.poller_lock import backup_lock, poller_lock
url, what = sys.argv[1], sys.argv[2]
lock = backup_lock(url) if what == "backup" else poller_lock(url, None if what == "-" else what)
with lock as held:
    print("held" if held.holder is None else "refused", flush=True)
    sys.stdin.read()
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'punchclock.db'}"
    result: str = request.getfixturevalue("pg_empty_url")
    return result


@pytest.fixture
def hold(url: str) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Start a child holding a lock of `url`: a site's poller lock, "-" for the site-less one, or "backup"."""
    children: list[subprocess.Popen[str]] = []

    def start(what: str) -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [sys.executable, "-c", HOLDER, url, what], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        children.append(child)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        return child

    yield start
    for child in children:
        child.kill()
        child.wait()


def refusal_of(lock: PollerLock, holder: subprocess.Popen[str], subject: str, instead: str) -> None:
    assert lock.holder is not None and lock.holder.since is not None
    since = lock.holder.since.isoformat(timespec="seconds")
    assert lock.refusal() == f"{subject} by pid {holder.pid} on host {socket.gethostname()} since {since}; {instead}"


def test_two_sites_poll_one_database_and_a_second_gateway_of_a_site_is_told_who_polls_it(
    url: str, hold: Callable[[str], subprocess.Popen[str]]
) -> None:
    shanghai = hold("SH")
    with poller_lock(url, "BJ") as beijing:
        assert beijing.holder is None
    with poller_lock(url, "SH") as second:
        refusal_of(
            second, shanghai, "the terminals of site SH of this database are polled", "this process serves the API only"
        )


def test_a_gateway_without_a_site_polls_every_terminal_so_it_excludes_the_site_gateways(
    url: str, hold: Callable[[str], subprocess.Popen[str]]
) -> None:
    everything = hold("-")
    with poller_lock(url, "SH") as site:
        refusal_of(
            site,
            everything,
            "the terminals of every site of this database are polled (a gateway with no site)",
            "this process serves the API only",
        )
    everything.kill()
    everything.wait()
    shanghai = hold("SH")
    with poller_lock(url) as siteless:
        refusal_of(siteless, shanghai, "the terminals of this database are polled", "this process serves the API only")


def test_a_refused_site_gateway_lets_go_of_the_shared_lock(
    url: str, hold: Callable[[str], subprocess.Popen[str]]
) -> None:
    shanghai = hold("SH")
    with poller_lock(url, "SH") as refused:
        assert refused.holder is not None
    shanghai.kill()
    shanghai.wait()
    if url.startswith("postgresql"):  # the server notices the killed client's socket within moments
        for _ in range(100):
            with poller_lock(url) as lock:
                if lock.holder is None:
                    break
    with poller_lock(url) as siteless:
        assert siteless.holder is None


def test_one_process_per_database_takes_the_backups(url: str, hold: Callable[[str], subprocess.Popen[str]]) -> None:
    taker = hold("backup")
    with poller_lock(url, "SH") as polling:  # the backup lock is apart from every poller lock
        assert polling.holder is None
    with backup_lock(url) as second:
        refusal_of(
            second,
            taker,
            "backups of this database are taken",
            "this process takes none (keep [backup] dir in one gateway's config only)",
        )


def test_the_lock_files_of_a_site_and_of_the_backups_lie_next_to_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'site.db'}"
    with poller_lock(url, "SH") as polling, backup_lock(url) as backups:
        assert polling.holder is None and backups.holder is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "site.db.backup.lock",
        "site.db.poller-SH.lock",
        "site.db.poller.lock",
    ]
    assert lock_file_path(url, ".poller-SH.lock") == tmp_path / "site.db.poller-SH.lock"
