"""HTTP/1.1 over plain asyncio streams for the bench's own clients: a POSTing loop and a
webhook sink that cost as little CPU as they can.

W7 runs the API, PostgreSQL, the delivery worker and the bench's clients on the same
two cores. With httpx as the POSTing client and ``http.server`` as the sink, the bench's
clients took a third of the CPU used at 100 POSTs/s (bench/RESULTS.md, 2026-11-27) and
could not send at the rate asked for: the harness saturated before the API did. These
speak just the HTTP the bench needs (keep-alive, Content-Length bodies) and nothing else.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import orjson

HEAD_END = b"\r\n\r\n"


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request or response with a Content-Length body (or none): (head, body)."""
    head = await reader.readuntil(HEAD_END)
    return head, await reader.readexactly(_content_length(head))


class Poster:
    """POSTs JSON bodies to one URL over ``connections`` keep-alive connections; a body
    waits for a free connection. Counts the answers of status 400 and above and the
    connections that failed as failures."""

    def __init__(self, url: str, headers: dict[str, str], connections: int) -> None:
        address = urlsplit(url)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        lines = [
            f"POST {address.path} HTTP/1.1",
            f"Host: {address.netloc}",
            "Content-Type: application/json",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        self.head = "\r\n".join(lines).encode()
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.failures = 0
        self.connections = connections
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._connection()) for _ in range(self.connections)]

    def post(self, body: object) -> None:
        self.queue.put_nowait(orjson.dumps(body))

    async def close(self) -> None:
        """Wait until every body queued has been answered, then close."""
        for _ in self.tasks:
            self.queue.put_nowait(None)
        await asyncio.gather(*self.tasks)

    async def _connection(self) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while (body := await self.queue.get()) is not None:
            request = b"%s\r\nContent-Length: %d\r\n\r\n%s" % (self.head, len(body), body)
            # A kept connection the server closed while idle (uvicorn does after 5 s, as
            # at 10 POSTs/s over many connections) fails before any answer: once more on
            # a new one.
            for kept in (reader is not None, False):
                try:
                    if reader is None or writer is None:
                        reader, writer = await asyncio.open_connection(self.host, self.port)
                    writer.write(request)
                    head, _ = await _read_message(reader)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                        ValueError) as error:  # fmt: skip
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    answered = isinstance(error, asyncio.IncompleteReadError) and error.partial
                    if kept and not answered:
                        continue
                    self.failures += 1
                    break
                self.failures += int(head[9:12]) >= 400
                if b"connection: close" in head.lower():
                    writer.close()
                    reader = writer = None
                break
        if writer is not None:
            writer.close()


Received = Callable[[bytes, bytes, float], None]  # request path, body, arrival time


async def serve_sink(port: int, received: Received) -> Callable[[], Awaitable[None]]:
    """A webhook receiver on 127.0.0.1:``port`` answering every POST 204 at once and
    telling ``received`` of it; returns the function that closes it."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, body = await _read_message(reader)
                received(head.split(b" ", 2)[1], body, time.time())
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", port, backlog=256)

    async def close() -> None:
        server.close()
        await server.wait_closed()

    return close


def wait_listening(port: int, seconds: float = 30.0) -> None:
    """Return once something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
