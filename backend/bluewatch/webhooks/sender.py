"""Webhook POSTs over HTTP/1.1, on keep-alive connections kept per receiver.

The delivery workers' HTTP client. httpcore served before; under W7 (about 1,000
deliveries a second to ten subscriptions) its connection pool took most of a worker's
CPU: on every request it looked at each connection of the pool, through anyio's socket
attributes, and it wrote each request in two system calls. A webhook needs one request
shape (POST, a body of known length) and one answer (a status, a few headers, a body
read only to a cap), so this speaks that over asyncio streams, with h11 (httpcore's own
HTTP/1.1 parser) for the answer's framing: one write per request, no scan.

Connections go only where the SSRF guard allows (``GuardedConnector``). A connection
the receiver closed while it was idle is found so when a request on it meets the end
of the stream (or a reset) before any answer: then the request goes once more on a new
connection (a receiver may see a message twice: deliveries are at least once,
and receivers deduplicate on ``webhook-id``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import h11

from bluewatch.webhooks.ssrf import GuardedConnector

READ_SIZE = 65_536


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None


class ProtocolError(Exception):
    """The receiver's answer was not HTTP/1.1 as it should be."""


class _Stale(Exception):
    """A kept connection turned out closed before any answer came on it."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    http: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT))

    def close(self) -> None:
        self.writer.close()


@dataclass(frozen=True)
class _Receiver:
    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


class Sender:
    """POSTs to receivers, at most ``connections_per_receiver`` at once to each."""

    def __init__(
        self, connector: GuardedConnector, connections_per_receiver: int, max_response_bytes: int
    ) -> None:
        self.connector = connector
        self.connections_per_receiver = connections_per_receiver
        self.max_response_bytes = max_response_bytes
        self._idle: dict[_Receiver, list[_Connection]] = {}
        self._slots: dict[_Receiver, asyncio.Semaphore] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(
        self, url: str, headers: list[tuple[str, str]], body: bytes, step_seconds: float
    ) -> Answer:
        """Send; every step (a free connection, connecting, writing, each read) waits at
        most ``step_seconds`` (``TimeoutError``). Raises ``Refused`` for a destination
        the guard refuses, ``OSError`` and ``ProtocolError`` for the rest."""
        parts = urlsplit(url)
        default_port = 443 if parts.scheme == "https" else 80
        receiver = _Receiver(parts.scheme, parts.hostname or "", parts.port or default_port)
        try:
            request = h11.Request(
                method="POST",
                target=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                headers=[("host", parts.netloc), *headers, ("content-length", str(len(body)))],
            )
        except h11.ProtocolError as error:  # a URL HTTP cannot carry as it stands
            raise ProtocolError(str(error)) from None
        slots = self._slots.setdefault(receiver, asyncio.Semaphore(self.connections_per_receiver))
        async with asyncio.timeout(step_seconds):
            await slots.acquire()
        try:
            kept = self._take_idle(receiver)
            if kept is not None:
                with contextlib.suppress(_Stale):
                    return await self._exchange(receiver, kept, request, body, step_seconds, True)
            async with asyncio.timeout(step_seconds):
                reader, writer = await self.connector.open(
                    receiver.host, receiver.port, self._tls_context() if receiver.tls else None
                )
            connection = _Connection(reader, writer)
            return await self._exchange(receiver, connection, request, body, step_seconds, False)
        finally:
            slots.release()

    async def aclose(self) -> None:
        for kept in self._idle.values():
            for connection in kept:
                connection.close()
        self._idle.clear()

    def _take_idle(self, receiver: _Receiver) -> _Connection | None:
        kept = self._idle.get(receiver)
        return kept.pop() if kept else None  # the most recently used: the least likely closed

    async def _exchange(
        self, receiver: _Receiver, connection: _Connection, request: h11.Request, body: bytes,
        step_seconds: float, kept: bool,
    ) -> Answer:  # fmt: skip
        done = False
        try:
            answer = await self._request(connection, request, body, step_seconds, kept)
            done = await self._drain_body(connection, step_seconds)
            return answer
        except h11.ProtocolError as error:
            raise ProtocolError(str(error)) from None
        finally:
            http = connection.http
            if done and http.our_state is h11.DONE and http.their_state is h11.DONE:
                http.start_next_cycle()
                self._idle.setdefault(receiver, []).append(connection)
            else:
                connection.close()

    async def _request(
        self, connection: _Connection, request: h11.Request, body: bytes, step_seconds: float,
        kept: bool,
    ) -> Answer:  # fmt: skip
        http = connection.http
        message = b"".join(
            http.send(event) or b"" for event in (request, h11.Data(data=body), h11.EndOfMessage())
        )
        try:
            connection.writer.write(message)
            async with asyncio.timeout(step_seconds):
                await connection.writer.drain()
        except (ConnectionError, BrokenPipeError):
            if kept:
                raise _Stale from None
            raise
        answered = False
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                try:
                    async with asyncio.timeout(step_seconds):
                        chunk = await connection.reader.read(READ_SIZE)
                except ConnectionError:
                    if kept and not answered:
                        raise _Stale from None
                    raise
                if not chunk and kept and not answered:
                    raise _Stale
                answered = answered or bool(chunk)
                http.receive_data(chunk)
            elif isinstance(event, h11.Response):
                retry_after = next(
                    (value.decode("latin-1") for name, value in event.headers
                     if name == b"retry-after"), None,
                )  # fmt: skip
                return Answer(event.status_code, retry_after)
            elif isinstance(event, h11.ConnectionClosed):
                raise ProtocolError("the receiver closed the connection without an answer")
            # An informational answer (1xx) is followed by the real one.

    async def _drain_body(self, connection: _Connection, step_seconds: float) -> bool:
        """Read the answer's body, at most ``max_response_bytes`` of it; whether it was
        read to its end (the connection may then carry the next request)."""
        http = connection.http
        left = self.max_response_bytes
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                if left <= 0:
                    return False  # the rest is dropped with the connection
                async with asyncio.timeout(step_seconds):
                    http.receive_data(await connection.reader.read(READ_SIZE))
            elif isinstance(event, h11.Data):
                left -= len(event.data)
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return isinstance(event, h11.EndOfMessage)

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls
