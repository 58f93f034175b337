"""Placeholders back to original values, in whole answers and in streams.

Only placeholders issued for this request (the vault's) are restored. In a stream, text flows on as
it arrives; the only text held back is a tail that could still be the start of an issued
placeholder, so the hold-back is never longer than the longest placeholder minus one character.
"""

from __future__ import annotations

import json
import re
from typing import Any

from proxy.transform.vault import Vault


class Restorer:
    """Restores one request's placeholders; ``json_escape`` for text inside a JSON string."""

    def __init__(self, vault: Vault) -> None:
        self._originals = vault.originals
        names = sorted(self._originals, key=len, reverse=True)
        self._re = re.compile("|".join(re.escape(n) for n in names)) if names else None
        self._prefixes = {n[:k] for n in names for k in range(1, len(n))}
        self.max_hold = max((len(n) - 1 for n in names), default=0)

    def __bool__(self) -> bool:
        return self._re is not None

    def restore(self, text: str, *, json_escape: bool = False) -> str:
        if self._re is None or not text:
            return text
        if json_escape:
            return self._re.sub(lambda m: json.dumps(self._originals[m.group(0)],
                                                     ensure_ascii=False)[1:-1], text)
        return self._re.sub(lambda m: self._originals[m.group(0)], text)

    def stream(self, *, json_escape: bool = False) -> StreamRestorer:
        return StreamRestorer(self, json_escape)

    def hold_index(self, buf: str) -> int:
        """Index from which ``buf`` could still be the start of a placeholder (len: none)."""
        if not self._prefixes:
            return len(buf)
        start = max(0, len(buf) - self.max_hold)
        i = buf.find("<", start)
        while i != -1:
            if buf[i:] in self._prefixes:
                return i
            i = buf.find("<", i + 1)
        return len(buf)

    def restore_json(self, obj: Any) -> Any:
        """Restore every string inside a decoded JSON value (tool-call arguments parsed)."""
        if isinstance(obj, str):
            return self.restore(obj)
        if isinstance(obj, list):
            return [self.restore_json(v) for v in obj]
        if isinstance(obj, dict):
            return {k: self.restore_json(v) for k, v in obj.items()}
        return obj


class StreamRestorer:
    """One stream channel (a choice's content, or one tool call's arguments)."""

    def __init__(self, restorer: Restorer, json_escape: bool) -> None:
        self._r = restorer
        self._json = json_escape
        self._buf = ""

    def feed(self, piece: str) -> str:
        if not self._r:
            return piece
        buf = self._buf + piece
        h = self._r.hold_index(buf)
        self._buf = buf[h:]
        return self._r.restore(buf[:h], json_escape=self._json)

    def flush(self) -> str:
        buf, self._buf = self._buf, ""
        return self._r.restore(buf, json_escape=self._json)

    @property
    def held(self) -> int:
        return len(self._buf)
