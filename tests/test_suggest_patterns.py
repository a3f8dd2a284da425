"""The suggester's patterns on real text: the seed articles and PolNeAR."""

from __future__ import annotations

import pytest

from annotator.schema import AttributionType, Document, Origin, record_problems
from polnear_support import require_compartment
from suggest_support import find, seed_documents

SEEDS = seed_documents()


def seed(prefix: str, contains: str) -> Document:
    for doc_id, document in SEEDS.items():
        if doc_id.startswith(prefix) and contains in document.text:
            return document
    raise AssertionError(f"no seed {prefix} holding {contains!r}")


@pytest.fixture(scope="module")
def military(suggest_one):
    return suggest_one(seed("000", "Indian-sponsored militants"))


@pytest.fixture(scope="module")
def xinjiang(suggest_one):
    return suggest_one(seed("000", "voluntary centers"))


def test_every_seed_record_fits_its_document_and_is_suggested(suggest_one):
    for document in SEEDS.values():
        record = suggest_one(document)
        assert record.annotator == "suggester" and record.doc_id == document.id
        assert record_problems(record, document) == []
        assert record.attributions, document.id
        for attribution in record.attributions:
            assert attribution.origin is Origin.suggested
            assert attribution.score is not None and 0.0 <= attribution.score <= 1.0


def test_scare_quoted_term_has_no_source_as_the_guidelines_say(military):
    [term] = find(military, content="“Indian-sponsored militants”")
    assert term.type is AttributionType.scare_quote
    assert term.content.text == "“Indian-sponsored militants”"
    assert term.source is None and term.cue is None and term.source_entity is None


def test_beijing_claims_the_facilities_are_vocational_centers(xinjiang):
    [claim] = find(xinjiang, cue="says", source="Beijing")
    assert "detention facilities are voluntary centers for teaching vocational skills" in claim.content.text
    assert claim.source.text == "Beijing" and claim.source_entity == "Beijing"


def test_according_to_takes_the_source_after_the_cue_and_the_clause_before(military):
    [attribution] = find(military, cue="according to")
    assert attribution.type is AttributionType.according_to
    assert "Inter-Services Public Relations" in attribution.source.text
    assert attribution.content.text.startswith("The operation was conducted in Balochistan’s Kalat district")
    assert attribution.source_entity == "ISPR"


def test_direct_quote_before_said_in_a_statement(military):
    [attribution] = find(military, cue="said in a statement")
    assert attribution.type is AttributionType.direct
    assert attribution.source.text == "the ISPR"
    assert attribution.content.text.startswith("“Sanitization operations")
    assert attribution.content.text.endswith("in the area,”")


def test_comma_x_said_takes_the_clause_before(military):
    [attribution] = find(military, content="gunned down four militants", cue="said")
    assert attribution.source.text == "the military"
    assert attribution.source_entity == "ISPR"  # the military's media wing, tied by the text


def test_accusations_denials_and_labelling_verbs(military):
    [accusation] = find(military, cue="accuses")
    assert accusation.source.text == "Pakistan" and accusation.content.text.startswith("India of supporting")
    [denial] = find(military, cue="denies")
    assert denial.source.text == "New Delhi" and denial.content.text == "the allegation"
    [label] = find(military, cue="describes")
    assert "“Fitna Al-Hindustan.”" in label.content.text


def test_x_said_that_and_pronoun_sources_resolve_to_the_last_person(suggest_one):
    record = suggest_one(seed("002", "Naqvi"))
    [said] = find(record, cue="said", source="Naqvi")
    assert said.content.text.startswith("that Xinjiang province was of vital importance")
    [added] = find(record, cue="added")
    assert added.source.text == "He" and added.source_entity == said.source_entity == "Mohsin Naqvi"


def test_urdu_passage_keeps_offsets_and_the_quote_before_it(suggest_one):
    document = seed("001", "Juma")
    assert "آج جمعہ" in document.text
    record = suggest_one(document)
    assert record_problems(record, document) == []
    [wrote] = find(record, cue="wrote")
    assert wrote.type is AttributionType.direct and wrote.source.text == "He"
    assert wrote.content.text.startswith("“I got an opportunity to offer Juma prayer")


def test_empty_and_blank_documents_give_empty_records(suggest_one):
    for text in ("", "   \n\n  "):
        record = suggest_one(Document(id="empty", text=text))
        assert record.attributions == [] and record.doc_id == "empty"


def polnear_text(compartment: str, name: str) -> Document:
    folder = require_compartment(compartment)
    path = folder / "text" / f"{name}.txt"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return Document(id=name, text=path.read_text(encoding="utf-8"))


def test_interrupted_curly_quote_becomes_one_discontinuous_content(suggest_one):
    document = polnear_text("train", "breitbart_2015-11-19_exclusive-excerpt-dinesh-d-souza")
    record = suggest_one(document)
    [quote] = find(record, content="“Judge,”")
    assert quote.source.text == "Brafman" and quote.cue.text == "said"
    assert quote.content.is_discontinuous
    assert quote.content.text.startswith("“Judge,” “I have never had that happen")
    # the PolNeAR annotator marked exactly these two pieces
    assert quote.content.pieces == [(1372, 1380), (1395, 1548)]


def test_interrupted_straight_quote_and_quote_spanning_sentences(suggest_one):
    document = polnear_text("dev", "nyt_2016-09-08_obama-on-climate-change-the-tren")
    record = suggest_one(document)
    [quote] = find(record, content='"If you have even a portion of those billion people displaced,"')
    assert quote.content.is_discontinuous and quote.source.text == "he"
    assert quote.content.text.endswith("that we haven't seen in our lifetimes.\"")


def test_mentions_of_one_person_share_an_entity(suggest_one):
    record = suggest_one(seed("001", "Juma"))
    kakar = {a.source.text for a in record.attributions if a.source_entity == "Anwaar-ul-Haq Kakar"}
    # the short name, the title and the pronouns all point to the full name (which opens
    # the article as the subject of "offered Juma prayer", an event, not an attribution)
    assert {"Prime Minister Kakar", "the Prime Minister", "He"} <= kakar
    assert not find(record, cue="offered")
    assert not any("URUMQI" in a.source.text for a in record.attributions if a.source)


def test_a_dateline_is_not_a_speaker_but_a_repeated_transcript_name_is(suggest_one):
    military = suggest_one(seed("000", "Indian-sponsored militants"))
    assert not find(military, source="ISLAMABAD")
    document = polnear_text("train", "breitbart_2016-07-10_ok-gov-fallin-trump-is-trying-to")
    record = suggest_one(document)
    speakers = find(record, cue=":", source="FALLIN")
    assert len(speakers) >= 2
    assert all(a.content.text for a in speakers)


def test_a_describing_word_before_a_noun_cue_is_not_its_source(suggest_one):
    # "fruitful conversations about", "bilateral accords", "to strengthen early warning":
    # the word before the cue describes it; it does not speak.
    talks = suggest_one(seed("003", "fruitful conversations"))
    balochistan = suggest_one(seed("000", "early warning"))
    sources = {a.source.text for record in (talks, balochistan) for a in record.attributions if a.source}
    assert not sources & {"fruitful", "bilateral", "strengthen"}
    assert find(talks, cue="reiterated", source="Both sides")  # bare plural subjects still speak
