"""Grouping source mentions into entities within a document (``source_entity``).

No coreference model: names are tied by the text itself.
- An acronym defined in parentheses, "the Inter-Services Public Relations (ISPR)",
  makes the long form and the acronym one entity, named by the acronym.
- A shorter name is the longer name it ends or starts ("Trump" -> "Donald Trump",
  "Mr. Trump" -> "Donald Trump"), when only one longer name fits.
- A description ("the military") joins an entity whose apposition uses its head
  word ("the ISPR, the Pakistani military's media wing").
- A name loses the titles and descriptions before it ("Pakistani Prime Minister
  Mohammad Shehbaz Sharif" is "Mohammad Shehbaz Sharif"), and a shorter name joins the
  longest name it is part of when those longer names are all one name ("Sharif",
  "Shehbaz Sharif" -> "Mohammad Shehbaz Sharif").
- "he"/"she" go to the most recent person who was the subject of a sentence (a source,
  or a known person opening a sentence: "Kakar traveled to ... a summit hosted by
  President Xi Jinping. ... he offered" is Kakar), else to the most recent titled name;
  "it"/"they" go to the most recent organisation or group; other pronouns stay unresolved.
"""

from __future__ import annotations

import re
from functools import lru_cache

from annotator.suggest.lexicon import load_word_lists

ACRONYM = re.compile(r"((?:[Tt]he )?(?:[A-Z][\w’'\-]*\.?(?: (?:of|for|and|the|on|&) )?\s?){1,8})\s*\(([A-Z][A-Za-z&\-]{1,9})\)$")
PARENTHESISED = re.compile(r"\(([A-Z][A-Za-z&\-]{1,9})\)")
APPOSITION = re.compile(r"\(([A-Z][A-Za-z&\-]{1,9})\),\s+((?:the |a |an )?[^,.;]{3,80})")
TITLE_PREFIX = re.compile(r"^(?:(?:the|a|an|Mr\.|Mrs\.|Ms\.|Dr\.|Sen\.|Rep\.|Gov\.|Gen\.|President|Senator|Governor|Secretary|Prime Minister|Minister|Caretaker|former|Former|The)\s+)+")
# Lower-case words inside names ("Anwaar ul Haq Kakar"), as in words.json's name_particles.
_PARTICLE = r"(?:ul|al|el|ud|ur|bin|ibn|bint|abu|de|da|di|du|del|della|van|von|der|den|le|la)"
_NAME_WORD = rf"[A-Z][\w’'\-]+(?:\s{_PARTICLE}(?=\s[A-Z]))?"
# A title and the name after it, at the start of a word (see _titled_names: opening
# with the titles themselves lets the regex engine skip to their first letters).
TITLED_NAME = re.compile(
    r"(?:Mr\.|Mrs\.|Ms\.|Dr\.|Sen\.|Rep\.|Gov\.|Gen\.|President|Prime Minister|Minister|"
    r"Secretary|Senator|Governor|General|Chairman|Judge|Mayor|Ambassador|Chancellor)\s+"
    rf"((?:{_NAME_WORD}\s?){{1,4}})"
)
# Where a sentence or line starts, then what may come before its subject: a dateline
# ("ISLAMABAD:") and an opening adjunct ("On Friday,").
SENTENCE_START = re.compile(r"(?:\A|\n|(?<=[.!?])[”\"’]?\s+)\s*")
SUBJECT = re.compile(
    r"(?:[A-Z][A-Z .\-]{2,30}:\s+)?"
    r"(?:(?:On|In|At|Later|Earlier|Meanwhile|Last|This|Then|After|Before)\b[^,.\n]{0,40},\s+)?"
    rf"((?:{_NAME_WORD}\s){{0,6}}{_NAME_WORD})(?:\s+(?=[a-z])|,)"
)
ARTICLE = re.compile(r"^(?:the|a|an) ")
SENTENCE_END = re.compile(r"[.!?](?=[”\"’]?\s)|\n")
COORDINATION = re.compile(r" (?:and|&) |^Both ")
MALE = re.compile(r"\b(?:he|his|him|himself)\b")
FEMALE = re.compile(r"\b(?:she|her|hers|herself)\b")
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
    bare = TITLE_PREFIX.sub("", _normal(name)).strip()
    # "Pakistani Prime Minister Mohammad Shehbaz Sharif", "Interior Minister Mohsin Naqvi":
    # the capitalised words up to the last title describe; the name is what follows.
    words = bare.split(" ")
    titles = load_word_lists()["titles"]
    last_title = max((i for i, word in enumerate(words) if word.lower() in titles), default=-1)
    if 0 <= last_title < len(words) - 2 or (0 < last_title == len(words) - 2):
        described, rest = words[: last_title + 1], words[last_title + 1 :]
        if all(word[:1].isupper() for word in described) and rest[0][:1].isupper():
            return " ".join(rest)
    return bare


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
        # Each member of a coordination is a name too ("Mr. Obama and Hillary Clinton").
        proper.update(
            bare for name in list(proper) if COORDINATION.search(name)
            for part in COORDINATION.split(name)
            if (bare := _bare(part))[:1].isupper() and not self.is_org(bare)
        )
        canonical: dict[str, str] = {}

        def canonical_of(name: str) -> str:
            found = canonical.get(name)
            if found is None:
                found = self._canonical(name, proper, acronyms)
                first, _, rest = name.partition(" ")
                if found == name and rest and first.lower() in self.titles:
                    # "General Qiaoming" is "Li Qiaoming" when the text names him so
                    # ("General Motors" stays: no longer name ends in "Motors").
                    untitled = self._canonical(rest, proper - {name}, acronyms)
                    found = untitled if untitled != rest else name
                canonical[name] = found
            return found

        # People known by a title who open a sentence ("Kakar traveled to ..."): the
        # subjects a later "he" most likely continues.
        titled_people = {canonical_of(name) for _, name, _ in titled}
        subjects = []
        # he or she: from the pronouns in the sentences a person opens ("Clinton says
        # she hopes ...") and from the titles "Mr.", "Mrs." and "Ms.".
        gender_votes: dict[str, list[int]] = {}
        for match in self._subjects(text):
            person = canonical_of(_bare(match.group(1)))
            sentence_end = SENTENCE_END.search(text, match.end(1))
            sentence = text[match.end(1) : sentence_end.start() if sentence_end else len(text)].lower()
            votes = gender_votes.setdefault(person, [0, 0])
            votes[0] += len(MALE.findall(sentence))
            votes[1] += len(FEMALE.findall(sentence))
            if person in titled_people:
                subjects.append((match.end(1), person))
        for match in _titled_names(text):
            votes = gender_votes.setdefault(canonical_of(_bare(match.group(0))), [0, 0])
            opening = match.group(0)[:3]
            votes[0] += 2 * (opening == "Mr.")
            votes[1] += 2 * (opening in ("Mrs", "Ms."))

        def gender_of(person: str) -> str | None:
            male, female = gender_votes.get(person, (0, 0))
            return "m" if male > female else "f" if female > male else None

        result: list[str | None] = []
        last_person: tuple[int, str] | None = None  # (offset, entity)
        last_group: str | None = None
        previous: tuple[int, str | None] | None = None  # the last mention's end and entity
        for (start, end), raw, name in zip(mentions, texts, names):
            lower = raw.lower().strip()
            entity: str | None = None
            if lower in PERSON_PRONOUNS:
                gender = "f" if lower in ("she", "her") else "m"
                before = [item for item in subjects if item[0] <= start]
                if last_person is not None:
                    before.append(last_person)
                # The most recent subject of the pronoun's gender (or of no known gender).
                fitting = [item for item in before if gender_of(item[1]) in (None, gender)]
                if fitting:
                    entity = max(fitting, key=lambda item: item[0])[1]
                else:
                    # Nobody was a subject yet: the last person named with a title.
                    candidates = [item for item in titled if item[0] <= start]
                    entity = canonical_of(candidates[-1][1]) if candidates else None
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
    def _subjects(text: str):
        """The names opening each sentence or line, before a lower-case word."""
        for start in SENTENCE_START.finditer(text):
            match = SUBJECT.match(text, start.end())
            if match is not None:
                yield match

    @staticmethod
    def _canonical(name: str, proper: set[str], acronyms: dict[str, str]) -> str:
        """The longer name this name is part of ("Kakar" -> "Anwaar-ul-Haq Kakar"); of
        several ("Shehbaz Sharif", "Mohammad Shehbaz Sharif"), the longest when it holds
        the others, else none (two Sharifs stay apart)."""
        # A coordination ("Mr. King and Mr. Schultz") names a group, not its last member.
        longer = {p for p in proper if p != name and _holds(p, name) and not COORDINATION.search(p)}
        entity = name
        if longer:
            longest = max(longer, key=len)
            if all(_holds(longest, other) or other == longest for other in longer):
                entity = longest
        return acronyms.get(entity.lower(), entity)


def _holds(longer: str, name: str) -> bool:
    """Whether ``name`` starts or ends ``longer``, as whole words."""
    return longer.endswith(" " + name) or longer.startswith(name + " ")
