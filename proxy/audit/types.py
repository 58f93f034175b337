"""The audit contract used by the request path."""

from __future__ import annotations

from typing import Any, Protocol


class AuditLog(Protocol):
    """An append-only, tamper-evident log of decisions.

    ``append`` returns only after the record is durably committed (batched with concurrent
    appends) and returns its leaf index; it raises AuditError if the store cannot commit, and the
    request then fails with 503 before anything is forwarded. Records must hold no raw values:
    ``digest`` gives the keyed HMAC of a detected value for the ``value_digests`` field.
    """

    async def start(self) -> None: ...

    async def append(self, record: dict[str, Any]) -> int: ...

    def digest(self, value: str) -> str: ...

    async def ready(self) -> bool: ...

    async def close(self) -> None: ...


class AuditError(Exception):
    """The audit store could not commit."""
