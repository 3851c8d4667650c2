"""A real HTTP server on 127.0.0.1 for tests of network clients.

Clients are tested against real sockets rather than mocked transports, so that timeouts, truncated
bodies and headers behave exactly as they will against CelesTrak, Launch Library 2 and the market
data sources. Routes are keyed on ``(METHOD, path)`` only; the query string is recorded for
assertions but never used for routing (a callable route can inspect it when it matters).

Usage::

    with LocalServer({("GET", "/x"): [Reply(200, "a"), Reply(304)]}) as server:
        httpx.get(server.url + "/x?FORMAT=csv")
        assert server.requests[0].query == {"FORMAT": "csv"}

or, as a pytest fixture: ``yield from serve()``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

#: Seconds a connection may sit idle before the server drops it, so a leaked client can never
#: keep a handler thread (and hence :meth:`LocalServer.stop`) waiting forever.
IDLE_TIMEOUT = 5.0
#: How often the serving loop looks for a shutdown request: :meth:`LocalServer.stop` waits up to
#: this long, once per test that uses a server.
POLL_INTERVAL = 0.01


@dataclass(frozen=True)
class Reply:
    """One canned response.

    ``delay`` postpones the whole response (to provoke client timeouts); ``truncate`` announces a
    Content-Length larger than the body, sends the body and closes the connection, which is what a
    dropped download looks like to the client.
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False

    @property
    def body_bytes(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class Request:
    """One request as the server saw it. Header names are lower-cased."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Request], Reply]
#: A route is one reply (served every time), a sequence of replies (served once each, in order;
#: when exhausted the server answers 500) or a callable building the reply from the request.
Route = Reply | Sequence[Reply] | Handler


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads, so that server_close() joins them and no thread outlives a test.
    daemon_threads = False


class LocalServer:
    """A route-table HTTP server on an ephemeral port; as a context manager it starts and stops."""

    def __init__(self, routes: Mapping[tuple[str, str], Route] | None = None) -> None:
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], Handler] = {}
        self._requests: list[Request] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        for (method, path), route in (routes or {}).items():
            self.route(method, path, route)

    # -- configuration and inspection -------------------------------------------------------------

    def route(self, method: str, path: str, route: Route) -> None:
        """Add or replace the route for ``(method, path)``; allowed while the server runs."""
        if isinstance(route, Reply):
            handler: Handler = lambda _request, reply=route: reply  # noqa: E731
        elif callable(route):
            handler = route
        else:
            handler = self._queue(list(route))
        with self._lock:
            self._routes[(method.upper(), path)] = handler

    def _queue(self, replies: list[Reply]) -> Handler:
        def next_reply(request: Request) -> Reply:
            with self._lock:
                if replies:
                    return replies.pop(0)
            exhausted = f"test server: no canned reply left for {request.method} {request.path}"
            return Reply(500, exhausted)

        return next_reply

    @property
    def url(self) -> str:
        """Base URL, ``http://127.0.0.1:<port>`` (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[Request]:
        """The received requests whose path is ``path``."""
        return [r for r in self.requests if r.path == path]

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> LocalServer:
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake delayed handlers, drop open connections and join every thread."""
        if self._httpd is None or self._thread is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client
        self._httpd.server_close()  # joins the handler threads
        self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- used by the handler ----------------------------------------------------------------------

    def _track(self, conn: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self._requests.append(request)
            handler = self._routes.get((request.method, request.path))
        if handler is None:
            return Reply(404, f"test server: no route for {request.method} {request.path}")
        try:
            return handler(request)
        except Exception as exc:  # a broken test route must show up as a failed request, not a hang
            return Reply(500, f"test server: route handler raised {exc!r}")


def serve(routes: Mapping[tuple[str, str], Route] | None = None) -> Iterator[LocalServer]:
    """Yield a started :class:`LocalServer` and stop it afterwards.

    A plain generator so that a pytest fixture can simply ``yield from serve()``.
    """
    with LocalServer(routes) as server:
        yield server


def _make_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and Content-Length framing, like real servers
        timeout = IDLE_TIMEOUT

        def setup(self) -> None:
            super().setup()
            server._track(self.connection, True)

        def finish(self) -> None:
            server._track(self.connection, False)
            try:
                super().finish()
            except OSError:
                pass  # the client went away first (e.g. it timed out)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean; the request log is in server.requests

        def _handle(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=split.path,
                query=dict(parse_qsl(split.query, keep_blank_values=True)),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            reply = server._answer(request)
            if reply.delay and server._stopping.wait(reply.delay):
                self.close_connection = True
                return  # shutting down: abandon the delayed reply
            body = reply.body_bytes
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                announced = len(body) + 1024 if reply.truncate else len(body)
                self.send_header("Content-Length", str(announced))
                if reply.truncate:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                self.wfile.flush()
            except OSError:
                self.close_connection = True  # the client gave up (timed out) before the reply
                return
            if reply.truncate:
                self.close_connection = True

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return _Handler
