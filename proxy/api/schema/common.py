"""Schema parts shared by the OpenAI endpoints: tools, response formats, sampling parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from proxy.api.schema.nodes import (
    BOOLEAN,
    INTEGER,
    JSON,
    NUMBER,
    Alt,
    Doc,
    Enum,
    Ident,
    ListOf,
    Node,
    Obj,
    Refuse,
    Tagged,
    Text,
    Where,
)
from proxy.api.schema.structured import JsonSchema
from proxy.api.schema.walk import At, Walk, invalid


class LogitBias(Node):
    """Token ids (digit strings) to numbers: nothing in it is text."""

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        value = holder[name]
        if value is None:
            return
        if not isinstance(value, dict):
            raise invalid(at, "an object")
        for k, v in value.items():
            if not (isinstance(k, str) and k.isascii() and k.isdigit()):
                raise invalid(at, "an object whose keys are token ids")
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise invalid(at, "an object whose values are numbers")

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "not scanned", "token ids (digits) to numbers")


MODEL = Ident("the model's name")
STREAM_OPTIONS = Obj({"include_usage": BOOLEAN, "include_obfuscation": BOOLEAN})
SAMPLING: dict[str, Node] = {
    "stream": BOOLEAN,
    "stream_options": STREAM_OPTIONS,
    "temperature": NUMBER,
    "top_p": NUMBER,
    "n": INTEGER,
    "seed": INTEGER,
    "max_tokens": INTEGER,
    "presence_penalty": NUMBER,
    "frequency_penalty": NUMBER,
    "logit_bias": LogitBias(),
}
STOP = Where("stop", Alt("a string or a list of strings", string=Text(), list=ListOf(Text())))
USER = Where("user_field", Text())
METADATA = Where("metadata", JSON)

TEXT_PART = Obj({"text": Text()})
JSON_SCHEMA = JsonSchema()

FUNCTION = Obj({"name": Text(), "description": Text(), "parameters": JSON_SCHEMA,
                "strict": BOOLEAN})
_GRAMMAR = Obj({"definition": Text(), "syntax": Enum("lark", "regex")})
CUSTOM_TOOL = Obj({
    "name": Text(),
    "description": Text(),
    "format": Tagged("type", {"text": Obj({}), "grammar": Obj({"grammar": _GRAMMAR})},
                     what="a custom tool format"),
})
TOOLS = Where("tool_definition", ListOf(Tagged(
    "type", {"function": Obj({"function": FUNCTION}), "custom": Obj({"custom": CUSTOM_TOOL})},
    what="a tool (built-in tools cannot be inspected)")))
FUNCTIONS = Where("tool_definition", ListOf(Obj({
    "name": Text(), "description": Text(), "parameters": JSON_SCHEMA})))

_NAMED = Obj({"name": Text()})
_TOOL_REF: dict[str, Node] = {"function": Obj({"function": _NAMED}),
                              "custom": Obj({"custom": _NAMED})}
TOOL_CHOICE = Where("tool_definition", Alt(
    "a string or an object",
    string=Enum("none", "auto", "required"),
    object=Tagged("type", {
        **_TOOL_REF,
        "allowed_tools": Obj({"allowed_tools": Obj({
            "mode": Enum("auto", "required"),
            "tools": ListOf(Tagged("type", _TOOL_REF, what="a tool reference")),
        })}),
    }, what="a tool choice"),
))
FUNCTION_CALL = Where("tool_definition", Alt(
    "a string or an object", string=Enum("none", "auto"), object=_NAMED))

RESPONSE_FORMAT = Where("response_format", Tagged("type", {
    "text": Obj({}),
    # llama.cpp's server also takes a schema beside json_object.
    "json_object": Obj({"schema": JSON_SCHEMA}),
    "json_schema": Obj({"json_schema": Obj({
        "name": Text(), "description": Text(), "schema": JSON_SCHEMA, "strict": BOOLEAN})}),
}, what="a response format"))

AUDIO_OUTPUT = Refuse("audio output (placeholders in speech cannot be restored)")
REASONING_EFFORT = Enum("none", "minimal", "low", "medium", "high", "xhigh")
SERVICE_TIER = Enum("auto", "default", "flex", "scale", "priority")
