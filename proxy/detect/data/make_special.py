"""Rebuild ``special.json`` (the runtime lexicons of ``proxy.detect.recognizers.special``) from
``special/``.

Run by hand after editing a list: ``python -m proxy.detect.data.make_special`` (``--check`` only
compares; the tests run that comparison, so a hand-edited ``special.json`` fails them).

Layout of ``special/``:

- ``<category>/<lang>.txt``: the category's terms in one language (en fr de es it nl pl pt);
- ``political_opinion/parties/<cc>.txt``, ``trade_union/unions/<cc>.txt``: named groups of one
  country (ISO 3166-1 alpha-2), in their own language(s) and in English; ``health/medications.txt``:
  medicines by INN and brand. These names travel, so they apply to texts of every language;
- ``context/<lang>.txt``: person anchors, topic markers, cues and phrases (sections below).

Every file starts with a header naming its provenance: ``# source:`` (the reference consulted) and
``# as-of:`` (``YYYY-MM``, the date of the knowledge). The build refuses a file without them.

Term lines: one concept per line, its forms separated by ``|``. A form may start with flags: ``=``
case-sensitive (acronyms: ``=SPD``), ``~`` weak (an everyday word as well: counts only with a cue
of its category, "votes for ~Reform"), ``!`` own language only (left out of the English lexicon,
which otherwise carries every language's terms for texts of unsure language). A line starting with
``-`` lists forms that are NOT the category ("great depression"): they win over a shorter term
inside them. ``{a,b,}`` expands to alternatives; ``+A`` appends the language's adjective endings.
In ``medications.txt`` the first form of a line is an INN in English spelling, and the spellings of
the other languages are derived (``metformin`` -> ``metformine``, ``Metformin``, ``metformina``).

Context sections: ``[anchor]``, ``[topic_before]`` (cancels an anchor before it), ``[topic_weak]``
(makes only an unanchored term a topic), ``[topic_after]``, ``[institution_after]`` (word lists,
forms as above); ``[cue_before CAT]``, ``[cue_after CAT]`` and ``[phrase CAT]`` (regular
expressions, one per line; in phrases ``@WORD``, ``@WORDS`` and ``@CAP`` are one word, one to
three words and a capitalized name).

Checks: provenance headers; known categories, languages and sections; forms of at least three
characters (two when case-sensitive or weak); no regex metacharacters in forms; every regex
compiles; no form in two categories; cue and phrase sections only for known categories.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent / "special"
OUT = Path(__file__).resolve().parent / "special.json"
LANGS = ("en", "fr", "de", "es", "it", "nl", "pl", "pt")
CATEGORIES = {
    "health": "HEALTH_DATA",
    "religion": "RELIGIOUS_BELIEF",
    "sexual_orientation": "SEXUAL_ORIENTATION",
    "ethnic_origin": "ETHNIC_ORIGIN",
    "political_opinion": "POLITICAL_OPINION",
    "trade_union": "TRADE_UNION_MEMBERSHIP",
    "genetic": "GENETIC_DATA",
    "biometric": "BIOMETRIC_DATA",
    "criminal_offence": "CRIMINAL_OFFENCE",
}
SHARED = "*"  # the language key of names that apply to texts of every language
WORD_SECTIONS = ("anchor", "topic_before", "topic_weak", "topic_after", "institution_after")
REGEX_SECTIONS = ("cue_before", "cue_after", "phrase")
_HEADER = re.compile(r"^#\s*(source|as-of):\s*(.*)$")
_AS_OF = re.compile(r"^\d{4}-\d{2}$")
_FORM_OK = re.compile(r"^[^\W_](?:[\w '’./&+!–-]*[\w.+!])?$")
_WORD_OK = re.compile(r"^-?[^\W_][\w '’./&+-]*$")
_ADJ = {
    "de": ["", "e", "er", "en", "es", "em"],
    "fr": ["", "e", "s", "es"],
    "nl": ["", "e"],
}


class BuildError(Exception):
    """A list breaks a rule; the message names the file and line."""


def normalize(form: str) -> str:
    """NFC, straight apostrophes, single spaces."""
    form = unicodedata.normalize("NFC", form).replace("’", "'")
    return re.sub(r"\s+", " ", form).strip()


def expand(form: str, lang: str) -> list[str]:
    """``{a,b}`` alternatives and the ``+A`` adjective endings of ``lang``."""
    parts = re.split(r"(\{[^{}]*\})", form)
    choices = [p[1:-1].split(",") if p.startswith("{") else [p] for p in parts]
    out = []
    for combo in itertools.product(*choices):
        word = "".join(combo)
        out += adjective(word[:-2], lang) if word.endswith("+A") else [word]
    return out


def adjective(stem: str, lang: str) -> list[str]:
    if lang in _ADJ:
        return [stem + e for e in _ADJ[lang]]
    if lang in ("es", "pt") and stem.endswith("o"):
        return [stem[:-1] + e for e in ("o", "a", "os", "as")]
    if lang == "it" and stem.endswith("o"):
        return [stem[:-1] + e for e in ("o", "a", "i", "e")]
    if lang == "pl" and stem.endswith(("y", "i")):
        base, v = stem[:-1], stem[-1]
        return [base + e for e in (v, "a", "e", "ego", "ej", "emu", v + "m", "ą", v + "ch")]
    return [stem, stem + "s"] if lang in ("es", "pt", "en") and stem.endswith("e") else [stem]


_INN_RULES: dict[str, list[tuple[str, str]]] = {
    # (English ending, this language's ending), first match wins; "" = unchanged.
    "fr": [("in", "ine"), ("ate", "ate"), ("", "")],
    "de": [("ine", "in"), ("one", "on"), ("ide", "id"), ("ole", "ol"), ("ate", "at"), ("", "")],
    "nl": [("in", "ine"), ("one", "on"), ("", "")],
    "es": [("ine", "ina"), ("in", "ina"), ("one", "ona"), ("ide", "ida"), ("ole", "ol"),
           ("ate", "ato"), ("", "")],
    "pt": [("ine", "ina"), ("in", "ina"), ("one", "ona"), ("ide", "ida"), ("ole", "ol"),
           ("ate", "ato"), ("", "")],
    "it": [("ine", "ina"), ("in", "ina"), ("one", "one"), ("ide", "ide"), ("ole", "olo"),
           ("ate", "ato"), ("", "")],
    "pl": [("ine", "yna"), ("in", "yna"), ("one", "on"), ("ide", "yd"), ("ole", "ol"),
           ("ate", "an"), ("", "")],
}


def inn_spellings(inn: str) -> set[str]:
    """An English INN in the spelling of every language (one word; multi-word INNs per word)."""
    out = {inn}
    for lang, rules in _INN_RULES.items():
        words = []
        for w in inn.split(" "):
            for old, new in rules:
                if w.endswith(old):
                    w = w[: len(w) - len(old)] + new if old else w
                    break
            if lang in ("es", "it", "pt", "pl"):
                w = w.replace("ph", "f").replace("th", "t").replace("y", "i")
            if lang == "pl":
                w = w.replace("v", "w").replace("x", "ks").replace("qu", "kw")
                w = re.sub(r"c(?=[aou]|$)", "k", w)
            words.append(w)
        form = " ".join(words)
        out.add(form)
        if lang == "pl" and form.endswith(("yna", "ina")):
            for stem in (form[:-3] + "y", form[:-3] + "i"):  # -yna after t, d, r; -ina after l
                out |= {stem + "na", stem + "nę", stem + "ny"}
    return out


def read(path: Path, root: Path = ROOT) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """The header fields and the (line number, text) of every other non-empty line."""
    header: dict[str, str] = {}
    lines: list[tuple[int, str]] = []
    cont: str | None = None
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("#"):
            m = _HEADER.match(line)
            if m:
                cont = m.group(1)
                header[cont] = m.group(2).strip()
            elif cont == "source" and raw.startswith("#   "):
                header["source"] += " " + line.lstrip("# ").strip()
            else:
                cont = None
            continue
        cont = None
        if line:
            lines.append((no, line))
    rel = path.relative_to(root).as_posix()
    if not header.get("source"):
        raise BuildError(f"{rel}: no '# source:' header")
    if not _AS_OF.match(header.get("as-of", "")):
        raise BuildError(f"{rel}: no '# as-of: YYYY-MM' header")
    return {"source": header["source"], "as_of": header["as-of"]}, lines


def parse_forms(text: str, lang: str, where: str, strict: bool = True) -> list[tuple[str, str]]:
    """(form, flags) pairs of one line; flags are letters c (case-sensitive), w (weak), l (own
    language only). Context words (``strict=False``) may be short or end in an apostrophe."""
    out = []
    for raw in text.split("|"):
        raw = raw.strip()
        flags = ""
        while raw[:1] in ("=", "~", "!"):
            flags += {"=": "c", "~": "w", "!": "l"}[raw[0]]
            raw = raw[1:]
        for form in expand(raw, lang):
            form = normalize(form)
            if not (_FORM_OK if strict else _WORD_OK).match(form):
                raise BuildError(f"{where}: bad form {form!r}")
            if strict and len(form) < (2 if ("c" in flags or "w" in flags) else 3):
                raise BuildError(f"{where}: form {form!r} too short")
            out.append((form if "c" in flags else form.lower(), "".join(sorted(flags))))
    return out


def terms_file(
    path: Path, lang: str, medications: bool = False, root: Path = ROOT
) -> tuple[list[Any], list[Any]]:
    """The (form, flags) of a term file and its exclusions. In a country file (parties, unions) a
    name of several words is case-sensitive: "Die Linke", "Tea Party", "Se Acabó La Fiesta" are
    names only when written as names."""
    country = path.parent.name in ("parties", "unions")
    _, lines = read(path, root)
    rel = path.relative_to(root).as_posix()
    terms, excluded = [], []
    for no, line in lines:
        where = f"{rel}:{no}"
        if line.startswith("-"):
            excluded += [f for f, _ in parse_forms(line[1:], lang, where)]
            continue
        forms = parse_forms(line, lang, where)
        if country:
            raw = [normalize(f.strip().lstrip("=~!")) for f in line.split("|")]
            cased = {f.lower(): f for r in raw for f in expand(r, lang)}
            forms = [
                (cased.get(f, f), "".join(sorted(set(fl) | {"c"})))
                if " " in f and "c" not in fl
                else (f, fl)
                for f, fl in forms
            ]
        if medications:
            inn, flags = forms[0]
            forms += [(s, flags) for s in sorted(inn_spellings(inn)) if s != inn]
        terms += forms
    if not terms:
        raise BuildError(f"{rel}: no terms")
    return terms, excluded


def context_file(path: Path, lang: str, root: Path = ROOT) -> dict[str, Any]:
    _, lines = read(path, root)
    rel = path.relative_to(root).as_posix()
    ctx: dict[str, Any] = {s: [] for s in WORD_SECTIONS} | {s: {} for s in REGEX_SECTIONS}
    section: tuple[str, str | None] | None = None
    for no, line in lines:
        where = f"{rel}:{no}"
        m = re.fullmatch(r"\[(\w+)(?: (\w+))?\]", line)
        if m:
            name, cat = m.group(1), m.group(2)
            if name in WORD_SECTIONS and cat is None:
                section = (name, None)
            elif name in REGEX_SECTIONS and cat in CATEGORIES.values():
                section = (name, cat)
                ctx[name].setdefault(cat, [])
            else:
                raise BuildError(f"{where}: unknown section {line}")
            continue
        if section is None:
            raise BuildError(f"{where}: line outside a section")
        name, cat = section
        if cat is None:
            ctx[name] += [f.lower() for f, _ in parse_forms(line, lang, where, strict=False)]
        else:
            try:
                re.compile(line.replace("@WORDS", "w").replace("@WORD", "w").replace("@CAP", "W"))
            except re.error as e:
                raise BuildError(f"{where}: {e}") from None
            ctx[name][cat].append(line)
    for name in WORD_SECTIONS:
        ctx[name] = sorted(set(ctx[name]))
        if not ctx[name]:
            raise BuildError(f"{rel}: empty section [{name}]")
    return ctx


def build(root: Path = ROOT) -> dict[str, Any]:
    """The runtime data as one JSON-ready dict (deterministic: sorted everywhere)."""
    sources: dict[str, dict[str, str]] = {}
    terms: dict[str, dict[str, dict[str, str]]] = {}
    excluded: dict[str, set[str]] = {}
    owner: dict[str, tuple[str, str]] = {}  # key -> (category, file): a form has one category
    for path in sorted(root.rglob("*.txt")):
        rel = path.relative_to(root).as_posix()
        sources[rel] = read(path, root)[0]
        top = rel.split("/")[0]
        if top == "context":
            continue
        if top not in CATEGORIES:
            raise BuildError(f"{rel}: unknown category folder {top!r}")
        cat = CATEGORIES[top]
        shared = rel.count("/") == 2 or path.stem == "medications"
        lang = SHARED if shared else path.stem
        if lang != SHARED and lang not in LANGS:
            raise BuildError(f"{rel}: unknown language {lang!r}")
        if shared and not re.fullmatch(r"[a-z]{2}|medications", path.stem):
            raise BuildError(f"{rel}: a country file is named by its ISO 3166-1 code")
        found, excl = terms_file(path, "en" if shared else lang, path.stem == "medications", root)
        excluded.setdefault(lang, set()).update(excl)
        bucket = terms.setdefault(lang, {}).setdefault(cat, {})
        for form, flags in found:
            key = match_key(form)
            prev = owner.setdefault(key, (cat, rel))
            if prev[0] != cat:
                raise BuildError(f"{rel}: {form!r} is already {prev[0]} in {prev[1]}")
            old = bucket.get(form)
            # A form listed twice keeps its strongest reading: strong over weak, shared over local.
            bucket[form] = flags if old is None else "".join(sorted(set(old) & set(flags)))
    for lang, excl_forms in excluded.items():
        for form in excl_forms:
            owned = owner.get(match_key(form))
            if owned is not None and form in terms.get(lang, {}).get(owned[0], {}):
                raise BuildError(f"{lang}: {form!r} is both a term and an exclusion")
    context = {lang: context_file(root / "context" / f"{lang}.txt", lang, root) for lang in LANGS}
    return {
        "comment": "Generated by proxy/detect/data/make_special.py from special/; do not edit.",
        "sources": dict(sorted(sources.items())),
        "terms": {
            lang: {cat: sorted(map(list, forms.items())) for cat, forms in sorted(cats.items())}
            for lang, cats in sorted(terms.items())
        },
        "excluded": {lang: sorted(v) for lang, v in sorted(excluded.items())},
        "context": context,
    }


def match_key(form: str) -> str:
    """What the recognizer tells forms apart by: their folded words, lower case."""
    from proxy.detect.recognizers.special.lexicon import fold, match_key

    return match_key(fold(form))


_PAIR = re.compile(r'\[\n\s+("(?:[^"\\]|\\.)*"),\n\s+("(?:[^"\\]|\\.)*")\n\s+\]')


def render(data: dict[str, Any]) -> str:
    """The JSON text, one [form, flags] pair per line (reviewable diffs)."""
    return _PAIR.sub(r"[\1, \2]", json.dumps(data, ensure_ascii=False, indent=1)) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare, do not write")
    args = ap.parse_args(argv)
    try:
        text = render(build())
    except BuildError as e:
        print(f"make_special: {e}", file=sys.stderr)
        return 1
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("special.json is up to date" if same else "special.json is stale: rebuild it")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    data = json.loads(text)
    n = sum(len(v) for cats in data["terms"].values() for v in cats.values())
    print(f"wrote {OUT.name}: {n} forms from {len(data['sources'])} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
