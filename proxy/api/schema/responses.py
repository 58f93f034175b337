"""``POST /v1/responses``: what each field of a request is, for inspection.

The wire format is the one of the official ``openai`` package's ``types/responses``. Input items
that carry text the proxy can read (messages, function and custom tool calls and their outputs,
reasoning text) are scanned; items and tools whose content lives at the provider or is produced
there unseen (built-in tools, encrypted reasoning, stored items and conversations) are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from proxy.api.schema.common import (
    JSON_SCHEMA,
    METADATA,
    MODEL,
    SERVICE_TIER,
    STREAM_OPTIONS,
    USER,
)
from proxy.api.schema.nodes import (
    BOOLEAN,
    INTEGER,
    JSON,
    NUMBER,
    Alt,
    Doc,
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
from proxy.api.schema.walk import At, Walk, invalid, unsupported
from proxy.errors import ErrorCode

STORED_STATE = ("state stored by the provider (the proxy never saw it, so it can neither inspect "
                "it nor restore the placeholders in it; send the whole conversation with "
                "store: false)")


class RefuseTrue(Node):
    """A boolean parameter whose ``true`` needs what the proxy refuses (background mode)."""

    def __init__(self, what: str) -> None:
        self.what = what

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        value = holder[name]
        if value is None or value is False:
            return
        if value is not True:
            raise invalid(at, "a boolean")
        raise unsupported(at, self.what)

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(path, "not scanned", "boolean")
        yield Doc(path, "refused", f"`true`: {self.what}")


class PromptVariables(Node):
    """A prompt template's variables: names the request chooses, each value a string or an
    ``input_text`` part (scanned, with the variable's name as context); images and files are
    refused. Errors name ``prompt.variables``, never a variable's name."""

    def walk(self, w: Walk, holder: Any, name: Any, at: At) -> None:
        obj = holder[name]
        if obj is None:
            return
        if not isinstance(obj, dict):
            raise invalid(at, "an object")
        w.check_depth(at)
        for key in list(obj):
            w.key(obj, key, at.with_key(None))
            value = obj[key]
            sub = At(f"{at.path}.{key}", at.param, at.where, key, at.depth + 1)
            if isinstance(value, str):
                w.text(obj, key, sub)
            elif not isinstance(value, dict):
                raise invalid(at, "an object of strings or content parts")
            elif value.get("type") == "input_text":
                for field in list(value):
                    if field == "text":
                        w.text(value, field, sub)
                    elif field != "type":
                        w.key(value, field, sub.with_key(None))
                        JSON.walk(w, value, field, sub.json_field(field))
            elif value.get("type") in ("input_image", "input_file"):
                raise unsupported(at, "an image or a file")
            else:
                raise unsupported(at, "a prompt variable of this type")

    def doc(self, path: str) -> Iterator[Doc]:
        yield Doc(f"{path}.*", "scanned", "each name, and its value (a string or the text of "
                  "an `input_text` part)")
        yield Doc(f"{path}.*", "refused", "an `input_image` or `input_file` value, or a part "
                  "of any other type")


_STATUS = Enum("in_progress", "completed", "incomplete")
_ID = Where("tool_call", Text())
_CACHE_BREAKPOINT = Obj({"mode": Enum("explicit"), "ttl": Enum("30m", "12h")})
_INPUT_TEXT = Obj({"text": Text(), "prompt_cache_breakpoint": _CACHE_BREAKPOINT})
_UNINSPECTABLE: dict[str, Node] = {
    "input_image": Refuse("an image"),
    "input_file": Refuse("a file"),
}
_ANNOTATION = Tagged("type", {
    "url_citation": Obj({"url": Text(), "title": Text(), "start_index": INTEGER,
                         "end_index": INTEGER}),
    "file_citation": Obj({"file_id": Text(), "filename": Text(), "index": INTEGER}),
    "container_file_citation": Obj({"container_id": Text(), "file_id": Text(),
                                    "filename": Text(), "start_index": INTEGER,
                                    "end_index": INTEGER}),
    "file_path": Obj({"file_id": Text(), "index": INTEGER}),
}, what="an annotation")
_OUTPUT_TEXT = Obj({
    "text": Text(),
    "annotations": ListOf(_ANNOTATION),
    "logprobs": ListOf(Refuse("token log-probabilities (their token byte arrays cannot be "
                              "inspected)")),
})
_REFUSAL = Obj({"refusal": Text()})


def _content(parts: dict[str, Node]) -> Node:
    return Alt("a string or a list of content parts", string=Text(),
               list=ListOf(Tagged("type", parts, what="a content part")))


def _message(where: str, parts: dict[str, Node]) -> Obj:
    return Obj({"content": Where(where, _content(parts)), "type": Enum("message"),
                "status": _STATUS, "id": _ID, "phase": Enum("commentary", "final_answer")},
               required=("content",))


_INPUT_PARTS: dict[str, Node] = {"input_text": _INPUT_TEXT, **_UNINSPECTABLE}
MESSAGE = Tagged("role", {
    "user": _message("user", _INPUT_PARTS),
    "system": _message("system", _INPUT_PARTS),
    "developer": _message("system", _INPUT_PARTS),
    "assistant": _message("assistant", {**_INPUT_PARTS, "output_text": _OUTPUT_TEXT,
                                         "refusal": _REFUSAL}),
}, what="a message", unknown=ErrorCode.invalid_request)

_CALLER = Tagged("type", {"direct": Obj({}), "program": Obj({"caller_id": _ID})},
                 what="a tool caller")
_CALL: dict[str, Node] = {"call_id": _ID, "id": _ID, "name": Where("tool_call", Text()),
                          "namespace": Where("tool_call", Text()), "caller": _CALLER,
                          "status": _STATUS, "async": BOOLEAN}
_TOOL_OUTPUT = Where("tool_result", Alt(
    "a string or a list of content parts", string=JsonText(),
    list=ListOf(Tagged("type", {"input_text": Obj({"text": JsonText(),
                                                   "prompt_cache_breakpoint": _CACHE_BREAKPOINT}),
                                **_UNINSPECTABLE}, what="a content part"))))
_SUMMARY = ListOf(Tagged("type", {"summary_text": Obj({"text": Text()})},
                         what="a reasoning summary part"))
_REASONING_TEXT = ListOf(Tagged("type", {"reasoning_text": Obj({"text": Text()})},
                                what="a reasoning content part"))


def _builtin(what: str) -> Refuse:
    return Refuse(f"{what}: what it does happens at the provider, unseen by the proxy")


_BUILTIN_ITEMS: dict[str, Node] = {
    "file_search_call": _builtin("a file search call"),
    "web_search_call": _builtin("a web search call"),
    "computer_call": _builtin("a computer use call"),
    "computer_call_output": Refuse("a computer screenshot"),
    "image_generation_call": Refuse("a generated image"),
    "code_interpreter_call": _builtin("a code interpreter call"),
    "local_shell_call": _builtin("a shell tool call (shell tools are not supported)"),
    "local_shell_call_output": _builtin("a shell tool output (shell tools are not supported)"),
    "shell_call": _builtin("a shell tool call (shell tools are not supported)"),
    "shell_call_output": _builtin("a shell tool output (shell tools are not supported)"),
    "apply_patch_call": _builtin("a patch tool call (patch tools are not supported)"),
    "apply_patch_call_output": _builtin("a patch tool output (patch tools are not supported)"),
    "mcp_list_tools": _builtin("a remote MCP server's tool list"),
    "mcp_approval_request": _builtin("a remote MCP call"),
    "mcp_approval_response": _builtin("a remote MCP call"),
    "mcp_call": _builtin("a remote MCP call"),
    "tool_search_call": _builtin("a hosted tool search"),
    "tool_search_output": _builtin("a hosted tool search"),
    "program": _builtin("a program run by the provider"),
    "program_output": _builtin("a program run by the provider"),
    "item_reference": Refuse(f"an item reference: {STORED_STATE}"),
    "compaction": Refuse("a compacted context (encrypted by the provider)"),
}

_BUILTIN_TOOLS: dict[str, Node] = {
    name: _builtin(what) for name, what in {
        "web_search": "the built-in web search",
        "web_search_2025_08_26": "the built-in web search",
        "web_search_preview": "the built-in web search",
        "web_search_preview_2025_03_11": "the built-in web search",
        "file_search": "the built-in file search (stored files cannot be inspected)",
        "computer": "computer use (screenshots cannot be inspected)",
        "computer_use": "computer use (screenshots cannot be inspected)",
        "computer_use_preview": "computer use (screenshots cannot be inspected)",
        "code_interpreter": "the built-in code interpreter",
        "image_generation": "image generation (images cannot be inspected)",
        "mcp": "a remote MCP server (the provider calls it directly)",
        "local_shell": "the shell tool (not supported)",
        "shell": "the shell tool (not supported)",
        "apply_patch": "the patch tool (not supported)",
        "programmatic_tool_calling": "programmatic tool calling",
        "tool_search": "the hosted tool search",
    }.items()
}

_CALLERS = ListOf(Enum("direct", "programmatic"))
FUNCTION_TOOL = Obj({"name": Text(), "description": Text(), "parameters": JSON_SCHEMA,
                     "strict": BOOLEAN, "output_schema": JSON_SCHEMA, "defer_loading": BOOLEAN,
                     "allowed_callers": _CALLERS, "async": BOOLEAN})
_GRAMMAR = Obj({"definition": Text(), "syntax": Enum("lark", "regex")})
CUSTOM_TOOL = Obj({"name": Text(), "description": Text(), "defer_loading": BOOLEAN,
                   "allowed_callers": _CALLERS, "async": BOOLEAN,
                   "format": Tagged("type", {"text": Obj({}), "grammar": _GRAMMAR},
                                    what="a custom tool format")})
_CLIENT_TOOLS: dict[str, Node] = {"function": FUNCTION_TOOL, "custom": CUSTOM_TOOL}
TOOLS = Where("tool_definition", ListOf(Tagged("type", {
    **_CLIENT_TOOLS,
    "namespace": Obj({"name": Text(), "description": Text(),
                      "tools": ListOf(Tagged("type", _CLIENT_TOOLS, what="a namespaced tool"))}),
    **_BUILTIN_TOOLS,
}, what="a tool (built-in tools cannot be inspected)")))

_NAMED = Obj({"name": Text()})
_TOOL_REF: dict[str, Node] = {"function": _NAMED, "custom": _NAMED}
TOOL_CHOICE = Where("tool_definition", Alt(
    "a string or an object",
    string=Enum("none", "auto", "required"),
    object=Tagged("type", {
        **_TOOL_REF,
        "allowed_tools": Obj({"mode": Enum("auto", "required"),
                              "tools": ListOf(Tagged("type", _TOOL_REF,
                                                     what="a tool reference"))}),
    }, what="a tool choice (built-in tools cannot be inspected)"),
))

TEXT_FORMAT = Where("response_format", Tagged("type", {
    "text": Obj({}),
    "json_object": Obj({}),
    "json_schema": Obj({"name": Text(), "description": Text(), "schema": JSON_SCHEMA,
                        "strict": BOOLEAN}),
}, what="a text format"))
VERBOSITY = Enum("low", "medium", "high")
REASONING_EFFORT = Enum("none", "minimal", "low", "medium", "high", "xhigh", "max")

ITEM = Tagged("type", {
    "message": MESSAGE,
    "function_call": Obj({**_CALL, "arguments": Where("tool_call_arguments", JsonText())}),
    "function_call_output": Obj({**_CALL, "output": _TOOL_OUTPUT}),
    "custom_tool_call": Obj({**_CALL, "input": Where("tool_call_arguments", Text())}),
    "custom_tool_call_output": Obj({**_CALL, "output": _TOOL_OUTPUT}),
    "reasoning": Where("assistant", Obj({
        "id": _ID, "summary": _SUMMARY, "content": _REASONING_TEXT, "status": _STATUS,
        "encrypted_content": Refuse("encrypted reasoning (it cannot be inspected)"),
    })),
    "additional_tools": Obj({"role": Enum("developer"), "tools": TOOLS, "id": _ID}),
    "configuration_update": Obj({
        "id": _ID, "reasoning": Obj({"effort": REASONING_EFFORT}),
        "text": Obj({"format": TEXT_FORMAT}),
    }),
    "compaction_trigger": Obj({"id": _ID}),
    **_BUILTIN_ITEMS,
}, what="an input item", default="message")

REQUEST = Obj({
    "model": MODEL,
    "input": Alt("a string or a list of input items", string=Where("user", Text()),
                 list=ListOf(ITEM)),
    "instructions": Where("system", Text()),
    "prompt": Obj({"id": Where("prompt", Text()), "version": Where("prompt", Text()),
                   "variables": Where("prompt", PromptVariables())}),
    "tools": TOOLS,
    "tool_choice": TOOL_CHOICE,
    "parallel_tool_calls": BOOLEAN,
    "max_tool_calls": INTEGER,
    "text": Obj({"format": TEXT_FORMAT, "verbosity": VERBOSITY}),
    "reasoning": Obj({
        "effort": REASONING_EFFORT,
        "summary": Enum("auto", "concise", "detailed"),
        "generate_summary": Enum("auto", "concise", "detailed"),
        "context": Enum("auto", "current_turn", "all_turns"),
        "mode": Enum("standard", "pro"),
    }),
    "include": ListOf(Enum(
        "file_search_call.results", "web_search_call.results", "web_search_call.action.sources",
        "message.input_image.image_url", "computer_call_output.output.image_url",
        "code_interpreter_call.outputs", "reasoning.encrypted_content",
        "message.output_text.logprobs")),
    "max_output_tokens": INTEGER,
    "temperature": NUMBER,
    "top_p": NUMBER,
    "top_logprobs": INTEGER,
    "truncation": Enum("auto", "disabled"),
    "stream": BOOLEAN,
    "stream_options": STREAM_OPTIONS,
    "store": BOOLEAN,
    "background": RefuseTrue(f"background mode: {STORED_STATE}"),
    "background_options": Obj({"completion_window": Enum("soonest", "2h", "8h"),
                               "continuation_id": Text()}),
    "previous_response_id": Refuse(f"a previous response: {STORED_STATE}"),
    "conversation": Refuse(f"a conversation: {STORED_STATE}"),
    "context_management": ListOf(Obj({"type": Enum("compaction"),
                                      "compact_threshold": INTEGER})),
    "service_tier": Enum(*SERVICE_TIER.values, "fast", "ultrafast"),
    "prompt_cache_key": USER,
    "prompt_cache_retention": Enum("in_memory", "24h"),
    "prompt_cache_options": Obj({"comparison_response_id": Text(), "mode": Enum(
        "implicit", "explicit"), "prewarm": BOOLEAN, "ttl": Enum("30m", "12h")}),
    "safety_identifier": USER,
    "user": USER,
    "metadata": METADATA,
    "moderation": Obj({"model": MODEL, "policy": Obj({
        "input": Obj({"mode": Enum("score", "block")}),
        "output": Obj({"mode": Enum("score", "block")})})}),
    "image": Obj({"context_compression": Enum("auto", "enabled", "disabled")}),
    "access_programs": Obj({"cyber": Enum("standard", "daybreak_blue", "daybreak_red")}),
})
