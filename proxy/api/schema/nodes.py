"""The building blocks of a request schema: how one place of a body is inspected.

A schema mirrors the API's wire format. A place is either allowed through unscanned because the
API defines it to carry no free text (a model name, a role or other discriminator, a value of an
enumeration the API lists, a number or boolean in a numeric or boolean parameter), or scanned as
text, or refused. What a schema does not name is text: an unknown field's name and every string
and number in its value are scanned. A shape the proxy cannot read (an image part, a token array,
an unknown part type) is refused with a 400 naming its place, never forwarded unseen.

Extension point: a new endpoint is a module that composes these nodes into its request schema,
plus one registration line in ``proxy.api.extract.SCHEMAS``. ``Node.doc`` lists what a node
inspects, so SECURITY.md is generated from the same schema the code walks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from proxy.api.schema.walk import At, Walk, invalid, unsupported
from proxy.errors import ErrorCode, ProxyError

Verdict = Literal["not scanned", "scanned", "refused"]


@dataclass(frozen=True, slots=True)
class Doc:
    """One line of the inspection list: a place, what happens to it, and why."""

    path: str
    verdict: Verdict
    detail: str


class Node(ABC):
    """A place in a request body. ``walk`` inspects ``holder[name]`` (collecting texts into
    ``w``, raising ProxyError for a shape it refuses); ``doc`` describes it for ``path``."""

    @abstractmethod
    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None: ...

    @abstractmethod
    def doc(self, path: str) -> Iterator[Doc]: ...


class Text(Node):
    """Free text: scanned."""

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        value = holder[name]
        if isinstance(value, str):
            w.text(holder, name, at)
        elif value is not None:
            raise invalid(at, "a string")

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "scanned", "text")


class Ident(Node):
    """A name the API defines to carry no free text (``model``): checked to be a string."""

    def __init__(self, what: str) -> None:
        self.what = what

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        if not isinstance(holder[name], str | None):
            raise invalid(at, "a string")

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "not scanned", self.what)


class Enum(Node):
    """A value of an enumeration the API lists: not scanned. Any other string is scanned (a
    value the API added later still works); ``refused`` values are refused with their reason."""

    def __init__(self, *values: str, refused: Mapping[str, str] | None = None) -> None:
        self.values = frozenset(values)
        self.refused = dict(refused or {})

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        value = holder[name]
        if value is None or value in self.values:
            return
        if value in self.refused:
            raise unsupported(at, self.refused[value])
        if not isinstance(value, str):
            raise invalid(at, "a string")
        w.text(holder, name, at)

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "not scanned", "one of " + ", ".join(f"`{v}`" for v in sorted(self.values))
                  + " (any other value is scanned)")
        for value, why in sorted(self.refused.items()):
            yield Doc(path, "refused", f"the value `{value}`: {why}")


class Scalar(Node):
    """A number, an integer or a boolean parameter: type-checked, not scanned."""

    _TYPES: dict[str, tuple[type, ...]] = {"number": (int, float), "integer": (int,),
                                           "boolean": (bool,)}

    def __init__(self, kind: Literal["number", "integer", "boolean"]) -> None:
        self.kind = kind

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        value = holder[name]
        if value is None:
            return
        if isinstance(value, bool) != (self.kind == "boolean") or not isinstance(
                value, self._TYPES[self.kind]):
            raise invalid(at, f"{'an' if self.kind == 'integer' else 'a'} {self.kind}")

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "not scanned", self.kind)


NUMBER, INTEGER, BOOLEAN = Scalar("number"), Scalar("integer"), Scalar("boolean")


class Refuse(Node):
    """Content the proxy cannot inspect (audio, images, built-in tools): refused when present."""

    def __init__(self, what: str) -> None:
        self.what = what

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        if holder[name] is not None:
            raise unsupported(at, self.what)

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "refused", self.what)


class ListOf(Node):
    def __init__(self, item: Node, *, nonempty: bool = False) -> None:
        self.item = item
        self.nonempty = nonempty

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        value = holder[name]
        if value is None:
            return
        if not isinstance(value, list) or (self.nonempty and not value):
            raise invalid(at, "a non-empty list" if self.nonempty else "a list")
        w.check_depth(at)
        for i in range(len(value)):
            self.item.walk(w, value, i, at.index(i))

    def doc(self, path: str) -> Iterator[Doc]:
        yield from self.item.doc(f"{path}[]")


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "list": (list,), "object": (dict,), "number": (int, float)}


class Alt(Node):
    """One of several shapes, told apart by JSON type (a string or a list of parts)."""

    def __init__(self, what: str, **by_type: Node) -> None:
        self.what = what
        self.by_type = by_type

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        value = holder[name]
        if value is None:
            return
        for kind, node in self.by_type.items():
            if isinstance(value, _JSON_TYPES[kind]) and not isinstance(value, bool):
                node.walk(w, holder, name, at)
                return
        raise invalid(at, self.what)

    def doc(self, path: str) -> Iterator[Doc]:
        seen: set[Doc] = set()
        for node in self.by_type.values():
            for d in node.doc(path):
                if d not in seen:
                    seen.add(d)
                    yield d


class Obj(Node):
    """An object with known fields; any other field is text (its name and its whole value)."""

    def __init__(self, fields: Mapping[str, Node], *, required: tuple[str, ...] = (),
                 unknown_where: str = "unknown_field") -> None:
        self.fields = dict(fields)
        self.required = required
        self.unknown_where = unknown_where

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        obj = holder[name]
        if obj is None:
            return
        if not isinstance(obj, dict):
            raise invalid(at, "an object")
        w.check_depth(at)
        for field in self.required:
            if obj.get(field) is None:
                sub = at.field(field)
                raise ProxyError(ErrorCode.invalid_request, f"'{sub.param}' is required",
                                 param=sub.param)
        for field in list(obj):
            node = self.fields.get(field)
            if node is not None:
                node.walk(w, obj, field, at.field(field))
                continue
            other = at.where_(self.unknown_where)
            w.key(obj, field, other)
            JSON.walk(w, obj, field, other.json_root().json_field(field))

    def doc(self, path: str) -> Iterator[Doc]:
        for field, node in self.fields.items():
            yield from node.doc(f"{path}.{field}" if path else field)


class Tagged(Node):
    """Objects told apart by a discriminator (``type``, ``role``); an unknown one is refused."""

    def __init__(self, tag: str, variants: Mapping[str, Node], *, what: str,
                 unknown: ErrorCode = ErrorCode.unsupported_input,
                 default: str | None = None) -> None:
        self.tag = tag
        self.what = what
        self.unknown = unknown
        self.default = default  # the variant of an object without the discriminator
        self.variants = {v: Obj({tag: Ident(f"{tag} (discriminator)"), **o.fields},
                                required=o.required, unknown_where=o.unknown_where)
                         if isinstance(o, Obj) else o for v, o in variants.items()}

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        obj = holder[name]
        if obj is None:
            return
        if not isinstance(obj, dict):
            raise invalid(at, "an object")
        tag = obj.get(self.tag, self.default)
        variant = self.variants.get(tag) if isinstance(tag, str) else None
        if variant is None:
            if self.unknown is ErrorCode.unsupported_input:
                raise unsupported(at, f"{self.what} of this {self.tag}")
            raise invalid(at, f"{self.what} with a {self.tag} of "
                          + ", ".join(f"'{v}'" for v in self.variants))
        variant.walk(w, holder, name, at)

    def doc(self, path: str) -> Iterator[Doc]:
        base = path[:-2] if path.endswith("[]") else path
        absent = f"; absent: `{self.default}`" if self.default else ""
        yield Doc(f"{path}.{self.tag}", "not scanned",
                  "one of " + ", ".join(f"`{v}`" for v in self.variants) + absent)
        for value, obj in self.variants.items():
            for d in obj.doc(f"{base}[{self.tag}={value}]"):
                if not d.path.endswith(f"].{self.tag}"):
                    yield d
        if self.unknown is ErrorCode.unsupported_input:
            yield Doc(f"{base}[{self.tag}=other]", "refused", f"{self.what} of any other "
                      f"{self.tag}")


class Where(Node):
    """Labels the texts below with their class (``where``: metrics and audit, never content)."""

    def __init__(self, where: str, node: Node) -> None:
        self.where = where
        self.node = node

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        self.node.walk(w, holder, name, at.where_(self.where))

    def doc(self, path: str) -> Iterator[Doc]:
        yield from self.node.doc(path)


class Json(Node):
    """Any JSON value: every object key, string and number in it is scanned, with its key path
    as context (``contact.phone``)."""

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        if at.key is None:
            at = at.json_root()
        value = holder[name]
        if isinstance(value, dict):
            w.check_depth(at)
            for k in list(value):
                w.key(value, k, at)
                self.walk(w, value, k, at.json_field(k))
        elif isinstance(value, list):
            w.check_depth(at)
            for i in range(len(value)):
                self.walk(w, value, i, at.json_index(i))
        else:
            w.text(holder, name, at)

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "scanned", "any JSON: every key, string and number in it")


JSON = Json()
