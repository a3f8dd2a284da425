"""Grouping source mentions into entities within a document (``source_entity``).

No coreference model: names are tied by the text itself.
- An acronym defined in parentheses, "the Inter-Services Public Relations (ISPR)",
  makes the long form and the acronym one entity, named by the acronym.
- A shorter name is the longer name it ends or starts ("Trump" -> "Donald Trump",
  "Mr. Trump" -> "Donald Trump"), when only one longer name fits.
- A description ("the military") joins an entity whose apposition uses its head
  word ("the ISPR, the Pakistani military's media wing").
- "he"/"she" go to the most recent person named before them, "it"/"they" to the most
  recent organisation or group; other pronouns stay unresolved.
"""

from __future__ import annotations

import re

from annotator.suggest.lexicon import load_word_lists

ACRONYM = re.compile(r"((?:[Tt]he )?(?:[A-Z][\w’'\-]*\.?(?: (?:of|for|and|the|on|&) )?\s?){1,8})\s*\(([A-Z][A-Za-z&\-]{1,9})\)$")
PARENTHESISED = re.compile(r"\(([A-Z][A-Za-z&\-]{1,9})\)")
APPOSITION = re.compile(r"\(([A-Z][A-Za-z&\-]{1,9})\),\s+((?:the |a |an )?[^,.;]{3,80})")
TITLE_PREFIX = re.compile(r"^(?:(?:the|a|an|Mr\.|Mrs\.|Ms\.|Dr\.|Sen\.|Rep\.|Gov\.|Gen\.|President|Senator|Governor|Secretary|Prime Minister|Minister|Caretaker|former|Former|The)\s+)+")
PERSON_PRONOUNS = {"he", "she", "him", "her", "his"}
GROUP_PRONOUNS = {"it", "they", "its", "their"}


def _normal(name: str) -> str:
    name = re.sub(r"[’']s$", "", name.strip())
    return re.sub(r"\s+", " ", name)


def _bare(name: str) -> str:
    return TITLE_PREFIX.sub("", _normal(name)).strip()


class EntityGrouper:
    def __init__(self) -> None:
        words = load_word_lists()
        self.org_words = words["org_words"]
        self.titles = words["titles"]

    def is_org(self, name: str) -> bool:
        words = name.lower().split()
        if not words:
            return False
        if name.isupper() and len(name) <= 10:
            return True
        return any(word in self.org_words for word in words) or words[0] in ("the",) and not any(
            w in self.titles for w in words
        )

    def assign(self, text: str, mentions: list[tuple[int, int]]) -> list[str | None]:
        """One entity name (or None) per source mention, mentions in document order."""
        acronyms: dict[str, str] = {}  # long bare form (lower) -> acronym
        # Find "(ABC)" first, then the long form just before it (the regex on a short
        # window: run over the whole text it backtracks at every capital letter).
        for match in PARENTHESISED.finditer(text):
            window = text[max(0, match.start() - 120) : match.start() + len(match.group(0))]
            long_match = ACRONYM.search(window)
            if long_match is None or long_match.group(2) != match.group(1):
                continue
            acronyms[_bare(long_match.group(1)).lower()] = match.group(1)
            acronyms[match.group(1).lower()] = match.group(1)
        descriptions: dict[str, str] = {}  # head word -> acronym
        for match in APPOSITION.finditer(text):
            for word in re.findall(r"[A-Za-z]+", match.group(2)):
                if len(word) > 3 and word.lower() not in ("media", "with", "that"):
                    descriptions.setdefault(word.lower(), match.group(1))
        texts = [text[a:b] for a, b in mentions]
        names = [_bare(t) for t in texts]
        proper = {n for n, t in zip(names, texts) if n[:1].isupper() and t.lower() not in PERSON_PRONOUNS | GROUP_PRONOUNS}
        result: list[str | None] = []
        last_person: str | None = None
        last_group: str | None = None
        for raw, name in zip(texts, names):
            lower = raw.lower().strip()
            entity: str | None = None
            if lower in PERSON_PRONOUNS:
                entity = last_person
            elif lower in GROUP_PRONOUNS:
                entity = last_group
            elif lower in ("who", "which", "i", "we", "you", "that"):
                entity = None
            elif name.lower() in acronyms:
                entity = acronyms[name.lower()]
            elif name[:1].isupper():
                longer = [p for p in proper if p != name and (p.endswith(" " + name) or p.startswith(name + " "))]
                entity = max(longer, key=len) if len(set(longer)) == 1 else name
                if entity.lower() in acronyms:
                    entity = acronyms[entity.lower()]
            else:
                head = name.split()[-1].lower() if name.split() else ""
                entity = descriptions.get(head) or name
            if entity is not None and lower not in PERSON_PRONOUNS | GROUP_PRONOUNS:
                if self.is_org(raw) or entity.isupper() or not name[:1].isupper() or name.endswith("s"):
                    last_group = entity
                else:
                    last_person = entity
            result.append(entity)
        return result
