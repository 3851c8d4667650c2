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

Hostile servers, for the limits of :mod:`tle.download`: ``Reply(stream=endless())`` sends a body
that never ends, ``Reply(stream=gzip_bomb_stream(), headers={"Content-Encoding": "gzip"})`` one
that inflates without end, ``interval`` drips the chunks (``drip_head`` the status line and
headers too, byte by byte), and :func:`gzip_bomb` is a whole gzip file of a given inflated size.
"""

from __future__ import annotations

import itertools
import socket
import struct
import sys
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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

    ``stream`` makes the body (``body`` is then unused) one chunk at a time, as the client reads:
    sent with chunked transfer encoding (unless ``headers`` give a Content-Length) and ended by
    closing the connection; it stops when the client goes away or the server stops. ``interval``
    waits that many seconds before each chunk, and with ``drip_head`` before each byte of the
    status line and headers.
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False
    stream: Callable[[], Iterable[bytes]] | None = None
    interval: float = 0.0
    drip_head: bool = False

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

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client dropped the connection (e.g. it stopped reading an endless body)
        super().handle_error(request, client_address)  # type: ignore[arg-type]


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


def endless(chunk: bytes = b"0" * 65536) -> Callable[[], Iterable[bytes]]:
    """A ``Reply.stream`` that never ends: ``chunk`` again and again."""
    return lambda: itertools.repeat(chunk)


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, no time
_MIB = 1 << 20


def _zeros_deflated() -> tuple[bytes, bytes]:
    """Raw deflate data of 1 MiB of zeros, and a unit that adds 1 MiB more each time it is
    repeated after it (each ends in a flush, and the window it refers to holds only zeros)."""
    z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return z.compress(bytes(_MIB)) + z.flush(zlib.Z_SYNC_FLUSH), z.compress(bytes(_MIB)) + z.flush(zlib.Z_SYNC_FLUSH)


def gzip_bomb_stream() -> Callable[[], Iterable[bytes]]:
    """A ``Reply.stream`` for ``Content-Encoding: gzip`` that inflates without end: about 1 KiB
    on the wire per MiB of zeros (serve it with that header)."""
    first, unit = _zeros_deflated()
    return lambda: itertools.chain([_GZIP_HEADER + first], itertools.repeat(unit))


def gzip_bomb(mib: int) -> bytes:
    """A complete, valid gzip file of ``mib`` MiB of zeros, about 1 KiB per MiB."""
    first, unit = _zeros_deflated()
    crc, zeros = 0, bytes(_MIB)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    final = b"\x03\x00"  # an empty last block (fixed Huffman)
    return _GZIP_HEADER + first + unit * (mib - 1) + final + struct.pack("<II", crc, (mib * _MIB) & 0xFFFFFFFF)


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
            if reply.stream is not None or reply.drip_head:
                self.close_connection = True
                try:
                    self._send_streamed(reply)
                except OSError:
                    pass  # the client went away: what these replies are waiting for
                return
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

        def _send_streamed(self, reply: Reply) -> None:
            """A reply with ``stream`` or ``drip_head``: written by hand, chunk by chunk."""
            chunks = reply.stream() if reply.stream is not None else [reply.body_bytes]
            headers = dict(reply.headers)
            framed = "content-length" not in {name.lower() for name in headers}
            if reply.stream is None and framed:
                headers["Content-Length"], framed = str(len(reply.body_bytes)), False
            if framed:
                headers["Transfer-Encoding"] = "chunked"
            head = f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}\r\n"
            head += "".join(f"{name}: {value}\r\n" for name, value in {**headers, "Connection": "close"}.items())
            raw_head = head.encode("latin-1") + b"\r\n"
            if not reply.drip_head:
                self.wfile.write(raw_head)
            for byte in raw_head if reply.drip_head else b"":
                if server._stopping.wait(reply.interval):
                    return
                self.wfile.write(bytes([byte]))
            for chunk in filter(None, chunks):  # an empty chunk would end a chunked body
                if server._stopping.wait(reply.interval) if reply.interval else server._stopping.is_set():
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if framed else chunk)
            if framed:
                self.wfile.write(b"0\r\n\r\n")

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return _Handler
