"""The webhook sender's HTTP/1.1 against a scripted receiver on loopback: keep-alive,
connections closed by the receiver, answers of every framing, caps and time limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bluewatch.webhooks.sender import Answer, ProtocolError, Sender
from bluewatch.webhooks.ssrf import Guard, GuardedConnector
from tests.aio import run

NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"
Reply = Callable[[int, bytes], bytes | None]  # (connection number, request) → answer; None: close


class ScriptedReceiver:
    """Answers each request with ``reply``; records (connection number, request bytes)."""

    def __init__(self, reply: Reply, close_after_answer: bool = False) -> None:
        self.reply = reply
        self.close_after_answer = close_after_answer
        self.requests: list[tuple[int, bytes]] = []
        self.connections = 0
        self.open_now = 0
        self.most_open = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1]) for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )  # fmt: skip
                request = head + await reader.readexactly(length)
                self.requests.append((number, request))
                answer = self.reply(number, request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open_now -= 1
            writer.close()


def with_receiver(
    reply: Reply, test: Callable[[Sender, str, ScriptedReceiver], Coroutine[Any, Any, None]],
    most_bytes: int = 65_536, connections: int = 10, close_after_answer: bool = False,
) -> ScriptedReceiver:  # fmt: skip
    receiver = ScriptedReceiver(reply, close_after_answer)

    async def main() -> None:
        server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        sender = Sender(GuardedConnector(Guard(["127.0.0.0/8"])), connections, most_bytes)
        try:
            await test(sender, f"http://127.0.0.1:{port}/hook?sink=1", receiver)
        finally:
            await sender.aclose()
            server.close()

    run(main())
    return receiver


async def post(sender: Sender, url: str, body: bytes = b'{"id": 1}') -> Answer:
    return await sender.post(url, [("webhook-id", "m1")], body, 2.0)


def test_requests_share_a_kept_connection_and_say_what_a_receiver_needs() -> None:
    async def test(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        assert [(await post(sender, url)).status for _ in range(3)] == [204] * 3

    receiver = with_receiver(lambda _, __: NO_CONTENT, test)
    assert [number for number, _ in receiver.requests] == [1, 1, 1]
    head, _, body = receiver.requests[0][1].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /hook?sink=1 HTTP/1.1"
    assert {line.split(b": ")[0].lower() for line in lines[1:]} == {
        b"host",
        b"webhook-id",
        b"content-length",
    }
    assert b"host: 127.0.0.1:" in head.lower() and body == b'{"id": 1}'


def test_a_connection_the_receiver_closed_is_not_used_again() -> None:
    """Closed after an answer without saying so (seen while idle), and closed just as the
    next request comes (found only then): each time the request still arrives."""

    async def test(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        assert (await post(sender, url)).status == 204
        await asyncio.sleep(0.1)  # a close reaches the sender
        assert (await post(sender, url)).status == 204

    kept = with_receiver(lambda _, __: NO_CONTENT, test)
    assert kept.connections == 1  # the control: without a close, the connection is kept
    closed = with_receiver(lambda _, __: NO_CONTENT, test, close_after_answer=True)
    assert [number for number, _ in closed.requests] == [1, 2]
    answered: list[int] = []

    def close_when_asked_again(number: int, _: bytes) -> bytes | None:
        answered.append(number)
        return None if answered.count(1) == 2 and number == 1 else NO_CONTENT

    abrupt = with_receiver(close_when_asked_again, test)
    assert [number for number, _ in abrupt.requests] == [1, 1, 2]


def test_an_answer_asking_to_close_ends_the_connection() -> None:
    async def test(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        assert [(await post(sender, url)).status for _ in range(2)] == [200, 200]

    closed = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    assert with_receiver(lambda _, __: closed, test).connections == 2


def test_answers_of_every_framing_are_read_and_a_retry_after_kept() -> None:
    answers = [
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 503 Busy\r\nRetry-After: 120\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nbusy\r\n0\r\n\r\n",
        NO_CONTENT,
    ]

    async def test(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        got = [await post(sender, url) for _ in answers]
        assert got == [Answer(202, None), Answer(503, "120"), Answer(204, None)]

    asked: list[bytes] = []

    def in_turn(_: int, request: bytes) -> bytes:
        asked.append(request)
        return answers[len(asked) - 1]

    assert with_receiver(in_turn, test).connections == 1  # each body read to its end: kept


def test_an_answer_body_is_read_only_to_its_cap() -> None:
    huge = b"HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\n\r\n" + b"x" * 4_000_000

    async def test(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        assert (await post(sender, url)).status == 200
        assert (await post(sender, url)).status == 200

    receiver = with_receiver(lambda _, __: huge, test, most_bytes=65_536)
    assert receiver.connections == 2  # the rest was dropped with the connection


def test_a_receiver_that_does_not_answer_times_out_and_one_that_hangs_up_is_an_error() -> None:
    async def silent(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        with pytest.raises(TimeoutError):
            await sender.post(url, [], b"{}", 0.3)

    with_receiver(lambda _, __: b"", silent)

    async def hung_up(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        with pytest.raises(ProtocolError):
            await post(sender, url)

    with_receiver(lambda _, __: None, hung_up)

    async def garbled(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        with pytest.raises(ProtocolError):
            await post(sender, url)

    with_receiver(lambda _, __: b"SMTP ready\r\n\r\n", garbled)


@pytest.mark.parametrize("limit", [1, 3])
def test_at_most_the_limit_of_connections_are_open_to_one_receiver(limit: int) -> None:
    async def test(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        answers = await asyncio.gather(*(post(sender, url) for _ in range(limit + 5)))
        assert {answer.status for answer in answers} == {204}

    receiver = with_receiver(lambda _, __: NO_CONTENT, test, connections=limit)
    assert len(receiver.requests) == limit + 5
    assert receiver.connections == limit  # as many as allowed, then kept ones reused
    assert receiver.most_open <= limit


def test_a_url_http_cannot_carry_is_an_error_of_its_own_not_a_crash() -> None:
    async def test(sender: Sender, url: str, _: ScriptedReceiver) -> None:
        with pytest.raises(ProtocolError):
            await post(sender, url.replace("/hook", "/a hook"))

    assert with_receiver(lambda _, __: NO_CONTENT, test).requests == []
