"""A source set or changed by hand gets, or updates, its entity.

When a decision changes an attribution's source span, its ``source_entity`` follows,
unless the annotator chose the entity themselves: an entity that was empty, or that
was what the old source text would have given, is replaced by what the new source
text gives. A pronoun ("he", "it") gives no entity, so it keeps the one it has.
"""

from __future__ import annotations

import re

from annotator.schema import Attribution

PRONOUNS = {"he", "she", "it", "they", "him", "her", "them", "his", "its", "their", "we", "i", "you",
            "this", "that", "who", "which"}
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"[’']s$")


def fold(name: str) -> str:
    """For comparing names: case and apostrophe style ignored ("Xi's" == "XI’S")."""
    return name.replace("’", "'").replace("‘", "'").casefold()


def entity_for_source(text: str | None, known: list[str]) -> str | None:
    """The entity a source text names: an entity already in use that it equals, or the
    one longer name it starts or ends ("Sharif" -> "Shehbaz Sharif"), else the text
    itself without article and possessive; None for a pronoun or nothing."""
    if not text:
        return None
    name = _POSSESSIVE.sub("", re.sub(r"\s+", " ", text).strip(" ,.;:\"“”"))
    name = _ARTICLE.sub("", name).strip()
    if not name or fold(name) in PRONOUNS:
        return None
    folded = fold(name)
    for entity in known:
        if fold(entity) == folded:
            return entity
    longer = [entity for entity in known
              if fold(entity).endswith(" " + folded) or fold(entity).startswith(folded + " ")]
    return longer[0] if len(longer) == 1 else name


def followed_entity(before: Attribution | None, after: Attribution, known: list[str]) -> str | None:
    """The entity ``after`` should get because its source changed, or None to leave it."""
    old_text = before.source.text if before is not None and before.source is not None else None
    new_text = after.source.text if after.source is not None else None
    if new_text is None or new_text == old_text:
        return None
    current = after.source_entity
    chosen_by_hand = current is not None and current != entity_for_source(old_text, known)
    if chosen_by_hand and old_text is not None:
        return None
    entity = entity_for_source(new_text, known)
    return entity if entity is not None and entity != current else None
