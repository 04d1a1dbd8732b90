"""The round-robin balancer the scale-out test puts in front of several `serve` processes."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.fakes.balancer import Balancer


class Echo:
    """A backend answering with its name and what it received (status 201, a custom header)."""

    def __init__(self, name: str) -> None:
        echo = self
        self.name = name

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.dumps({"backend": echo.name, "method": self.command, "path": self.path,
                                   "headers": dict(self.headers.items()),
                                   "body": self.rfile.read(length).decode() if length else ""}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Backend", echo.name)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def refused_url() -> str:
    """An address where nothing listens: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def echoes() -> Iterator[list[Echo]]:
    backends = [Echo(n) for n in ("a", "b", "c")]
    yield backends
    for b in backends:
        b.stop()


def test_round_robin_forwards_the_request_and_passes_the_answer_back(echoes):
    with Balancer([e.url for e in echoes]) as lb:
        answers = [httpx.post(f"{lb.url}/slack/events?x=1", content=f"n={i}".encode(),
                              headers={"X-Slack-Signature": f"v0=sig{i}", "Content-Type": "application/x-www-form-urlencoded"})
                   for i in range(6)]
    assert [a.status_code for a in answers] == [201] * 6
    assert [a.json()["backend"] for a in answers] == ["a", "b", "c", "a", "b", "c"]
    assert [a.headers["X-Backend"] for a in answers] == ["a", "b", "c", "a", "b", "c"]
    first = answers[0].json()
    assert (first["method"], first["path"], first["body"]) == ("POST", "/slack/events?x=1", "n=0")
    assert first["headers"]["X-Slack-Signature"] == "v0=sig0"
    assert first["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert lb.answered_by() == Counter({e.url: 2 for e in echoes})
    assert lb.answered_by("/slack/events") == lb.answered_by()


def test_a_refused_backend_is_skipped_and_the_request_still_answered(echoes):
    dead = refused_url()
    with Balancer([echoes[0].url, dead, echoes[1].url], down_for=60) as lb:
        answers = [httpx.get(lb.url + "/healthz").json()["backend"] for _ in range(6)]
        assert lb.peek() != dead
    assert answers.count("a") + answers.count("b") == 6 and "c" not in answers
    assert set(answers) == {"a", "b"}
    assert dead not in lb.answered_by()
    assert any(dead in r.skipped for r in lb.routed), "the dead backend was tried once, then left out"
    assert sum(dead in r.skipped for r in lb.routed) == 1


def test_a_backend_that_dies_is_skipped_and_no_backend_at_all_is_503(echoes):
    with Balancer([e.url for e in echoes[:2]], down_for=0) as lb:
        assert httpx.get(lb.url + "/").json()["backend"] == "a"
        echoes[1].stop()
        assert [httpx.get(lb.url + "/").json()["backend"] for _ in range(3)] == ["a", "a", "a"]
        echoes[0].stop()
        assert httpx.get(lb.url + "/").status_code == 503
        assert lb.last().backend is None
