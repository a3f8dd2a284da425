"""Which attributions' sources are mentions of the same entity as one source.

Used by ``ctrl+e`` (the entity of this attribution for every mention of its source):
the same words (letter case and a leading "the" aside), the acronym of either ("ISPR"
for "Inter-Services Public Relations"), a shorter or longer form ending in the same
name when the longer one has a title ("Sharif" for "Prime Minister Shehbaz Sharif"), and pronouns resolved to one of
those (the nearest source mentioned before the pronoun that is not itself a pronoun).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from annotator.schema import Attribution, Span

PRONOUNS = frozenset(["he", "she", "it", "they", "we", "i", "him", "her", "them", "his", "its", "their", "us"])
_LEADING = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"[’']s?$")
_WORD = re.compile(r"[^\W_]+(?:[’'-][^\W_]+)*")


def normal_form(name: str) -> str:
    name = _LEADING.sub("", " ".join(name.split())).strip(" .,")
    return _POSSESSIVE.sub("", name).casefold().strip()


def acronym(name: str) -> str:
    """The initials of a name's capitalised words ("Inter-Services Public Relations" -> "ISPR")."""
    words = [part for word in _WORD.findall(name) for part in word.split("-")]
    return "".join(word[0] for word in words if word[:1].isupper()).upper()


def same_entity(a: str, b: str) -> bool:
    """Do two source texts name the same entity?"""
    na, nb = normal_form(a), normal_form(b)
    if not na or not nb or na in PRONOUNS or nb in PRONOUNS:
        return False
    if na == nb:
        return True
    short, long_ = (a, b) if len(na) <= len(nb) else (b, a)
    short_words = _WORD.findall(short)
    if len(short_words) == 1 and short.strip().isupper() and len(short.strip()) >= 2 \
            and acronym(long_) == short.strip().upper():
        return True
    long_words = [w.casefold() for w in _WORD.findall(long_)]
    short_folded = [w.casefold() for w in short_words]
    # "Sharif" / "Shehbaz Sharif" inside "Prime Minister Shehbaz Sharif": the same last name,
    # when the long form names a person by a title ("Radio Pakistan" is not "Pakistan")
    titled = any(word.rstrip(".") in _titles() for word in long_words[:-len(short_folded) or None])
    return (titled and bool(short_folded) and short_words[-1][:1].isupper()
            and long_words[-len(short_folded):] == short_folded)


def _titles() -> frozenset[str]:
    from annotator.suggest.lexicon import load_word_lists  # data files only: no spaCy

    return frozenset(title.rstrip(".") for title in load_word_lists()["titles"]) | {"minister", "prime", "caretaker"}


def mentions_of(target: Attribution, attributions: Sequence[Attribution]) -> list[str]:
    """Ids of the attributions (other than ``target``) whose source mentions the same
    entity as ``target``'s source."""
    if target.source is None:
        return []
    name = target.source.text
    ordered = sorted(((a, a.source) for a in attributions if a.source is not None), key=lambda pair: pair[1].start)
    found: list[str] = []
    last_named: tuple[Attribution, Span] | None = None
    for attribution, source in ordered:
        text = source.text
        is_pronoun = normal_form(text) in PRONOUNS
        if is_pronoun:
            resolved = last_named is not None and (last_named[0].id == target.id
                                                   or same_entity(last_named[1].text, name))
            if resolved and attribution.id != target.id:
                found.append(attribution.id)
            continue
        last_named = attribution, source
        if attribution.id != target.id and same_entity(text, name):
            found.append(attribution.id)
    return found
