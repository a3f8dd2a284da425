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
from functools import lru_cache

from annotator.suggest.lexicon import load_word_lists

ACRONYM = re.compile(r"((?:[Tt]he )?(?:[A-Z][\w’'\-]*\.?(?: (?:of|for|and|the|on|&) )?\s?){1,8})\s*\(([A-Z][A-Za-z&\-]{1,9})\)$")
PARENTHESISED = re.compile(r"\(([A-Z][A-Za-z&\-]{1,9})\)")
APPOSITION = re.compile(r"\(([A-Z][A-Za-z&\-]{1,9})\),\s+((?:the |a |an )?[^,.;]{3,80})")
TITLE_PREFIX = re.compile(r"^(?:(?:the|a|an|Mr\.|Mrs\.|Ms\.|Dr\.|Sen\.|Rep\.|Gov\.|Gen\.|President|Senator|Governor|Secretary|Prime Minister|Minister|Caretaker|former|Former|The)\s+)+")
# A title and the name after it, at the start of a word (see _titled_names: opening
# with the titles themselves lets the regex engine skip to their first letters).
TITLED_NAME = re.compile(
    r"(?:Mr\.|Mrs\.|Ms\.|Dr\.|Sen\.|Rep\.|Gov\.|Gen\.|President|Prime Minister|Minister|"
    r"Secretary|Senator|Governor|General|Chairman|Judge|Mayor|Ambassador|Chancellor)\s+"
    r"((?:[A-Z][\w’'\-]+\s?){1,4})"
)
ARTICLE = re.compile(r"^(?:the|a|an) ")
PERSON_PRONOUNS = {"he", "she", "him", "her", "his"}
GROUP_PRONOUNS = {"it", "they", "its", "their"}


def _titled_names(text: str):
    """TITLED_NAME's matches that start a word: what ``\\b`` + TITLED_NAME would find."""
    position = 0
    while (match := TITLED_NAME.search(text, position)) is not None:
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            position = start + 1  # inside a word ("VicePresident"): look further on
            continue
        yield match
        position = match.end()


def _normal(name: str) -> str:
    name = re.sub(r"[’']s$", "", name.strip())
    return re.sub(r"\s+", " ", name)


@lru_cache(maxsize=65536)  # the same names recur in every article
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
        # People named with a title anywhere in the text ("Prime Minister Anwaar-ul-Haq
        # Kakar"): antecedents for "he"/"she" even when they were not a source yet.
        titled = [
            (match.end(), _bare(match.group(0)), match.group(0)[: match.start(1) - match.start()].strip().lower())
            for match in _titled_names(text)
            if not self.is_org(match.group(1))
        ]
        proper = {n for n, t in zip(names, texts) if n[:1].isupper() and t.lower() not in PERSON_PRONOUNS | GROUP_PRONOUNS}
        proper.update(name for _, name, _ in titled)
        canonical: dict[str, str] = {}

        def canonical_of(name: str) -> str:
            found = canonical.get(name)
            if found is None:
                found = canonical[name] = self._canonical(name, proper, acronyms)
            return found

        result: list[str | None] = []
        last_person: tuple[int, str] | None = None  # (offset, entity)
        last_group: str | None = None
        previous: tuple[int, str | None] | None = None  # the last mention's end and entity
        for (start, end), raw, name in zip(mentions, texts, names):
            lower = raw.lower().strip()
            entity: str | None = None
            if lower in PERSON_PRONOUNS:
                candidates = [item for item in titled if item[0] <= start]
                named = candidates[-1] if candidates else None
                if last_person is not None and (named is None or last_person[0] >= named[0]):
                    entity = last_person[1]
                elif named is not None:
                    entity = canonical_of(named[1])
            elif lower in GROUP_PRONOUNS:
                entity = last_group
            elif lower in ("who", "that") and previous is not None and start - previous[0] <= 3:
                entity = previous[1]  # "Brafman, who ..." names the one just before
            elif lower in ("who", "which", "i", "we", "you", "that"):
                entity = None
            elif titled and (holders := self._title_holders(lower, start, titled)):
                entity = canonical_of(holders[-1][1])  # "the Prime Minister"
            elif name.lower() in acronyms:
                entity = acronyms[name.lower()]
            elif name[:1].isupper():
                entity = canonical_of(name)
            else:
                head = name.split()[-1].lower() if name.split() else ""
                entity = descriptions.get(head) or name
            if entity is not None and lower not in PERSON_PRONOUNS | GROUP_PRONOUNS | {"who", "that"}:
                if self.is_org(raw) or entity.isupper() or not name[:1].isupper() or name.endswith("s"):
                    last_group = entity
                else:
                    last_person = (end, entity)
            previous = (end, entity)
            result.append(entity)
        return result

    @staticmethod
    def _title_holders(lower: str, start: int, titled: list[tuple[int, str, str]]) -> list:
        """Titled people named before ``start`` whose title this description ends with."""
        description = ARTICLE.sub("", lower)
        return [item for item in titled if item[0] <= start and description.endswith(item[2])]

    @staticmethod
    def _canonical(name: str, proper: set[str], acronyms: dict[str, str]) -> str:
        """The one longer name this name is part of ("Kakar" -> "Anwaar-ul-Haq Kakar")."""
        longer = {p for p in proper if p != name and (p.endswith(" " + name) or p.startswith(name + " "))}
        entity = max(longer, key=len) if len(longer) == 1 else name
        return acronyms.get(entity.lower(), entity)
