"""Structured values inside a request: JSON held in a string, and JSON Schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from proxy.api.body import parse_embedded
from proxy.api.schema.nodes import JSON, Doc, Node
from proxy.api.schema.walk import At, Walk, invalid


class JsonText(Node):
    """A string that may hold JSON (tool-call arguments, tool results). An object or array in it
    is walked like ``Json`` and re-serialized if a value in it was replaced; any other string is
    text."""

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        value = holder[name]
        if value is None:
            return
        if not isinstance(value, str):
            raise invalid(at, "a string")
        parsed = _parse(value)
        if not isinstance(parsed, dict | list):
            w.text(holder, name, at)
            return
        first = len(w.out.fields)
        JSON.walk(w, [parsed], 0, at.with_key(""))
        w.serialize_after(first, holder, name, parsed)

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "scanned", "text; if it holds a JSON object or array, every key, string "
                  "and number in it")


def _parse(text: str) -> Any:
    if text.lstrip()[:1] not in ("{", "["):
        return None
    return parse_embedded(text)


_SUBSCHEMA = frozenset({
    "items", "additionalItems", "additionalProperties", "unevaluatedItems",
    "unevaluatedProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "contentSchema"})
_SUBSCHEMA_LISTS = frozenset({"anyOf", "allOf", "oneOf", "prefixItems", "items"})
_SUBSCHEMA_MAPS = frozenset({
    "properties", "patternProperties", "dependentSchemas", "$defs", "definitions"})
_INSTANCE_VALUES = frozenset({"enum", "const", "default", "examples", "required"})
_FREE_TEXT = frozenset({
    "description", "title", "$comment", "pattern", "$ref", "$schema", "$id", "$anchor",
    "$dynamicRef", "$dynamicAnchor", "contentMediaType", "contentEncoding"})
_SCALARS = frozenset({
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
    "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minContains",
    "maxContains", "uniqueItems", "nullable", "readOnly", "writeOnly", "deprecated", "strict"})
TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
FORMATS = frozenset({
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uri-template", "uuid",
    "json-pointer", "relative-json-pointer", "regex"})


class JsonSchema(Node):
    """A JSON Schema (tool parameters, response formats). Property names, ``required``,
    descriptions, titles, ``enum``/``const``/``default``/``examples`` values, patterns,
    references and any keyword the walk does not know (name and value) are scanned; an instance
    value's key path is its property path (``contact.phone``). Keyword names, ``type`` and
    ``format`` values the specification lists, and numbers and booleans of numeric and boolean
    keywords are not."""

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        _schema(w, holder, name, at.with_key(""), "")

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "scanned", "JSON Schema: property names, `required`, `description`, "
                  "`title`, `enum`, `const`, `default`, `examples`, `pattern`, `$ref` and every "
                  "unknown keyword (name and value); not scanned: keyword names, the `type` and "
                  "`format` values JSON Schema lists, numbers and booleans of numeric and boolean "
                  "keywords")


def _sub(at: At, name: Any, key: str) -> At:
    path = f"{at.path}[{name}]" if isinstance(name, int) else f"{at.path}.{name}"
    return At(path, at.param, at.where, key, at.depth + 1)


def _schema(w: Walk, holder: Any, name: Any, at: At, prop: str) -> None:
    node = holder[name]
    if node is None or isinstance(node, bool):
        return
    if not isinstance(node, dict):
        JSON.walk(w, holder, name, at.with_key(prop))
        return
    w.check_depth(at)
    for kw in list(node):
        value = node[kw]
        if kw in _SUBSCHEMA_LISTS and isinstance(value, list):
            for i in range(len(value)):
                _schema(w, value, i, _sub(_sub(at, kw, prop), i, prop), prop)
        elif kw in _SUBSCHEMA:
            _schema(w, node, kw, _sub(at, kw, prop), prop)
        elif kw in _SUBSCHEMA_MAPS and isinstance(value, dict):
            sub = _sub(at, kw, prop)
            w.check_depth(sub)
            for pname in list(value):
                w.key(value, pname, sub)
                child = f"{prop}.{pname}" if prop else pname
                _schema(w, value, pname, _sub(sub, pname, child), child)
        elif kw in _INSTANCE_VALUES:
            JSON.walk(w, node, kw, _sub(at, kw, prop))
        elif kw in _FREE_TEXT:
            JSON.walk(w, node, kw, _sub(at, kw, ""))
        elif kw == "type" and _all_in(value, TYPES) or kw == "format" and _all_in(value, FORMATS):
            continue
        elif kw in _SCALARS and isinstance(value, int | float):  # bool is an int
            continue
        elif kw in ("type", "format") or kw in _SCALARS:
            JSON.walk(w, node, kw, _sub(at, kw, prop))
        else:
            w.key(node, kw, at.with_key(""))
            JSON.walk(w, node, kw, _sub(at, kw, prop))


def _all_in(value: Any, allowed: frozenset[str]) -> bool:
    if isinstance(value, str):
        return value in allowed
    return isinstance(value, list) and all(isinstance(v, str) and v in allowed for v in value)
