"""Run localstripe on 127.0.0.1 and a free port, printing the port on the first line.

localstripe's own `start()` binds every interface on a fixed port and pickles its store to
/tmp/localstripe.pickle, shared by every run on the machine; tests need neither."""

from __future__ import annotations

import socket
import sys

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    resources.Store.dump_to_disk = lambda self: None  # keep state in this process only
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None, handle_signals=True)


if __name__ == "__main__":
    sys.exit(main())
