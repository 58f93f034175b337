"""OPA's own Go engine (``v1/rego``) in process, through opa-golib-python-bindings.

The same evaluator as the OPA sidecar, compiled as a C library: a decision here is by construction
the decision the sidecar makes. The bindings are installed from ``requirements/opa.txt`` (their
metadata asks for a newer Python than the wheel needs, so pip installs them with
``--ignore-requires-python``); without them this engine refuses to start.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from proxy.decide.engine import DECISION_QUERY, BaseEngine
from proxy.decide.sources import PolicySources
from proxy.decide.types import PolicyError

log = logging.getLogger(__name__)

_MAX_ERROR = 300
_UNENCODABLE = "the input cannot be given to Rego"


def _bindings() -> Any:
    try:
        import opa_bindings
    except ImportError as e:  # also an unloadable shared library (wrong platform or libc)
        raise PolicyError(
            "policy_invalid",
            "OPA's Go engine is not installed: pip install --no-deps --ignore-requires-python "
            "--require-hashes -r requirements/opa.txt (make setup does)",
        ) from e
    return opa_bindings


def available() -> bool:
    """Whether the bindings import (the library itself loads on first use)."""
    try:
        _bindings()
    except PolicyError:
        return False
    return True


def go_error(e: Exception) -> str:
    """The OPA error without a trailing wall of context, one line."""
    return " ".join(str(e).split())[:_MAX_ERROR]


def new_go_engine(sources: PolicySources, *, with_tests: bool = False) -> Any:
    """A Go engine holding the data documents and the modules (and tests) of ``sources``.

    Modules are only compiled when a query is first prepared: call ``prepare`` to see errors.
    """
    opa = _bindings()
    engine = opa.OpaEngine()
    engine.print_handler = _print
    try:
        engine.add_data(sources.data)
        for name, text in {**sources.modules, **(sources.tests if with_tests else {})}.items():
            engine.add_policy(name, text)
    except opa.OpaError as e:
        engine.close()
        raise PolicyError("policy_invalid", go_error(e)) from e
    return engine


def prepare(engine: Any, query: str) -> None:
    """Compile the modules and prepare ``query`` (kept by the engine for the next evaluations);
    PolicyError when the policy does not compile. An error evaluating ``query`` on an empty input
    is not a compile error: it is left to the decisions that meet it."""
    opa = _bindings()
    try:
        engine.eval_query(f"__x = {query}", {})
    except opa.OpaError as e:
        if e.code == "prepare_error":
            raise PolicyError("policy_invalid", go_error(e)) from e


def _print(message: str, location: str) -> None:
    log.debug("rego print at %s: %s", location, message)


class OpaGoEngine(BaseEngine):
    """Evaluates the decision with OPA's Go engine inline; compiled once per policy revision."""

    name = "opa-go"

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._engine: Any = None
        self._document = DECISION_QUERY.removeprefix("data.")

    def _load(self, sources: PolicySources) -> None:
        engine = new_go_engine(sources)
        try:
            prepare(engine, DECISION_QUERY)
        except PolicyError:
            engine.close()
            raise
        with contextlib.suppress(_bindings().OpaError):  # prepares the query decisions use
            engine.eval_document(self._document, {})
        old, self._engine = self._engine, engine
        if old is not None:
            old.close()
        self.cache.clear()

    async def start(self) -> None:
        self.refresh(force=True)
        if self._error is not None:
            raise self._error

    async def ready(self) -> bool:
        self.refresh()
        return self._engine is not None

    async def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    async def _evaluate(self, input_doc: dict[str, Any]) -> Any:
        return self.evaluate(input_doc)

    def evaluate(self, input_doc: Any) -> Any:
        """The raw ``result`` document for one input (synchronous; used by the CLI and bench)."""
        if self._engine is None:
            raise PolicyError("policy_not_loaded", "the policy is not loaded")
        opa = _bindings()
        try:
            return self._engine.eval_document(self._document, input_doc)
        except opa.OpaUndefinedError as e:
            raise PolicyError("policy_undefined", "the decision is undefined for this input") from e
        except opa.OpaError as e:
            if e.code == "invalid_argument":  # e.g. a lone surrogate in a string
                raise PolicyError("policy_input_invalid", _UNENCODABLE) from e
            raise PolicyError("policy_eval_error", go_error(e)) from e
        except (TypeError, ValueError) as e:  # not JSON-serializable
            raise PolicyError("policy_input_invalid", _UNENCODABLE) from e
