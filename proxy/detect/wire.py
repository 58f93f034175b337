"""Messages between a serving process and one detection worker, over a socket pair: each message
is pickled and preceded by its length (8 bytes, network order), whatever its size.

The serving side (``Channel``) lives on the event loop, so its socket is non-blocking: a message
goes out as far as the socket takes it, and the rest when the loop reports the socket writable
again; incoming bytes are gathered until a whole message is there. Nothing on this side raises
because a socket is full, however large a batch of texts or of spans is. The worker's side is an
ordinary blocking socket (``send``, ``recv``).
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
from collections import deque
from collections.abc import Callable
from typing import Any

_HEADER = struct.Struct("!Q")
_READ = 1 << 18  # bytes taken from the socket per wake-up


def encode(msg: Any) -> tuple[bytes, bytes]:
    """A message's length header and body."""
    body = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)), body


class Channel:
    """The serving side of a worker's socket.

    ``on_message`` is called with each whole message, ``on_lost`` once when the worker's end is
    gone (it exited, was killed, or sent something unreadable). Both run on the loop.
    """

    def __init__(
        self,
        sock: socket.socket,
        loop: asyncio.AbstractEventLoop,
        on_message: Callable[[Any], None],
        on_lost: Callable[[], None],
    ) -> None:
        sock.setblocking(False)
        self.sock, self.loop = sock, loop
        self.fd = sock.fileno()
        self.on_message, self.on_lost = on_message, on_lost
        self.open = True
        self._in = bytearray()
        self._out: deque[memoryview] = deque()
        self._writing = False
        loop.add_reader(self.fd, self._readable)

    @property
    def pending_bytes(self) -> int:
        """Bytes of messages not yet taken by the socket."""
        return sum(len(v) for v in self._out)

    def send(self, msg: Any) -> None:
        """Queue a message; it leaves as fast as the worker reads. Never raises on a full socket;
        a closed one is reported through ``on_lost``."""
        if not self.open:
            return
        self._out.extend(memoryview(part) for part in encode(msg))
        self._flush()

    def _flush(self) -> None:
        while self._out:
            head = self._out[0]
            try:
                n = self.sock.send(head)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._lost()
                return
            if n < len(head):
                self._out[0] = head[n:]
                break
            self._out.popleft()
        if self._out and not self._writing:
            self.loop.add_writer(self.fd, self._flush)
            self._writing = True
        elif not self._out and self._writing:
            self.loop.remove_writer(self.fd)
            self._writing = False

    def _readable(self) -> None:
        try:
            data = self.sock.recv(_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._lost()
            return
        buf = self._in
        buf += data
        while len(buf) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buf)
            end = _HEADER.size + size
            if len(buf) < end:
                break
            body = bytes(buf[_HEADER.size : end])
            del buf[:end]
            try:
                msg = pickle.loads(body)
            except Exception:  # noqa: BLE001 - a worker that sends garbage is treated as gone
                self._lost()
                return
            self.on_message(msg)
            if not self.open:
                return

    def _lost(self) -> None:
        if self.open:
            self.close()
            self.on_lost()

    def close(self) -> None:
        """Stop watching the socket and close it (what is still queued is dropped)."""
        if not self.open:
            return
        self.open = False
        self.loop.remove_reader(self.fd)
        if self._writing:
            self.loop.remove_writer(self.fd)
            self._writing = False
        self._out.clear()
        self.sock.close()


def send(sock: socket.socket, msg: Any) -> None:
    """Send one message on a blocking socket (the worker's side)."""
    header, body = encode(msg)
    sock.sendall(header)
    sock.sendall(body)


def recv(sock: socket.socket) -> Any:
    """Receive one message on a blocking socket; ``EOFError`` when the other end is gone."""
    (size,) = _HEADER.unpack(_exactly(sock, _HEADER.size))
    return pickle.loads(_exactly(sock, size))


def _exactly(sock: socket.socket, n: int) -> bytearray:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            raise EOFError("the other end closed the socket")
        got += k
    return buf
