"""One extraction's state: where the walk stands (``At``) and what it found (``Walk``)."""

from __future__ import annotations

import json
from typing import Any

from proxy.api.body import MAX_DEPTH  # the body's own limit, inside JSON values too
from proxy.api.fields import Extracted, TextField
from proxy.errors import ErrorCode, ProxyError


class At:
    """A place in the body. ``param`` is its path made of the API's own field names and indices
    only (errors name it); ``path`` goes on into JSON values with the request's keys. ``key`` is
    the key path inside a structured JSON value (``""`` at its root, ``None`` outside one)."""

    __slots__ = ("depth", "key", "param", "path", "where")

    def __init__(self, path: str = "", param: str = "", where: str = "other",
                 key: str | None = None, depth: int = 0) -> None:
        self.path = path
        self.param = param
        self.where = where
        self.key = key
        self.depth = depth

    def field(self, name: str) -> At:
        path = f"{self.path}.{name}" if self.path else name
        return At(path, path, self.where, self.key, self.depth + 1)

    def index(self, i: int) -> At:
        path = f"{self.path}[{i}]"
        param = f"{self.param}[{i}]" if self.param == self.path else self.param
        return At(path, param, self.where, self.key, self.depth + 1)

    def json_root(self, key: str = "") -> At:
        return At(self.path, self.param, self.where, key, self.depth)

    def json_field(self, name: str) -> At:
        key = f"{self.key}.{name}" if self.key else name
        return At(f"{self.path}.{name}", self.param, self.where, key, self.depth + 1)

    def json_index(self, i: int) -> At:
        return At(f"{self.path}[{i}]", self.param, self.where, self.key, self.depth + 1)

    def with_key(self, key: str | None) -> At:
        return At(self.path, self.param, self.where, key, self.depth)

    def where_(self, where: str) -> At:
        return At(self.path, self.param, where, self.key, self.depth)


def invalid(at: At, what: str) -> ProxyError:
    """The body is not what the API defines (a client mistake)."""
    where = f"'{at.param}'" if at.param else "the request body"
    return ProxyError(ErrorCode.invalid_request, f"{where} must be {what}",
                      param=at.param or None)


def unsupported(at: At, what: str) -> ProxyError:
    """A well-formed part the proxy cannot inspect: refused, never forwarded unseen."""
    return ProxyError(
        ErrorCode.unsupported_input,
        f"{what} ('{at.param}') cannot be inspected for personal data and is not accepted by "
        "this proxy",
        param=at.param or None,
    )


class Walk:
    """Collects the texts of one body, each with a setter into the body."""

    def __init__(self) -> None:
        self.out = Extracted()
        self._renames: dict[int, dict[Any, str]] = {}

    def check_depth(self, at: At) -> None:
        if at.depth > MAX_DEPTH:
            raise invalid(at, f"nested at most {MAX_DEPTH} levels deep")

    def text(self, holder: Any, name: Any, at: At) -> None:
        """Scan ``holder[name]``: a string, or a number (written back as a string if replaced)."""
        value = holder[name]
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int | float):
            text = json.dumps(value)
        elif isinstance(value, str):
            text = value
        else:  # pragma: no cover - callers pass scalars only
            raise TypeError(type(value).__name__)
        if not text:
            return

        def set_(new: str) -> None:
            holder[name] = new

        self.out.fields.append(TextField(at.where, at.path, text, set_, key=at.key or None,
                                         param=at.param or None))

    def key(self, obj: dict[str, Any], name: str, at: At) -> None:
        """Scan an object key; a replacement renames it (in place, order kept) at finalize."""
        if not name:
            return
        renames = self._renames.get(id(obj))
        if renames is None:
            renames = self._renames[id(obj)] = {}
            self.out._renames.append(lambda: _rename(obj, renames))

        def set_(new: str) -> None:
            renames[name] = new

        path = f"{at.path}.{name}" if at.path else name
        self.out.fields.append(TextField(at.where, f"{path} (key)", name, set_,
                                         key=at.key or None, param=at.param or None))

    def serialize_after(self, first: int, holder: Any, name: Any, parsed: Any) -> None:
        """Re-serialize ``parsed`` into ``holder[name]`` at finalize if a field from index
        ``first`` on was replaced (a JSON string whose contents were walked)."""
        fields = self.out.fields

        def serialize() -> None:
            if any(f.changed for f in fields[first:end]):
                holder[name] = json.dumps(parsed, ensure_ascii=False)

        end = len(fields)
        if end > first:
            self.out._serializers.append(serialize)


def _rename(obj: dict[str, Any], renames: dict[Any, str]) -> None:
    if not renames:
        return
    items = list(obj.items())
    names = [renames.get(k, k) for k, _ in items]
    if len(set(names)) != len(names):
        raise ValueError("two keys of one object would become one")
    obj.clear()
    obj.update(zip(names, (v for _, v in items), strict=True))
