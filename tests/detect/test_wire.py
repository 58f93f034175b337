"""The serving side of a worker's socket, on asyncio's loop and on uvloop's (whose sockets are
non-blocking): messages of any size go both ways whole and in order, and a closed or garbled
other end is reported, never raised."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest
import uvloop

from proxy.detect import wire

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


def _echo(sock: socket.socket) -> None:
    """A worker's side: answer each message with (its size, itself reversed) until None."""
    while True:
        try:
            msg = wire.recv(sock)
        except EOFError:
            return
        if msg is None:
            return
        wire.send(sock, (len(msg), msg[::-1]))


def _run(loop_name: str, main: Callable[[], Any]) -> Any:
    with asyncio.Runner(loop_factory=LOOPS[loop_name]) as runner:
        return runner.run(main())


@pytest.mark.parametrize("loop_name", sorted(LOOPS))
def test_messages_of_any_size_cross_whole_and_in_order(loop_name: str) -> None:
    rng = random.Random(7)
    # From a few bytes to 24 MB (far beyond any socket buffer), texts and span lists.
    sizes = [1, 100, 70_000, 250_000, 1 << 20, 5 << 20, 24 << 20]
    messages: list[Any] = [rng.randbytes(n) for n in sizes]
    messages += [["x" * 50] * 50_000, [(i, i + 5, "EMAIL_ADDRESS", 1.0) for i in range(200_000)]]

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        worker = threading.Thread(target=_echo, args=(theirs,), daemon=True)
        worker.start()
        got: list[Any] = []
        done = loop.create_future()

        def on_message(msg: Any) -> None:
            got.append(msg)
            if len(got) == len(messages) and not done.done():
                done.set_result(None)

        channel = wire.Channel(ours, loop, on_message, lambda: None)
        for m in messages:  # all queued at once: the socket fills up long before the end
            channel.send(m)
        assert channel.pending_bytes > 0
        await asyncio.wait_for(done, 120)
        channel.send(None)
        await asyncio.sleep(0.05)
        channel.close()
        worker.join(10)
        theirs.close()
        return got

    got = _run(loop_name, main)
    assert got == [(len(m), m[::-1]) for m in messages]


@pytest.mark.parametrize("loop_name", sorted(LOOPS))
@pytest.mark.parametrize("how", ["close", "garbage", "mid_message"])
def test_a_lost_or_garbled_worker_is_reported_once(loop_name: str, how: str) -> None:
    async def main() -> int:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        lost = loop.create_future()
        calls = []

        def on_lost() -> None:
            calls.append(1)
            if not lost.done():
                lost.set_result(None)

        channel = wire.Channel(ours, loop, lambda m: None, on_lost)
        channel.send(os.urandom(3 << 20))  # a job the other end never reads whole
        if how == "garbage":
            theirs.sendall(b"\x00" * 7 + b"\x05" + b"notapickle")
        elif how == "mid_message":
            theirs.sendall(b"\x00" * 7 + b"\xff" + b"x" * 10)
        theirs.close()
        await asyncio.wait_for(lost, 10)
        channel.send("after the end")  # ignored, not raised
        channel.close()
        await asyncio.sleep(0.01)
        return len(calls)

    assert _run(loop_name, main) == 1
