"""The texts of one request, each with the way to write a replacement back into the body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True, eq=False)
class TextField:
    """One string of the request that would leave the proxy.

    ``where`` names its class (``user``, ``tool_definition``…: a fixed vocabulary, safe for metric
    labels). ``path`` locates it in the body; inside JSON values it holds the request's own keys,
    so it is never logged. ``key`` is the key path inside a structured JSON value, dotted with list
    indices dropped (``contact.phone``), for a value or an object key found there; ``None`` for
    free text. ``text`` keeps the original value after ``set`` wrote a replacement into the body.
    """

    where: str
    path: str
    text: str
    _set: Callable[[str], None]
    key: str | None = None
    changed: bool = False
    param: str | None = None  # where errors may name it: the API's field names and indices only

    def set(self, value: str) -> None:
        self._set(value)
        self.changed = True


@dataclass(slots=True)
class Extracted:
    """Every text of one request. ``finalize`` after ``set``: it renames object keys that were
    replaced, then re-serializes the JSON strings (tool-call arguments, tool results) whose
    contents changed."""

    fields: list[TextField] = field(default_factory=list)
    _renames: list[Callable[[], None]] = field(default_factory=list)
    _serializers: list[Callable[[], None]] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [f.text for f in self.fields]

    def keys(self) -> list[str | None]:
        return [f.key for f in self.fields]

    def finalize(self) -> None:
        for rename in self._renames:
            rename()
        for serialize in self._serializers:
            serialize()
