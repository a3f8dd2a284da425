"""`annotator report` and `annotator show`: figures equal to agree/evaluate/stats, escaping, --docs.

Real data: PolNeAR annotator-training (4 articles x 6 annotators) and the seed articles
with the rules suggester's suggestions. The browser checks are in test_report_browser.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from cli_support import journals_with_a_bad_span
from conftest import SEEDS_DIR
from polnear_support import import_compartment, run_in_process

HOSTILE = (
    "Officials said <script>alert('x')</script> was found.\n"
    "</div></section> The minister said &lt;b&gt; is not bold\u2028and \x1b[31mred\x1b[0m stays plain.\n"
    '"It is <img src=x onerror=alert(1)> here," the spokesman said.'
)


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    return import_compartment("annotator-training", tmp_path_factory.mktemp("report-at"))


@pytest.fixture(scope="module")
def training_report(training, tmp_path_factory):
    corpus, journals = training
    out = tmp_path_factory.mktemp("report-out") / "report.html"
    result = run_in_process("report", journals, "--corpus", corpus, "-o", out)
    assert result.returncode == 0, result.stderr
    return out.read_text(encoding="utf-8")


def data_value(page: str, ident: str) -> float:
    found = re.search(rf'id="{re.escape(ident)}" data-value="([^"]*)"', page)
    assert found, ident
    return float(found.group(1))


def test_agreement_figures_equal_agree_json_to_the_digit(training, training_report):
    corpus, journals = training
    result = run_in_process("agree", journals, "--corpus", corpus, "--json")
    assert result.returncode == 0, result.stderr
    agree = json.loads(result.stdout)
    page = training_report
    assert data_value(page, "alpha") == agree["alpha"]
    assert data_value(page, "agr") == agree["agr"]
    assert data_value(page, "relation-overlap") == agree["relation"]["f1"]["overlap"]
    for role, block in agree["roles"].items():
        assert data_value(page, f"alpha-{role}") == block["alpha"]
    # The figure shown to a reader is the exact one rounded, as the terminal prints it.
    shown = re.search(r'id="alpha"[^>]*>([^<]*)<', page).group(1)
    assert shown == f"{100 * agree['alpha']:.1f}%"
    # Every pair's alpha is in the heatmap, printed in its cell.
    for pair in agree["pairs"]:
        assert f">{100 * pair['alpha']:.1f}</text>" in page


def test_report_holds_charts_every_document_and_no_external_reference(training_report):
    page = training_report
    assert page.count('<svg class="chart"') >= 4
    assert page.count('<article class="doc"') == 4
    assert page.count('<section class="version">') == 24  # 4 documents x 6 annotators
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<script" not in page.lower()
    # Nothing that could fetch: no URL at all outside the SVG namespace declarations.
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>)]*", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert "src=" not in page.replace("data-src", "")


def test_docs_renders_the_least_agreed_first_and_summarises_the_rest(training, tmp_path):
    corpus, journals = training
    out = tmp_path / "one.html"
    result = run_in_process("report", journals, "--corpus", corpus, "-o", out, "--docs", "1")
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count('<article class="doc"') == 1
    assert "3 more summarised" in page
    by_doc = json.loads(run_in_process("agree", journals, "--corpus", corpus, "--json", "--by-doc").stdout)["by_doc"]
    lowest = min(by_doc, key=lambda row: (row["alpha"], row["doc_id"]))
    rendered = re.search(r'<article class="doc" id="doc-1">.*?<p class="facts">id ([^ ]+) ', page, re.DOTALL).group(1)
    assert html.unescape(rendered) == lowest["doc_id"]


def test_show_writes_one_document_with_every_version(training, tmp_path):
    corpus, journals = training
    doc_id = json.loads(Path(corpus).read_text(encoding="utf-8").splitlines()[0])["id"]
    out = tmp_path / "doc.html"
    result = run_in_process("show", doc_id, journals, "--corpus", corpus, "-o", out)
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count('<section class="version">') == 6
    assert "alpha " in page and "<script" not in page


def test_show_unknown_document_is_a_one_line_error_and_writes_nothing(training, tmp_path, cli):
    corpus, journals = training
    out = tmp_path / "doc.html"
    result = cli("show", "no-such-doc", journals, "--corpus", corpus, "-o", out)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "no-such-doc" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def hostile_project(folder: Path) -> tuple[Path, Path]:
    """A hostile article annotated by two annotators (who disagree on one attribution)."""
    from annotator.corpus import write_corpus_jsonl
    from annotator.schema import AnnotationRecord, Attribution, Document, Span
    from annotator.store import Journal

    document = Document(id="<b>hostile</b>&amp;", text=HOSTILE, meta={"title": "</title><script>x()</script>"})
    text = document.text

    def span(needle: str) -> Span:
        start = text.index(needle)
        return Span.from_text(text, start, start + len(needle))

    first = Attribution(id="a1", source=span("Officials"), cue=span("said"),
                        content=span("<script>alert('x')</script> was found"), source_entity="<i>Officials</i>")
    def said_after(word: str) -> Span:
        start = text.index(f"{word} said") + len(word) + 1
        return Span.from_text(text, start, start + 4)

    second = Attribution(id="a2", source=span("The minister"), cue=said_after("minister"),
                         content=span("&lt;b&gt; is not bold"))
    third = Attribution(id="a3", source=span("the spokesman"), cue=said_after("spokesman"),
                        content=span("It is <img src=x onerror=alert(1)> here"), type="direct")
    corpus = folder / "hostile.jsonl"
    write_corpus_jsonl([document], corpus)
    journals = folder / "ann"
    for name, attributions in (("ann1", [first, second, third]), ("ann2", [first, third])):
        Journal(journals / f"{name}.jsonl").append(AnnotationRecord(
            doc_id=document.id, annotator=name, status="done", updated_at="2026-01-01T10:00:00Z",
            text_sha1=document.sha1, attributions=attributions,
        ))
    return corpus, journals


def test_hostile_article_is_escaped_never_markup(tmp_path):
    corpus, journals = hostile_project(tmp_path)
    for command in (("report", journals), ("show", "<b>hostile</b>&amp;", journals)):
        out = tmp_path / f"{command[0]}.html"
        result = run_in_process(*command, "--corpus", corpus, "-o", out)
        assert result.returncode == 0, result.stderr
        page = out.read_text(encoding="utf-8")
        assert "<script" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
        assert "&amp;lt;b&amp;gt;" in page  # the article's own "&lt;" shows as those four characters
        assert "&lt;/div&gt;&lt;/section&gt;" in page
        assert "\x1b" not in page and "\u241b[31m" in page  # ESC shown as a visible symbol
        assert "&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;" in page or command[0] == "report"


def test_outcomes_equal_stats_and_gold_figures_equal_evaluate(tmp_path):
    """Seeds: an annotator who accepted, edited and rejected the rules suggester's suggestions."""
    from annotator.schema import Action, AnnotationRecord, Status
    from annotator.stats import collect as stats_collect
    from annotator.store import Journal

    corpus, suggestions = tmp_path / "seeds.jsonl", tmp_path / "suggestions.jsonl"
    assert run_in_process("import", SEEDS_DIR, "-o", corpus).returncode == 0
    assert run_in_process("suggest", corpus, "-o", suggestions).returncode == 0
    journal = Journal(tmp_path / "ann" / "reader.jsonl")
    for line in suggestions.read_text(encoding="utf-8").splitlines():
        record = AnnotationRecord.model_validate_json(line)
        kept, rejected = [], []
        for index, attribution in enumerate(record.attributions):
            if index % 3 == 2:
                rejected.append(attribution)
            else:
                action = Action.accepted if index % 3 == 0 else Action.edited
                kept.append(attribution.model_copy(update={"action": action}))
        journal.append(record.model_copy(update={"annotator": "reader", "status": Status.done,
                                                 "attributions": kept, "rejected": rejected}))
    out = tmp_path / "report.html"
    result = run_in_process("report", tmp_path / "ann", "--corpus", corpus, "-o", out,
                            "--suggestions", suggestions, "--gold", tmp_path / "ann" / "reader.jsonl")
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    stats, _ = stats_collect([tmp_path / "ann" / "reader.jsonl"])
    row = re.search(r"<tr><td>suggester</td>(.*?)</tr>", page).group(1)
    shown = dict(zip(("accepted", "edited", "added", "rejected", "manual"), map(int, re.findall(r">(\d+)<", row))))
    assert shown == stats["suggestions"] and shown["accepted"] > 0 and shown["rejected"] > 0
    evaluated = run_in_process("evaluate", suggestions, tmp_path / "ann" / "reader.jsonl", "--corpus", corpus, "--json")
    report = json.loads(evaluated.stdout)
    for target, modes in report["scores"].items():
        for mode, block in modes.items():
            found = re.search(rf'data-f1="{target}-{mode}" data-value="([^"]*)"', page).group(1)
            assert float(found) == block["f1"]


def test_adjudication_key_writes_the_cluster_comparison(training, tmp_path):
    """On the adjudication screen, `w` writes the cluster in view to HTML beside the gold file."""
    import asyncio

    from annotator.adjudicate import AdjudicationSession, prepare
    from annotator.records import load_documents, read_journals
    from annotator.tui.screens.adjudicate import AdjudicationApp

    corpus, journals = training
    documents = load_documents(corpus)
    session = AdjudicationSession(
        prepare(documents, read_journals([journals]).records()), tmp_path / "gold.jsonl", "gold", "alice"
    )

    async def press() -> str:
        async with AdjudicationApp(session).run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            await pilot.press("w")
            await pilot.pause()
            return session.cluster.id

    cluster_id = asyncio.run(press())
    cluster = session.item.cluster(cluster_id)
    page = (tmp_path / f"cluster-{cluster_id}.html").read_text(encoding="utf-8")
    assert page.count('<section class="version">') == len(cluster.versions) >= 2
    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    for version in cluster.versions:
        assert ", ".join(version.annotators) in plain
        assert " ".join(version.attribution.content.text.split())[:40] in plain
    if cluster.missing:
        assert "No attribution here: " + ", ".join(cluster.missing) in plain
    assert re.search(r'class="[^"]*\bdis\b', page)  # where the versions differ is marked
    assert "<script" not in page and "default-src 'none'" in page


def test_a_gold_file_alone_gives_a_report_without_agreement(training, tmp_path):
    corpus, journals = training
    gold = tmp_path / "gold.jsonl"
    result = run_in_process("adjudicate", journals, "--corpus", corpus, "-o", gold, "--auto", "majority")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "gold.html"
    result = run_in_process("report", gold, "--corpus", corpus, "-o", out)
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "Agreement needs at least two annotators" in page and 'id="alpha"' not in page
    assert re.search(r"<td>gold \(gold\)</td>", page)
    assert page.count('<article class="doc"') == 4


def test_progress_table_equals_stats(training, tmp_path):
    from annotator.stats import collect as stats_collect

    corpus, journals = training
    out = tmp_path / "report.html"
    assert run_in_process("report", journals, "--corpus", corpus, "-o", out, "--docs", "0").returncode == 0
    page = out.read_text(encoding="utf-8")
    assert '<article class="doc"' not in page and "4 more summarised" in page
    stats, _ = stats_collect(sorted(Path(journals).glob("*.jsonl")))
    for name, row in stats["annotators"].items():
        cells = re.search(rf"<tr><td>{re.escape(name)}</td>((?:<td class=\"num\">\d+</td>){{4}})</tr>", page).group(1)
        assert list(map(int, re.findall(r">(\d+)<", cells))) == [
            row["done"], row["in_progress"], row["skipped"], row["attributions"]
        ]


def test_report_refuses_to_write_over_an_input(training, cli):
    corpus, journals = training
    before = Path(corpus).read_bytes()
    for command in (("report", journals), ("show", "x", journals)):
        result = cli(*command, "--corpus", corpus, "-o", corpus)
        assert result.returncode == 1 and "refusing to overwrite an input file" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert Path(corpus).read_bytes() == before


def test_each_annotator_is_scored_against_gold_as_evaluate_scores_them(training, tmp_path):
    """With --gold, every annotator's F1 per role (exact and overlap) against the gold file
    is the figure `annotator evaluate JOURNAL GOLD` gives for that annotator's journal."""
    corpus, journals = training
    gold = tmp_path / "gold.jsonl"
    result = run_in_process("adjudicate", journals, "--corpus", corpus, "-o", gold, "--auto", "majority")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "report.html"
    result = run_in_process("report", journals, "--corpus", corpus, "-o", out, "--gold", gold)
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "Annotators against gold" in page
    names = sorted(path.stem for path in journals.glob("*.jsonl"))
    assert len(names) == 6
    differ = set()
    for name in names:
        evaluated = run_in_process("evaluate", journals / f"{name}.jsonl", gold, "--corpus", corpus, "--json")
        report = json.loads(evaluated.stdout)
        for target in ("source", "cue", "content", "relation"):
            for mode in ("exact", "overlap"):
                found = re.search(rf'data-annotator-f1="{name}\|{target}-{mode}" data-value="([^"]*)"', page)
                assert found is not None, (name, target, mode)
                assert float(found.group(1)) == report["scores"][target][mode]["f1"]
                differ.add(report["scores"][target][mode]["f1"])
    assert len(differ) > 6  # real, differing figures, not one value repeated


def test_a_span_that_does_not_fit_is_a_one_line_error_and_no_page(training, tmp_path, monkeypatch):
    """report checks the spans against the corpus while the agreement workers compare:
    a span whose text does not match is the one-line FILE:LINE error agree gives, with
    and without workers, and no page is written."""
    from annotator import matching

    corpus, journals = training
    folder = tmp_path / "journals"
    last, line = journals_with_a_bad_span(journals, folder, -1)
    out = tmp_path / "report.html"
    expected = run_in_process("agree", folder, "--corpus", corpus).stderr
    assert f"{last}:{line}: " in expected and "does not match the document text" in expected
    for workers in (False, True):
        if workers:
            monkeypatch.setattr(matching, "PARALLEL_MIN_TEXTS", 1)
            if matching.worker_processes(4) < 2:
                pytest.skip("one CPU core: no worker processes")
        result = run_in_process("report", folder, "--corpus", corpus, "-o", out)
        assert result.returncode == 1 and result.stderr == expected and not out.exists()


def test_timeline_buckets_are_the_utc_hours_and_days_of_the_saves():
    """Saves per hour (or day) counted from whole steps since the epoch equal the UTC
    hour (day) each save's time falls in, for times with offsets, microseconds and the
    last microsecond of an hour."""
    import random
    from collections import Counter
    from datetime import UTC, datetime, timedelta, timezone

    from annotator.report.collect import timeline

    rng = random.Random(4)
    zones = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)), timezone(timedelta(hours=14))]
    for span in (timedelta(days=2), timedelta(days=400)):
        start = datetime(1969, 12, 31, 23, 0, tzinfo=UTC) if span.days > 3 else datetime(2026, 3, 1, tzinfo=UTC)
        saves = []
        for _ in range(3000):
            moment = start + timedelta(microseconds=rng.randrange(int(span / timedelta(microseconds=1))))
            if rng.random() < 0.1:
                moment = moment.replace(minute=59, second=59, microsecond=999999)
            saves.append((rng.choice(["ann1", "ann2"]), moment.astimezone(rng.choice(zones))))
        series, unit = timeline(saves)
        pattern = "%Y-%m-%d %H:00" if unit.startswith("hour") else "%Y-%m-%d"
        expected: dict[str, Counter] = {}
        for name, moment in saves:
            expected.setdefault(name, Counter())[moment.astimezone(UTC).strftime(pattern)] += 1
        assert series == {name: dict(expected[name]) for name in sorted(expected)}
        assert unit == ("hour (UTC)" if span.days <= 3 else "day (UTC)")
