"""The baseline of bench.ack_latency: a bare Bolt app answering `/bare`, served in its own process
on the same HTTP server as `gtmbot serve --http` (waitress through bot.server.HttpServer).

    python -m bench.bare_app PORT SIGNING_SECRET SLACK_API_URL
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import App  # noqa: E402
from slack_bolt.adapter.wsgi import SlackRequestHandler  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from bot.server import HttpServer  # noqa: E402


def main() -> None:
    port, secret, api_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = App(signing_secret=secret, client=WebClient(token="xoxb-bench", base_url=api_url),
              token_verification_enabled=False)

    @app.command("/bare")
    def bare(ack) -> None:
        ack("ok")

    def healthz(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    handler = SlackRequestHandler(app)
    HttpServer(healthz, port=port).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
