"""The suggester's systematic mistakes found on the seeds (issue 11, item 6), each
checked on sentences written for this test, not copied from a seed: the rules must get
the pattern right, not the seed's wording."""

from __future__ import annotations

from annotator.schema import AttributionType, Document
from suggest_support import find


def suggest(suggest_one, text: str):
    return suggest_one(Document(id="written", text=text))


def test_content_is_the_clause_before_a_source_between_commas(suggest_one):
    record = suggest(
        suggest_one,
        "The foreign minister landed in Nairobi on Monday, her spokesman said, in the first visit "
        "by a minister from the country in a decade.\n",
    )
    [claim] = find(record, cue="said")
    assert claim.source.text == "her spokesman"
    assert claim.content.text == "The foreign minister landed in Nairobi on Monday"


def test_a_clause_after_the_cue_is_still_the_content(suggest_one):
    record = suggest(suggest_one, "Later that day, the mayor said the bridge would reopen in March.\n")
    [claim] = find(record, cue="said")
    assert claim.content.text == "the bridge would reopen in March"


def test_coordinated_sources_keep_every_conjunct(suggest_one):
    record = suggest(
        suggest_one,
        "Brazil and Argentina pledged to lower tariffs on steel.\n"
        "During the summit, Kenya and Ethiopia agreed to share the dam's data.\n"
        "Both unions and employers said the deal was fair.\n",
    )
    assert find(record, cue="pledged")[0].source.text == "Brazil and Argentina"
    assert find(record, cue="agreed")[0].source.text == "Kenya and Ethiopia"
    assert find(record, cue="said")[0].source.text == "Both unions and employers"


def test_a_clause_after_a_comma_and_does_not_join_the_source(suggest_one):
    record = suggest(
        suggest_one,
        "Chile told Peru about the floods in Arica and Tacna, and Peru stressed the need for a joint response.\n",
    )
    [claim] = find(record, cue="stressed")
    assert claim.source.text == "Peru"


def test_he_is_the_sentence_subject_not_a_person_in_a_subordinate_phrase(suggest_one):
    record = suggest(
        suggest_one,
        "Foreign Minister Dana Okafor met students in Lagos.\n"
        "Okafor travelled to Accra to attend a forum hosted by President Kwame Mensah in the capital.\n"
        "On Saturday, he said the region needed a common currency.\n",
    )
    [claim] = find(record, cue="said")
    assert claim.source.text == "he"
    assert claim.source_entity == "Dana Okafor"


def test_one_person_is_one_entity_whatever_the_titles(suggest_one):
    record = suggest(
        suggest_one,
        "Finance Minister Rosa Mbeki said the budget would be balanced.\n"
        "Ghanaian Finance Minister Adwoa Rosa Mbeki has said that taxes will not rise.\n"
        "Mbeki told reporters the deficit was shrinking.\n",
    )
    entities = {a.source_entity for a in record.attributions if a.source is not None}
    assert entities == {"Adwoa Rosa Mbeki"}


def test_two_people_sharing_a_surname_stay_apart(suggest_one):
    record = suggest(
        suggest_one,
        "Senator Maria Lopez said the bill was dead.\nGovernor Juan Lopez said it was alive.\nLopez said nothing more.\n",
    )
    [last] = find(record, content="nothing more")
    assert last.source_entity == "Lopez"


def test_events_are_not_attributions(suggest_one):
    record = suggest(
        suggest_one,
        "The president offered prayers at the cathedral on Sunday.\n"
        "The factory laid off 300 workers last month.\n"
        "Rebels launched a wave of coordinated attacks on the border town.\n"
        "The president said the attacks were a tragedy.\n",
    )
    cues = {a.cue.text for a in record.attributions if a.cue is not None}
    assert not cues & {"offered", "laid", "launched"}
    assert find(record, cue="said", content="the attacks were a tragedy")


def test_a_cue_that_is_a_cue_most_of_the_time_keeps_an_event_object(suggest_one):
    record = suggest(suggest_one, "The minister condemned the attacks on the convoy.\n")
    assert find(record, cue="condemned", content="the attacks on the convoy")


def test_scare_quotes_get_neither_source_nor_cue(suggest_one):
    record = suggest(
        suggest_one,
        "The ministry said the camps were closed.\n"
        "Their former inmates had “graduated” into jobs in the cities.\n",
    )
    [term] = find(record, content="“graduated”")
    assert term.type is AttributionType.scare_quote
    assert term.source is None and term.cue is None and term.source_entity is None


def test_a_source_is_never_cut_inside_a_name(suggest_one):
    record = suggest(suggest_one, "Foreign Minister Zain ul Abidin Qureshi thanked Japan for its support.\n")
    [claim] = find(record, cue="thanked")
    assert claim.source.text == "Foreign Minister Zain ul Abidin Qureshi"
    assert claim.source_entity == "Zain ul Abidin Qureshi"


def test_a_headline_repeated_on_the_page_is_suggested_once(suggest_one):
    headline = "Farmers block highway over fuel prices, police say"
    record = suggest(
        suggest_one,
        f"{headline}\n\nUpdated 2 hours ago\nFollow\n\n{headline}\n\n"
        "Hundreds of farmers blocked the highway on Monday, police said.\n",
    )
    assert len(find(record, content="Farmers block highway")) == 1
    assert find(record, content="Hundreds of farmers blocked the highway on Monday")


def test_a_dateline_is_not_part_of_the_content(suggest_one):
    record = suggest(suggest_one, "NAIROBI: Heavy rains flooded the northern districts, the police said.\n")
    [claim] = find(record, cue="said")
    assert claim.content.text == "Heavy rains flooded the northern districts"


def test_nouns_with_an_adjective_ending_can_be_sources(suggest_one):
    record = suggest(suggest_one, "Rebels seize the northern town, military says\n\nThe shops will close early, women said.\n")
    assert find(record, cue="says")[0].source.text == "military"
    assert find(record, cue="said")[0].source.text == "women"


def test_the_issuer_of_a_statement_is_the_source(suggest_one):
    record = suggest(
        suggest_one,
        "The bridge will reopen in May, according to a statement from the mayor’s office.\n",
    )
    [claim] = find(record, cue="according to")
    assert claim.source.text == "the mayor’s office"
    assert claim.content.text == "The bridge will reopen in May"


def test_a_title_and_surname_join_the_full_name(suggest_one):
    record = suggest(
        suggest_one,
        "General Ana Reyes, the army chief, met the minister on Monday.\n"
        "General Reyes said the border was calm.\n"
        "General Motors said its plant would stay open.\n",
    )
    assert find(record, content="the border was calm")[0].source_entity == "Ana Reyes"
    assert find(record, content="its plant would stay open")[0].source_entity == "General Motors"
