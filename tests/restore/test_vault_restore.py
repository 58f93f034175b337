import json

import pytest

from proxy.detect.types import Span
from proxy.restore.responses import ChunkRestorer, restore_body
from proxy.restore.restorer import Restorer
from proxy.transform.vault import PLACEHOLDER_RE, Vault, apply_spans

KEY = b"k" * 32


def pseudonymize(text, spans, tenant="acme"):
    vault = Vault(KEY, tenant)
    out, n = apply_spans(text, spans, None, vault, "pseudonymize")
    return out, vault


def test_placeholders_are_deterministic_per_tenant_and_distinct_per_value():
    text = "Mail jane@x.eu or bob@y.eu, again jane@x.eu"
    starts = [5, text.index("bob"), text.rindex("jane")]
    spans = [Span(s, s + len(v), "EMAIL_ADDRESS", 1.0)
             for s, v in zip(starts, ["jane@x.eu", "bob@y.eu", "jane@x.eu"], strict=True)]
    out, vault = pseudonymize(text, spans)
    phs = PLACEHOLDER_RE.findall(out)
    assert len(phs) == 3 and phs[0] == phs[2] != phs[1]
    assert "jane@x.eu" not in out and "bob@y.eu" not in out
    again, _ = pseudonymize(text, spans)
    assert again == out  # same value, same placeholder across turns
    other, _ = pseudonymize(text, spans, tenant="other")
    assert other != out  # tenants do not share placeholders
    assert Restorer(vault).restore(out) == text


def test_redaction_is_irreversible():
    vault = Vault(KEY, "acme")
    out, n = apply_spans("call Jane now", [Span(5, 9, "PERSON", 0.9)], None, vault, "redact")
    assert out == "call [REDACTED_PERSON] now" and n == 1 and not vault


def test_entity_filter_and_overlap_refusal():
    vault = Vault(KEY, "acme")
    out, n = apply_spans("Jane in Paris", [Span(0, 4, "PERSON", 0.9), Span(8, 13, "LOCATION", .9)],
                         frozenset({"PERSON"}), vault, "pseudonymize")
    assert out.endswith(" in Paris") and n == 1
    with pytest.raises(ValueError):
        apply_spans("abcdef", [Span(0, 4, "A", 1), Span(2, 6, "B", 1)], None, vault, "redact")


def test_collision_inside_a_request_lengthens_the_placeholder(monkeypatch):
    import proxy.transform.vault as v

    vault = Vault(KEY, "acme")
    monkeypatch.setattr(v, "TAIL_LEN", 0)  # every value collides on the empty tail
    a = vault.placeholder("PERSON", "Ann")
    b = vault.placeholder("PERSON", "Bob")
    assert a != b and vault.originals[a] == "Ann" and vault.originals[b] == "Bob"


def test_only_issued_placeholders_are_restored():
    vault = Vault(KEY, "acme")
    ph = vault.placeholder("PERSON", "Jane")
    r = Restorer(vault)
    assert r.restore(f"{ph} and <PERSON_abcdef>") == "Jane and <PERSON_abcdef>"


def split_every(text, n):
    return [text[i:i + n] for i in range(0, len(text), n)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64])
def test_stream_restore_with_placeholders_split_across_chunks(size):
    vault = Vault(KEY, "acme")
    a = vault.placeholder("PERSON", "Jane Doe")
    b = vault.placeholder("EMAIL_ADDRESS", "jane@x.eu")
    text = f"Hi {a}, write to {b}<{a} < <P> done<"
    sr = Restorer(vault).stream()
    out = "".join(sr.feed(p) for p in split_every(text, size)) + sr.flush()
    assert out == "Hi Jane Doe, write to jane@x.eu<Jane Doe < <P> done<"


def test_stream_holds_back_no_more_than_a_possible_placeholder():
    vault = Vault(KEY, "acme")
    ph = vault.placeholder("PERSON", "Jane")
    r = Restorer(vault)
    sr = r.stream()
    assert sr.feed("Hello world") == "Hello world"  # nothing that could start a placeholder
    assert sr.feed(" <PER") == " " and sr.held == 4
    assert sr.feed("x") == "<PERx"  # no longer a placeholder prefix: released at once
    assert sr.feed(ph[:3]) == "" and sr.held <= r.max_hold
    assert sr.feed(ph[3:]) == "Jane"


def test_no_vault_means_no_hold_back():
    sr = Restorer(Vault(KEY, "acme")).stream()
    assert sr.feed("<PERSON_") == "<PERSON_"


def test_tool_arguments_are_restored_with_json_escaping():
    vault = Vault(KEY, "acme")
    ph = vault.placeholder("PERSON", 'Jane "JD" Doe')
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None,
            "tool_calls": [{"id": "c", "type": "function",
                            "function": {"name": "f", "arguments": json.dumps({"who": ph})}}]}}]}
    restore_body(body, Restorer(vault))
    args = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(args) == {"who": 'Jane "JD" Doe'}


def test_chunk_restorer_releases_held_text_at_finish():
    vault = Vault(KEY, "acme")
    ph = vault.placeholder("PERSON", "Jane")
    cr = ChunkRestorer(Restorer(vault))
    c1 = cr.process({"choices": [{"index": 0, "delta": {"content": "to " + ph[:4]}}]})
    assert c1["choices"][0]["delta"]["content"] == "to "
    c2 = cr.process({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    assert c2["choices"][0]["delta"]["content"] == ph[:4]
    assert cr.tail() is None


def test_placeholders_altered_by_a_model_are_still_restored():
    vault = Vault(KEY, "acme")
    ph = vault.placeholder("PERSON", "Jane")
    core = ph[1:-1]
    r = Restorer(vault)
    assert r.restore(f"{core} and {core.upper()}> and <{core}") == "Jane and Jane and Jane"
    sr = r.stream()
    text = f"Dear {core}, bye"
    out = "".join(sr.feed(c) for c in text) + sr.flush()
    assert out == "Dear Jane, bye"
