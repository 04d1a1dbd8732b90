"""localstripe as a subprocess for the Stripe client tests: one per session, flushed per test."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.fakes.driver import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.localstripe_runner"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.isdigit():
            pytest.fail(f"localstripe did not start (printed {line!r})")
        url = f"http://127.0.0.1:{line}"

        def answers() -> bool:
            try:
                httpx.get(f"{url}/v1/customers", headers={"Authorization": "Bearer sk_test_x"}, timeout=1)
                return True
            except httpx.TransportError:
                return False

        wait_until(answers, 10, interval=0.05, message="localstripe did not answer")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def localstripe(localstripe_server: str) -> Iterator[str]:
    """A clean localstripe for each test."""
    httpx.delete(f"{localstripe_server}/_config/data", timeout=5)
    yield localstripe_server
    httpx.delete(f"{localstripe_server}/_config/data", timeout=5)
