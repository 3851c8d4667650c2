"""Reading an HTTP answer within limits: a largest body and a deadline.

Every network source of the tracker (CelesTrak in :mod:`tle.celestrak`, Launch Library 2 in
``tracker.launches.ll2``, the market vendors in :mod:`markets.fetch`) reads its answers through
:func:`fetch` on a client made by :func:`client`, so that nothing a server sends can hold a refresh
(and its lock) for ever or fill the memory:

* **Size.** The body is counted *after* decompression, while it streams, and reading stops as soon
  as it passes ``max_bytes``. gzip and deflate are decoded here, in steps of at most :data:`STEP`
  bytes, so a compression bomb is never inflated beyond ``max_bytes`` + 1 bytes (httpx's own
  decoder would inflate a whole network read at once: 64 KiB of zeros become 64 MiB). Only gzip
  and deflate are offered (``Accept-Encoding``); another encoding is refused. The compressed bytes
  count too, and a ``Content-Length`` beyond the limit is refused before the body is read.
* **Time.** The deadline is wall-clock time from the start of the request to the last byte of the
  body, connecting and the headers included: every socket operation's timeout is cut to the time
  left (a network backend wrapped around httpcore's), so a server dripping one byte every few
  seconds, in the headers or in the body, is cut off at the deadline, not one read timeout after
  each byte. A caller's deadline for a whole run (``until``, a :func:`time.monotonic` instant)
  is honoured the same way.

Exceeding a limit raises a :class:`DownloadError` whose text is one line for a person; the
connection is dropped (never reused) and nothing more is read. The limits are the callers' (each
source knows how large its answers are); see :data:`tle.celestrak.LIMITS` for an example.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

#: What the clients offer; :func:`fetch` decodes both itself, step by step.
ACCEPT_ENCODING = "gzip, deflate"
#: The most decompressed bytes produced from compressed input in one step.
STEP = 64 * 1024

#: The monotonic instant by which the current :func:`fetch` must end (None: no deadline).
_UNTIL: ContextVar[float | None] = ContextVar("tle_download_until", default=None)


@dataclass(frozen=True)
class Limits:
    """The most one answer may be: ``max_bytes`` of body (decompressed) within ``deadline`` seconds."""

    max_bytes: int
    deadline: float

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or not self.deadline > 0:
            raise ValueError(f"limits must be positive, got {self}")


class DownloadError(Exception):
    """An answer that could not be read within the limits; ``str()`` is one line for a person."""


class TooLarge(DownloadError):
    """The body passed ``max_bytes``: ``received`` bytes came over the wire (still compressed, if
    it was) and ``decoded`` were decompressed when reading stopped."""

    def __init__(self, message: str, received: int = 0, decoded: int = 0) -> None:
        super().__init__(message)
        self.received, self.decoded = received, decoded


class TooSlow(DownloadError):
    """The deadline passed before the last byte. ``sent``: False when the request never left this
    machine (the time was up before it started, or while connecting)."""

    def __init__(self, message: str, sent: bool = True) -> None:
        super().__init__(message)
        self.sent = sent


class BodyTruncated(httpx.RemoteProtocolError):
    """The connection broke (or the server broke the protocol) while the body was read."""


class BadEncoding(DownloadError):
    """The body is in a Content-Encoding that was not offered, or its compressed data is broken."""


def size(n: int) -> str:
    """``n`` bytes for a person: 64 MiB, 1.5 KiB, 300 bytes."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} bytes"


# -- the deadline at the socket --------------------------------------------------------------------


def _time_left(timeout: float | None, late: type[httpcore.TimeoutException]) -> float | None:
    """``timeout`` cut to the time left before the current deadline; ``late`` once it has passed."""
    until = _UNTIL.get()
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise late("the deadline has passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's network backend, with streams that end by the current deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        left = _time_left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _time_left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def client(
    *,
    timeout: httpx.Timeout | float,
    headers: Mapping[str, str],
    trust_env: bool = True,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` for :func:`fetch`: redirects not followed, gzip and deflate offered,
    and the deadline enforced at every socket operation of its transports (proxies included).

    httpx has no public hook for the network backend, so the one of each transport's connection
    pool is wrapped here; ``tests/test_download.py`` checks that this still takes effect.
    """
    http = httpx.Client(
        timeout=timeout, headers={"Accept-Encoding": ACCEPT_ENCODING, **headers}, trust_env=trust_env,
        transport=transport, follow_redirects=False,
    )
    for each in (http._transport, *http._mounts.values()):
        pool: Any = getattr(each, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)
    return http


# -- reading ---------------------------------------------------------------------------------------


class _Decoder:
    """Content-Encoding decoding that never produces more than it is asked for at once."""

    def __init__(self, encoding: str) -> None:
        self.name = encoding.strip().lower()
        if self.name in ("", "identity"):
            self._zlib = None
        elif self.name in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.name == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send
            self._zlib = zlib.decompressobj()
        else:
            raise BadEncoding(f"the answer is encoded as {encoding!r}, which was not offered ({ACCEPT_ENCODING})")
        self._started = False

    def pieces(self, data: bytes, room: int) -> Iterator[bytes]:
        """The decoded ``data``, in pieces of at most :data:`STEP` bytes; the caller stops taking
        them once more than ``room`` came (the last piece ends at most one byte past it)."""
        if self._zlib is None:
            yield data
            return
        while data and not self._zlib.eof:
            try:
                piece = self._zlib.decompress(data, max(1, min(STEP, room + 1)))  # 0 would mean no limit
            except zlib.error as exc:
                if self.name == "deflate" and not self._started:  # not zlib-wrapped: raw deflate
                    self._zlib, self._started = zlib.decompressobj(-zlib.MAX_WBITS), True
                    continue
                raise BadEncoding(f"the {self.name} body is corrupt ({exc})") from None
            self._started = True
            data = self._zlib.unconsumed_tail
            room -= len(piece)
            yield piece

    def check_complete(self, received: int) -> None:
        if self._zlib is not None and received and not self._zlib.eof:
            raise BadEncoding(f"the {self.name} body ends early")


def _too_large(limit: int, encoding: str, received: int = 0, decoded: int = 0) -> TooLarge:
    once = f" once decompressed ({encoding})" if decoded > received else ""
    return TooLarge(f"the answer is larger than {size(limit)}{once}, the most accepted from this source: stopped reading",
                    received, decoded)


def _body(response: httpx.Response, max_bytes: int, until: float) -> bytes:
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise TooLarge(f"the answer announces {size(int(announced))}, more than the {size(max_bytes)} accepted from this source")
    decoder = _Decoder(response.headers.get("Content-Encoding", ""))
    parts: list[bytes] = []
    received = decoded = 0
    for raw in _raw(response):
        received += len(raw)
        if received > max_bytes:
            raise _too_large(max_bytes, decoder.name, received, decoded)
        for piece in decoder.pieces(raw, max_bytes - decoded):
            decoded += len(piece)
            if decoded > max_bytes:
                raise _too_large(max_bytes, decoder.name, received, decoded)
            parts.append(piece)
        if time.monotonic() > until:
            raise httpx.ReadTimeout("the deadline has passed")
    decoder.check_complete(received)
    return b"".join(parts)


def _raw(response: httpx.Response) -> Iterator[bytes]:
    """The body as it comes over the wire; :class:`BodyTruncated` when the connection breaks."""
    try:
        yield from response.iter_raw()
    except httpx.RemoteProtocolError as exc:
        raise BodyTruncated(str(exc), request=response.request) from exc


@contextmanager
def _deadline(until: float) -> Iterator[None]:
    token = _UNTIL.set(until)
    try:
        yield
    finally:
        _UNTIL.reset(token)


def fetch(
    http: httpx.Client, url: str, limits: Limits, *, headers: Mapping[str, str] | None = None, until: float | None = None
) -> httpx.Response:
    """GET ``url`` with ``http`` (made by :func:`client`) within ``limits`` and, when given, by the
    monotonic instant ``until`` (a run's deadline). The answer, whatever its status, comes back
    read and decoded (``.content``, ``.text``, ``.json()``; no Content-Encoding left).

    Raises :class:`TooLarge`, :class:`TooSlow` or :class:`BadEncoding`, and httpx's errors for the
    rest (a connection refused, a read timeout before the deadline, a truncated body).
    """
    start = time.monotonic()
    own = start + limits.deadline
    run_ends = until is not None and until <= own
    end = until if until is not None and run_ends else own
    late = "the run's time limit ran out" if run_ends else f"no complete answer within {limits.deadline:g} s"
    if end <= start:
        raise TooSlow(f"{late} before this request", sent=False)
    try:
        with _deadline(end), http.stream("GET", url, headers=headers) as response:
            content = _body(response, limits.max_bytes, end)
    except httpx.TimeoutException as exc:
        if time.monotonic() < end - 0.01:  # the source's own read or connect timeout: not ours
            raise
        raise TooSlow(f"{late}: gave up", sent=not isinstance(exc, httpx.ConnectTimeout)) from None
    decoded = response.headers.copy()
    for name in ("Content-Encoding", "Content-Length"):
        decoded.pop(name, None)
    extensions = {k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")}
    return httpx.Response(response.status_code, headers=decoded, content=content, request=response.request, extensions=extensions)
