"""rego-cpp in process (regopy): the other embedded runtime, re-compiled when the files change."""

from __future__ import annotations

import re
from typing import Any

from regopy import Bundle, Input, Interpreter, RegoError, set_default_log_level

from proxy.config import PolicyConfig
from proxy.decide.engine import DECISION_QUERY, BaseEngine
from proxy.decide.sources import PolicySources
from proxy.decide.types import PolicyError

set_default_log_level("None")  # errors are raised, not printed

_ERROR_MSG = re.compile(r"\(errormsg \d+:([^)\n]*)")
_ERROR_AT = re.compile(r"\(error \d+:([^|\s]+)")


def rego_error(e: RegoError) -> str:
    """The first message and file of a rego-cpp error, without its syntax tree."""
    text = str(e)
    msg = _ERROR_MSG.search(text)
    where = _ERROR_AT.search(text)
    first = msg.group(1).strip() if msg else text.strip().splitlines()[0][:200]
    return f"{where.group(1)}: {first}" if where else first


def new_interpreter(sources: PolicySources, *, with_tests: bool = False) -> Interpreter:
    """An interpreter holding the data documents and the modules (and tests) of ``sources``."""
    rego = Interpreter()
    try:
        rego.add_data(sources.data)
        for name, text in {**sources.modules, **(sources.tests if with_tests else {})}.items():
            rego.add_module(name, text)
    except RegoError as e:
        raise PolicyError("policy_invalid", rego_error(e)) from e
    return rego


def compile_policy(sources: PolicySources, query: str = DECISION_QUERY) -> Bundle:
    """Compile once: the bundle holds the plan for ``query``, then evaluated per input."""
    rego = new_interpreter(sources)
    try:
        bundle = rego.build(query)
    except RegoError as e:
        raise PolicyError("policy_invalid", rego_error(e)) from e
    if not bundle.ok():
        raise PolicyError("policy_invalid", f"the policy does not compile for {query}")
    return bundle


def first_value(output: Any) -> Any:
    """The value of a single-expression query; PolicyError when undefined or failed."""
    if not output.results:
        raise PolicyError("policy_eval_error", f"evaluation failed: {str(output)[:200]}")
    expressions = output.results[0].expressions
    if not expressions:
        raise PolicyError("policy_undefined", "the decision is undefined for this input")
    return expressions[0]


class RegopyEngine(BaseEngine):
    """Evaluates the compiled bundle inline: a decision costs well under a millisecond, less than
    handing it to a thread would. One process, one interpreter; workers each have their own."""

    name = "regopy"

    def __init__(self, config: PolicyConfig) -> None:
        super().__init__(config)
        self._bundle: Bundle | None = None
        self._rego = Interpreter()

    def _load(self, sources: PolicySources) -> None:
        self._bundle = compile_policy(sources)
        self.cache.clear()

    async def start(self) -> None:
        self.refresh(force=True)
        if self._error is not None:
            raise self._error

    async def ready(self) -> bool:
        self.refresh()
        return self._bundle is not None

    async def close(self) -> None:
        self._bundle = None

    async def _evaluate(self, input_doc: dict[str, Any]) -> Any:
        return self.evaluate(input_doc)

    def evaluate(self, input_doc: Any) -> Any:
        """The raw ``result`` document for one input (synchronous; used by the CLI and bench)."""
        if self._bundle is None:
            raise PolicyError("policy_not_loaded", "the policy is not loaded")
        try:
            self._rego.set_input(Input(input_doc))
        except (RegoError, TypeError, ValueError) as e:  # e.g. a lone surrogate in a string
            raise PolicyError("policy_input_invalid", "the input cannot be given to Rego") from e
        try:
            return first_value(self._rego.query_bundle(self._bundle))
        except RegoError as e:
            raise PolicyError("policy_eval_error", rego_error(e)) from e
        except ValueError as e:  # rego-cpp answered something that is not JSON
            raise PolicyError("policy_eval_error", "rego-cpp returned an unreadable result") from e
