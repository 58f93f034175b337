"""The special-category lexicons of one language, compiled from ``data/special.json``.

Terms match on a folded copy of the text (accents stripped, curly apostrophes straightened, one
character for one, so offsets stay those of the text): "diabete", "catolico" and "Grune" are found
as typed. A match that carries accents must carry the right ones ("schwül" is not "schwul"). Every
language's lexicon holds the terms of all languages and the shared names (parties, unions,
medicines), since short texts are often taken for a neighbouring language: a form of another
language is found only with its accents, and one marked as its language's own not at all. Anchors,
topic and institution words are the language's own and English ones (plus the longer anchors of
the other languages); cues and phrases the language's own and English ones (every language's
in the English lexicon).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "data" / "special.json"
SHARED = "*"
TOKEN = re.compile(r"\w+(?:['.&+]\w+)*")
GAP = re.compile(r"['’.]?[\s\-/–]+")  # between two words of one form


def _fold_table() -> dict[int, str]:
    table = {ord("’"): "'", ord("‘"): "'", ord("‐"): "-", ord("‑"): "-"}
    table |= {ord("ł"): "l", ord("Ł"): "L"}
    for cp in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and base.isascii() and base.isalpha():
            table[cp] = base
    table.update({ord(c): c for c in "ßæÆøØđĐ"})
    table[ord("ø")], table[ord("Ø")], table[ord("đ")], table[ord("Đ")] = "o", "O", "d", "D"
    return table


FOLD = _fold_table()


def fold(text: str) -> str:
    """``text`` without diacritics, one character for one."""
    return text.translate(FOLD)


def match_key(text: str) -> str:
    """What a written match and a lexicon form are compared by: their words, lower case."""
    return "".join(TOKEN.findall(text.lower().replace("’", "'")))


@dataclass(frozen=True, slots=True)
class Entry:
    category: str | None  # None: an exclusion ("great depression")
    weak: bool  # counts only with a cue of its category
    exact: bool  # found only when written with its accents


Index = dict[str, list[tuple[tuple[str, ...], Entry]]]


@dataclass(frozen=True)
class Lexicon:
    ci: Index  # first token (lower case, folded) -> (tokens, entry), longest first
    cs: Index  # the same for case-sensitive forms (acronyms)
    accented: frozenset[str]  # match keys of the forms as written (with their accents)
    anchor: re.Pattern[str]
    topic_before: re.Pattern[str]
    topic_weak: re.Pattern[str]
    topic_after: re.Pattern[str]
    institution_after: re.Pattern[str]
    institution_before: re.Pattern[str]
    cue_before: dict[str, re.Pattern[str]]
    cue_after: dict[str, re.Pattern[str]]
    phrases: re.Pattern[str] | None  # one named group per category


@cache
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return loaded


_WORD = r"[^\W\d_][\w'’-]*"
_UPPER = "A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻŠŽČŘĎŤŇŐŰ"
_SLOTS = {
    "@WORDS": rf"{_WORD}(?:[ \t]+{_WORD}){{0,2}}",
    "@WORD": _WORD,
    "@CAP": rf"(?-i:[{_UPPER}][\w'’-]+(?:[ \t]+[{_UPPER}][\w'’-]+){{0,2}})",
}




def tokens(form: str) -> tuple[str, ...]:
    return tuple(TOKEN.findall(form))


def _index(forms: dict[str, Entry], lower: bool) -> Index:
    """Forms by their first token; a hyphenated form is also found written as one word."""
    index: Index = {}
    for form, entry in forms.items():
        variants = {tokens(form)}
        if "-" in form:
            variants.add(tokens(form.replace("-", "")))
        for toks in variants:
            if toks:
                toks = tuple(t.lower() for t in toks) if lower else toks
                index.setdefault(toks[0], []).append((toks, entry))
    for cands in index.values():
        cands.sort(key=lambda c: -len(c[0]))
    return index


def _words(words: list[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+").replace("'", "['’]")
        for w in sorted(set(words), key=len, reverse=True)
    )


def _after(words: list[str]) -> re.Pattern[str]:
    """Words that stand right after a term (``-word``: joined by a hyphen, German style)."""
    spaced = [w for w in words if not w.startswith("-")]
    joined = [w[1:] for w in words if w.startswith("-")]
    alts = [rf"\+?(?:'s)?\s+(?:{_words(spaced)})"] + ([rf"-(?:{_words(joined)})"] if joined else [])
    return re.compile(rf"(?:{'|'.join(alts)})(?!\w)", re.IGNORECASE)


_LINK = (
    r"(?:(?:of|of\s+the|de|du|des|de\s+la|del|della|dello|dei|di|do|da|dos|das|van|von|der)\s+)?"
    r"(?:(?:l['’]|la|le|les|el|il|lo|o|a|the)\s*)?"
)


def _before(words: list[str]) -> re.Pattern[str]:
    """Institution words right before a term, Romance style ("l'Église catholique", "la sede
    del PSOE")."""
    spaced = [w for w in words if not w.startswith("-")]
    return re.compile(rf"(?<!\w)(?:{_words(spaced)})\s+{_LINK}$", re.IGNORECASE)


def _any(words: list[str]) -> re.Pattern[str]:
    """Any of ``words`` as a whole word (an elided form such as "j'" may run into the next)."""
    whole = [w for w in words if not w.endswith("'")]
    elided = [w for w in words if w.endswith("'")]
    alts = [rf"(?:{_words(whole)})(?!\w)"] + ([f"(?:{_words(elided)})"] if elided else [])
    return re.compile(rf"(?<!\w)(?:{'|'.join(alts)})", re.IGNORECASE)


def _regexes(lines: list[str]) -> str:
    out = []
    for line in lines:
        for slot, rx in _SLOTS.items():
            line = line.replace(slot, rx)
        out.append(line)
    return "|".join(f"(?:{x})" for x in out)


@cache
def lexicon(language: str) -> Lexicon:
    """The compiled lexicon of ``language`` (cached: compiled once per process)."""
    d = data()
    # Every language's terms: a short text is often taken for a neighbouring language ("huella
    # vocal" for Italian), and names travel. Foreign forms with accents are found only with them.
    langs = [language, "en", SHARED, *d["context"]]
    ci: dict[str, Entry] = {}  # folded form -> entry
    cs: dict[str, Entry] = {}
    accented: set[str] = set()
    for lang in dict.fromkeys(langs):
        own = lang in (language, SHARED, "en")
        for cat, forms in d["terms"].get(lang, {}).items():
            for form, flags in forms:
                if "l" in flags and lang != language:
                    continue
                folded = fold(form)
                table = cs if "c" in flags else ci
                old = table.get(folded)
                weak = "w" in flags and (old is None or old.weak)
                exact = not own and folded != form and (old is None or old.exact)
                table[folded] = Entry(cat, weak, exact)
                if folded != form:
                    accented.add(match_key(form))
        for form in d["excluded"].get(lang, []):
            ci.setdefault(fold(form), Entry(None, False, False))
            if fold(form) != form:
                accented.add(match_key(form))
    ctx = d["context"]
    own_ctx = ctx[language]
    # Anchors: the language's own and English ones, and the longer ones of the other languages
    # (relation nouns and possessives such as "collègue", "compañera", "meine"; not their short
    # pronouns, which are articles or prepositions elsewhere: "il", "su", "on").
    anchors = ctx[language]["anchor"] + ctx["en"]["anchor"]
    anchors += [w for x in ctx for w in ctx[x]["anchor"] if len(w) >= 5]
    if language == "en":  # the fallback for texts of unsure language
        anchors += [w for x in ctx if x != "pl" for w in ctx[x]["anchor"]]
    cue_langs = list(ctx) if language == "en" else [language, "en"]
    cats = sorted({c for x in cue_langs for c in ctx[x]["phrase"]})
    phrase_groups = []
    for cat in cats:
        lines = [p for x in cue_langs for p in ctx[x]["phrase"].get(cat, [])]
        if lines:
            phrase_groups.append(f"(?P<{cat}>{_regexes(lines)})")

    def cue(kind: str, cat: str, before: bool) -> re.Pattern[str]:
        lines = [c for x in cue_langs for c in ctx[x][kind].get(cat, [])]
        if not lines:
            return re.compile(r"(?!)")
        body = _regexes(lines)
        return re.compile(rf"(?<!\w)(?:{body})\s*$" if before else rf"\s*(?:{body})", re.IGNORECASE)

    all_cats = sorted({c for forms in d["terms"].values() for c in forms})
    return Lexicon(
        ci=_index(ci, lower=True),
        cs=_index(cs, lower=False),
        accented=frozenset(accented),
        anchor=_any(anchors),
        topic_before=_any(own_ctx["topic_before"] + ctx["en"]["topic_before"]),
        topic_weak=_any(own_ctx["topic_weak"] + ctx["en"]["topic_weak"]),
        topic_after=_after(own_ctx["topic_after"] + ctx["en"]["topic_after"]),
        institution_after=_after(own_ctx["institution_after"] + ctx["en"]["institution_after"]),
        institution_before=_before(own_ctx["institution_after"] + ctx["en"]["institution_after"]),
        cue_before={c: cue("cue_before", c, True) for c in all_cats},
        cue_after={c: cue("cue_after", c, False) for c in all_cats},
        phrases=re.compile(rf"(?<!\w)(?:{'|'.join(phrase_groups)})", re.IGNORECASE)
        if phrase_groups
        else None,
    )
