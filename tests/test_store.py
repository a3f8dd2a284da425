"""The journal: latest line wins, torn lines set aside, killed writers and concurrent writers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from annotator.corpus import load_corpus
from annotator.errors import AnnotatorError
from annotator.schema import AnnotationRecord, Attribution, Span, Status
from annotator.store import Journal, journal_path, load_journals
from conftest import REPO_ROOT

BASE_TIME = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def seed_documents(seeds_dir):
    return load_corpus(seeds_dir)


def record_for(document, annotator="ana", n_attributions=1, minutes=0, status=Status.in_progress):
    words = document.text.split(" ")
    attributions = []
    position = 0
    for index in range(n_attributions):
        start = document.text.index(words[index], position)
        end = start + len(words[index])
        position = end
        attributions.append(Attribution(id=f"a{index}", content=Span.from_text(document.text, start, end)))
    return AnnotationRecord(
        doc_id=document.id,
        annotator=annotator,
        status=status,
        updated_at=BASE_TIME + timedelta(minutes=minutes),
        text_sha1=document.sha1,
        attributions=attributions,
    )


def test_latest_line_per_document_and_annotator_wins(tmp_path, seed_documents):
    journal = Journal.for_annotator(tmp_path, "ana")
    first, second = seed_documents[:2]
    journal.append(record_for(first, n_attributions=1))
    journal.append(record_for(second, n_attributions=2))
    journal.append(record_for(first, n_attributions=3, minutes=5, status=Status.done))
    contents = journal.load()
    assert not contents.problems
    assert len(contents.latest) == 2
    latest = contents.latest[(first.id, "ana")]
    assert len(latest.attributions) == 3 and latest.status is Status.done
    assert contents.line_of[(first.id, "ana")] == (str(journal.path), 3)
    lines = journal.path.read_bytes().splitlines()
    assert len(lines) == 3 and all(orjson.loads(line)["schema_version"] == 1 for line in lines)


def test_torn_last_line_is_reported_set_aside_and_not_fatal(tmp_path, seed_documents):
    journal = Journal.for_annotator(tmp_path, "ana")
    journal.append(record_for(seed_documents[0]))
    journal.append(record_for(seed_documents[1]))
    data = journal.path.read_bytes()
    journal.path.write_bytes(data[:-25])  # cut the last line short, as a killed writer would
    contents = journal.load()
    assert list(contents.latest) == [(seed_documents[0].id, "ana")]
    (problem,) = contents.problems
    assert problem.line == 2 and "torn last line" in problem.message
    side = journal.path.with_name("ana.jsonl.quarantine")
    (kept,) = [orjson.loads(line) for line in side.read_bytes().splitlines()]
    assert kept["line"] == 2 and kept["raw"] == data[:-25].splitlines()[1].decode()
    # The next save starts on a fresh line, so the torn one never swallows it.
    journal.append(record_for(seed_documents[2]))
    contents = journal.load()
    assert len(contents.latest) == 2 and len(contents.problems) == 1
    assert contents.latest[(seed_documents[2].id, "ana")].doc_id == seed_documents[2].id


def test_a_byte_order_mark_before_the_first_record_is_not_part_of_it(tmp_path, seed_documents):
    # An editor on Windows saves UTF-8 with a BOM; validate accepted such a journal while
    # agree, stats and report dropped its first record as invalid JSON.
    from annotator.store import load_plain_journals

    journal = Journal.for_annotator(tmp_path, "ana")
    journal.append(record_for(seed_documents[0]))
    journal.append(record_for(seed_documents[1]))
    journal.path.write_bytes(b"\xef\xbb\xbf" + journal.path.read_bytes())
    for contents in (load_journals([journal.path]), load_plain_journals([journal.path])):
        assert not contents.problems
        assert sorted(contents.latest) == sorted((document.id, "ana") for document in seed_documents[:2])
    with journal.path.open("ab") as stream:  # only at the start of the file
        stream.write(b"\xef\xbb\xbf" + record_for(seed_documents[2]).model_dump_json().encode() + b"\n")
    (problem,) = load_plain_journals([journal.path]).problems
    assert problem.line == 3 and "invalid JSON" in problem.message


def test_invalid_line_in_the_middle_is_reported_with_its_number(tmp_path, seed_documents):
    journal = Journal.for_annotator(tmp_path, "ana")
    journal.append(record_for(seed_documents[0]))
    with journal.path.open("ab") as stream:
        stream.write(b'{"schema_version": 1, "doc_id": 5}\n')
    journal.append(record_for(seed_documents[1]))
    contents = load_journals([journal.path])
    assert len(contents.latest) == 2
    (problem,) = contents.problems
    assert problem.line == 2 and str(problem).startswith(f"{journal.path}:2: ")


def test_annotator_names_cannot_escape_the_folder(tmp_path):
    for bad in ["../evil", "a/b", "", ".hidden", "x" * 80]:
        with pytest.raises(AnnotatorError):
            journal_path(tmp_path, bad)
    assert journal_path(tmp_path, "ana.b-2").name == "ana.b-2.jsonl"


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from annotator.corpus import load_corpus
    from annotator.schema import AnnotationRecord, Attribution, Span
    from annotator.store import Journal

    folder, annotator, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    document = load_corpus(__import__("pathlib").Path("seeds"))[1]
    journal = Journal.for_annotator(folder, annotator)
    for index in range(count):
        # Records of different sizes make interleaving detectable.
        pieces = [(i * 10, i * 10 + 5) for i in range(1 + index % 40)]
        attributions = [
            Attribution(id=f"{annotator}-{index}-{i}", content=Span.from_text(document.text, a, b), note="n" * (index % 300))
            for i, (a, b) in enumerate(pieces)
        ]
        journal.append(AnnotationRecord(
            doc_id=f"doc-{index}", annotator=annotator,
            updated_at=datetime.now(timezone.utc), text_sha1=document.sha1,
            attributions=attributions,
        ))
        print(index, flush=True)
    """
)


def start_writer(folder, annotator, count, journal_name=None):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder), annotator, str(count)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_writer_killed_mid_stream_loses_at_most_the_line_in_flight(tmp_path):
    writer = start_writer(tmp_path, "ana", 100_000)
    confirmed = -1
    deadline = time.monotonic() + 60
    while confirmed < 150 and time.monotonic() < deadline:
        confirmed = int(writer.stdout.readline())
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    contents = load_journals([tmp_path / "ana.jsonl"], quarantine=False)
    # Every save the writer confirmed is there, whole; at most one torn line follows.
    assert len(contents.latest) >= confirmed + 1
    assert len(contents.problems) <= 1
    assert all(problem.line == contents.lines_read for problem in contents.problems)


def test_concurrent_writers_never_interleave_bytes(tmp_path):
    # Two processes appending to the same journal file (same annotator name).
    writers = [start_writer(tmp_path, "ana", 300) for _ in range(2)]
    for writer in writers:
        writer.communicate(timeout=120)
        assert writer.returncode == 0
    lines = (tmp_path / "ana.jsonl").read_bytes().splitlines()
    assert len(lines) == 600
    for line in lines:
        AnnotationRecord.model_validate_json(line)
