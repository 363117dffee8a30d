"""A small Server-Sent Events consumer (a background thread), for tests and benchmarks."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Message:
    id: int
    type: str
    data: dict[str, Any]
    received: float  # time.time() when the message arrived


class SSEListener:
    def __init__(self, url: str, headers: dict[str, str], last_event_id: int | None = None):
        wanted = dict(headers)
        if last_event_id is not None:
            wanted["Last-Event-ID"] = str(last_event_id)
        self.messages: queue.Queue[Message] = queue.Queue()
        self.opened_at: int | None = None  # the position a fresh stream announced
        self.comments: queue.Queue[str] = queue.Queue()
        # Events without an id, such as stream.closed and stream.reset: (type, data).
        self.notices: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=None))
        self._response = self._client.send(
            self._client.build_request("GET", url, headers=wanted), stream=True
        )
        self.status_code = self._response.status_code
        self.content_type = self._response.headers.get("content-type", "")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for line in self._response.iter_lines():
                if not line:
                    if fields.get("event") == "stream.open":
                        self.opened_at = int(fields["id"])
                    elif "data" in fields and "id" in fields:
                        data = json.loads(fields["data"])
                        message = Message(int(fields["id"]), fields["event"], data, time.time())
                        self.messages.put(message)
                    elif "data" in fields and "event" in fields:
                        self.notices.put((fields["event"], json.loads(fields["data"])))
                    fields = {}
                elif line.startswith(":"):
                    self.comments.put(line)
                else:
                    key, _, value = line.partition(":")
                    fields[key] = value.removeprefix(" ")
        except (httpx.HTTPError, RuntimeError):
            return

    def next(self, timeout: float = 10.0) -> Message:
        return self.messages.get(timeout=timeout)

    def until(self, done: Callable[[list[Message]], bool], timeout: float = 15.0) -> list[Message]:
        """Messages until ``done(messages)`` holds; raises TimeoutError if it never does."""
        found: list[Message] = []
        deadline = time.monotonic() + timeout
        while not done(found):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"stream condition not met; got {[m.id for m in found]}")
            try:
                found.append(self.messages.get(timeout=remaining))
            except queue.Empty:
                continue
        return found

    def settle(self, timeout: float = 15.0) -> list[Message]:
        """Everything received until the server next sends a heartbeat, which it does only
        after a full heartbeat period with nothing to send: a positive sign that nothing
        else was on its way, rather than a guess at how long to wait."""
        while not self.comments.empty():
            self.comments.get_nowait()
        self.comments.get(timeout=timeout)
        found = []
        while not self.messages.empty():
            found.append(self.messages.get_nowait())
        return found

    def ended(self, timeout: float = 15.0) -> bool:
        """Whether the server closed the stream within ``timeout`` seconds."""
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def drain(self, wait: float = 1.0) -> list[Message]:
        """Everything that arrives within ``wait`` seconds of quiet."""
        found = []
        while True:
            try:
                found.append(self.messages.get(timeout=wait))
            except queue.Empty:
                return found

    def close(self) -> None:
        self._response.close()
        self._client.close()
        self._thread.join(timeout=5)
