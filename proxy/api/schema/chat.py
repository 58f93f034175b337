"""``POST /v1/chat/completions``: what each field of a request is, for inspection."""

from __future__ import annotations

from collections.abc import Mapping

from proxy.api.schema.common import (
    AUDIO_OUTPUT,
    FUNCTION_CALL,
    FUNCTIONS,
    METADATA,
    MODEL,
    REASONING_EFFORT,
    RESPONSE_FORMAT,
    SAMPLING,
    SERVICE_TIER,
    STOP,
    TEXT_PART,
    TOOL_CHOICE,
    TOOLS,
    USER,
)
from proxy.api.schema.nodes import (
    BOOLEAN,
    INTEGER,
    Alt,
    Enum,
    ListOf,
    Node,
    Obj,
    Refuse,
    Tagged,
    Text,
    Where,
)
from proxy.api.schema.structured import JsonText
from proxy.errors import ErrorCode


def _content(text: Node, parts: Mapping[str, Node]) -> Node:
    return Alt("a string or a list of content parts", string=text,
               list=ListOf(Tagged("type", parts, what="a content part")))


_TEXT: dict[str, Node] = {"text": TEXT_PART}
_UNINSPECTABLE: dict[str, Node] = {
    "image_url": Refuse("an image"),
    "input_audio": Refuse("audio input"),
    "file": Refuse("a file"),
}
_NAME = Where("name", Text())
_TOOL_RESULT = _content(JsonText(), {"text": Obj({"text": JsonText()})})

TOOL_CALL = Tagged("type", {
    "function": Obj({"id": Text(), "function": Obj({
        "name": Text(), "arguments": Where("tool_call_arguments", JsonText())})}),
    "custom": Obj({"id": Text(), "custom": Obj({
        "name": Text(), "input": Where("tool_call_arguments", Text())})}),
}, what="a tool call", default="function")


def _system(where: str) -> Obj:
    return Obj({"content": Where(where, _content(Text(), _TEXT)), "name": _NAME})


MESSAGE = Tagged("role", {
    "system": _system("system"),
    "developer": _system("system"),
    "user": Obj({"content": Where("user", _content(Text(), {**_TEXT, **_UNINSPECTABLE})),
                 "name": _NAME}),
    "assistant": Obj({
        "content": Where("assistant", _content(Text(), {**_TEXT, "refusal": Obj({
            "refusal": Text()})})),
        "refusal": Where("assistant", Text()),
        "name": _NAME,
        "audio": Refuse("a reference to an earlier audio answer"),
        "tool_calls": Where("tool_call", ListOf(TOOL_CALL)),
        "function_call": Where("tool_call", Obj({
            "name": Text(), "arguments": Where("tool_call_arguments", JsonText())})),
    }),
    "tool": Obj({"content": Where("tool_result", _TOOL_RESULT),
                 "tool_call_id": Where("tool_call", Text())}),
    "function": Obj({"content": Where("tool_result", _TOOL_RESULT),
                     "name": Where("tool_call", Text())}),
}, what="a message", unknown=ErrorCode.invalid_request)

REQUEST = Obj({
    "model": MODEL,
    "messages": ListOf(MESSAGE, nonempty=True),
    **SAMPLING,
    "max_completion_tokens": INTEGER,
    "logprobs": BOOLEAN,
    "top_logprobs": INTEGER,
    "parallel_tool_calls": BOOLEAN,
    "store": BOOLEAN,
    "reasoning_effort": REASONING_EFFORT,
    "service_tier": SERVICE_TIER,
    "verbosity": Enum("low", "medium", "high"),
    "modalities": ListOf(Enum("text", refused={"audio": "audio output (placeholders in speech "
                                                        "cannot be restored)"})),
    "audio": AUDIO_OUTPUT,
    "web_search_options": Refuse("the built-in web search (its queries and results cannot be "
                                 "inspected)"),
    "tools": TOOLS,
    "tool_choice": TOOL_CHOICE,
    "functions": FUNCTIONS,
    "function_call": FUNCTION_CALL,
    "response_format": RESPONSE_FORMAT,
    "prediction": Where("prediction", Tagged("type", {"content": Obj({
        "content": _content(Text(), _TEXT)})}, what="a prediction")),
    "stop": STOP,
    "metadata": METADATA,
    "user": USER,
    "prompt_cache_key": USER,
    "safety_identifier": USER,
}, required=("messages",))
