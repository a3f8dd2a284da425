"""`annotator sync` between journals and a real PostgreSQL (tests/pg_support.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from annotator.schema import Status
from annotator.store import Journal, journal_files, load_journals, open_store
from polnear_support import REPO_ROOT, import_compartment
from polnear_support import run_in_process as run_cli  # in-process: quicker; the concurrency test uses processes


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    return import_compartment("annotator-training", tmp_path_factory.mktemp("polnear"))


def _sync_process(source, target) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen([sys.executable, "-m", "annotator", "sync", str(source), str(target), "--json"],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_six_journals_synced_at_once_agree_equally_and_come_back_identical(pg_url, training, tmp_path):
    corpus, journals = training
    files = journal_files(journals)
    assert len(files) == 6
    # six processes at once, each syncing one annotator's journal into the database
    processes = [_sync_process(path, pg_url) for path in files]
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        reports.append(json.loads(out))
    assert [r["added"] for r in reports] == [r["read"] for r in reports]
    assert "postgres@" in reports[0]["to"]
    # again, from all six at once: idempotent
    again = [_sync_process(path, pg_url) for path in files]
    for process in again:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert json.loads(out)["added"] == 0
    # agree from the database equals agree from the journals
    from_files = run_cli("agree", journals, "--corpus", corpus, "--json")
    from_db = run_cli("agree", pg_url, "--corpus", corpus, "--json")
    assert from_files.returncode == 0 and from_db.returncode == 0, from_db.stderr
    assert json.loads(from_db.stdout) == json.loads(from_files.stdout)
    # and out again to a folder: the same latest records, and every line of history
    back = tmp_path / "back"
    result = run_cli("sync", pg_url, back)
    assert result.returncode == 0, result.stderr
    assert "0 conflict(s)" in result.stdout
    original = load_journals(files, quarantine=False).latest
    assert load_journals(journal_files(back), quarantine=False).latest == original
    for path in files:
        assert (back / path.name).read_bytes() == path.read_bytes()


def test_corpus_from_the_database_and_import_into_it(pg_url, training, tmp_path):
    corpus, journals = training
    result = run_cli("import", _brat_folder(), "--format", "brat",
                     "-o", pg_url, "--annotations-out", pg_url)
    assert result.returncode == 0, result.stderr
    assert "4 document(s) added" in result.stderr and "24 annotation record(s) added" in result.stderr
    from_db = run_cli("agree", pg_url, "--corpus", pg_url, "--json")
    from_files = run_cli("agree", journals, "--corpus", corpus, "--json")
    assert from_db.returncode == 0, from_db.stderr
    assert json.loads(from_db.stdout) == json.loads(from_files.stdout)
    stats = run_cli("stats", pg_url, "--json")
    assert stats.returncode == 0, stats.stderr
    assert sum(row["done"] + row["in_progress"] for row in json.loads(stats.stdout)["annotators"].values()) == 24
    out = tmp_path / "train.jsonl"
    exported = run_cli("export", pg_url, "--corpus", pg_url, "--format", "jsonl", "-o", out, "--status", "any")
    assert exported.returncode == 0, exported.stderr
    expected = tmp_path / "expected.jsonl"
    run_cli("export", journals, "--corpus", corpus, "--format", "jsonl", "-o", expected, "--status", "any")
    assert out.read_bytes() == expected.read_bytes()
    valid = run_cli("validate", pg_url, "--corpus", pg_url)
    assert valid.returncode == 0, valid.stdout + valid.stderr


def _brat_folder():
    from polnear_support import require_compartment

    return require_compartment("annotator-training")


def test_diverged_histories_are_a_conflict_with_both_times_and_the_later_wins(pg_url, training, tmp_path):
    corpus, journals = training
    first = journal_files(journals)[0]
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    for folder in (laptop, desk):
        assert run_cli("sync", first, folder).returncode == 0
    base = next(iter(load_journals([first], quarantine=False).latest.values()))
    early = base.model_copy(update={"updated_at": base.updated_at + timedelta(hours=1), "status": Status.done})
    late = base.model_copy(update={"updated_at": base.updated_at + timedelta(hours=2), "status": Status.skipped})
    Journal(laptop / first.name).append(late)
    Journal(desk / first.name).append(early)
    assert run_cli("sync", laptop, pg_url).returncode == 0
    result = run_cli("sync", desk, pg_url)
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout and "1 conflict(s)" in result.stdout
    assert f"FROM at {early.updated_at.isoformat()}, TO at {late.updated_at.isoformat()}; the later (TO) wins" \
        in result.stdout
    with open_store(pg_url) as store:
        assert store.contents().latest[base.key] == late  # the later record, though synced first
    # back to the desk: it lacks only the laptop's later record (the database already has
    # the desk's), so no conflict there, and the later record now wins on the desk too
    result = run_cli("sync", pg_url, desk)
    assert "1 added" in result.stdout and "0 conflict(s)" in result.stdout
    assert load_journals([desk / first.name], quarantine=False).latest[base.key] == late
    # the desk's older record appended after the laptop's later one: still the later wins,
    # in every command that reads journals
    result = run_cli("sync", pg_url, laptop)  # the laptop lacks only the desk's (older) record
    assert "1 added" in result.stdout and "0 conflict(s)" in result.stdout
    assert (laptop / first.name).read_bytes().splitlines()[-1].find(b'"status":"done"') > 0
    assert load_journals([laptop / first.name], quarantine=False).latest[base.key] == late
    stats = json.loads(run_cli("stats", laptop, "--json").stdout)
    assert stats["annotators"][base.annotator]["skipped"] == 1
    out = tmp_path / "skipped.jsonl"
    exported = run_cli("export", laptop, "--corpus", corpus, "--format", "jsonl", "-o", out, "--status", "skipped")
    assert exported.returncode == 0, exported.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 1 and json.dumps(base.doc_id) in lines[0]  # the later (skipped) record only


def _last_per_document(lines) -> dict[str, object]:
    """What the app resumes from: the last record per document in the order it replays them."""
    last = {}
    for _number, record, _problem in lines:
        if record is not None:
            last[record.doc_id] = record
    return last


def test_clock_skew_between_two_machines_journal_db_journal_keeps_the_same_latest(pg_url, training, tmp_path):
    """A laptop with a right clock and a desk whose clock runs an hour fast both change two
    documents offline. The rule everywhere is the later updated_at (as stamped): the desk's
    record wins the document it changed earlier in real time but later by its clock, the
    laptop's wins the other. Through journal -> database -> journal every store, every
    reader and the app's resume take the same latest records, and sync reports both
    conflicts with both times and the winner."""
    corpus, journals = training
    first = journal_files(journals)[0]
    laptop, desk, third = tmp_path / "laptop", tmp_path / "desk", tmp_path / "third"
    for folder in (laptop, desk):
        assert run_cli("sync", first, folder).returncode == 0
    records = list(load_journals([first], quarantine=False).latest.values())
    one, two = records[0], records[1]
    start = max(record.updated_at for record in records) + timedelta(days=1)  # real time 0
    skew = timedelta(hours=1)  # the desk's clock is an hour fast

    def stamped(base, real_minutes: int, status: Status, fast: bool = False, keep: int | None = None):
        time = start + timedelta(minutes=real_minutes) + (skew if fast else timedelta(0))
        update = {"updated_at": time, "status": status}
        if keep is not None:
            update["attributions"] = base.attributions[:keep]
        return base.model_copy(update=update)

    laptop_one = [stamped(one, 0, Status.in_progress), stamped(one, 10, Status.done)]
    desk_one = [stamped(one, -40, Status.skipped, fast=True)]  # real -0:40, stamped +0:20: the later stamp
    laptop_two = [stamped(two, 120, Status.done, keep=1)]  # +2:00
    desk_two = [stamped(two, -10, Status.in_progress, fast=True),  # stamped +0:50
                stamped(two, 0, Status.done, fast=True, keep=2)]  # stamped +1:00
    Journal(laptop / first.name).append_many(laptop_one + laptop_two)
    Journal(desk / first.name).append_many(desk_one + desk_two)
    expected = {one.key: desk_one[-1], two.key: laptop_two[-1]}

    assert run_cli("sync", laptop, pg_url).returncode == 0
    result = run_cli("sync", desk, pg_url, "--json")
    assert result.returncode == 0, result.stderr
    conflicts = {c["doc_id"]: c for c in json.loads(result.stdout)["conflicts"]}
    assert conflicts == {
        one.doc_id: {"doc_id": one.doc_id, "annotator": one.annotator, "winner": "from",
                     "from_time": desk_one[-1].updated_at.isoformat(),
                     "to_time": laptop_one[-1].updated_at.isoformat()},
        two.doc_id: {"doc_id": two.doc_id, "annotator": two.annotator, "winner": "to",
                     "from_time": desk_two[-1].updated_at.isoformat(),
                     "to_time": laptop_two[-1].updated_at.isoformat()},
    }
    for folder in (laptop, desk, third):
        result = run_cli("sync", pg_url, folder)
        assert result.returncode == 0, result.stderr
    with open_store(pg_url) as store:
        in_database = store.contents().latest
        resumed_from_database = _last_per_document((0, r, None) for r in store.latest_for(one.annotator))
    assert {key: in_database[key] for key in expected} == expected
    for folder in (laptop, desk, third):
        latest = load_journals(journal_files(folder), quarantine=False).latest
        assert latest == in_database, folder.name  # every key, not only the two changed
        history = len(first.read_bytes().splitlines()) + len(laptop_one + laptop_two + desk_one + desk_two)
        assert len((folder / first.name).read_bytes().splitlines()) == history  # the full history everywhere
        resumed = _last_per_document(Journal(folder / first.name).read_lines())
        assert resumed == {doc: record for (doc, _who), record in in_database.items()}, folder.name
    assert resumed_from_database == {doc: record for (doc, _who), record in in_database.items()}
    # agree reads the same records from any of them
    agreed = {run_cli("agree", spec, "--corpus", corpus, "--json").stdout for spec in (laptop, desk, third, pg_url)}
    assert len(agreed) == 1


def test_equal_times_the_record_copied_in_wins_and_the_report_says_so(pg_url, training, tmp_path):
    """Two different records stamped the same microsecond: in TO the copied record is the
    later line (or row), so it is TO's latest, and the conflict names FROM as the winner."""
    _corpus, journals = training
    first = journal_files(journals)[0]
    base = next(iter(load_journals([first], quarantine=False).latest.values()))
    when = base.updated_at + timedelta(days=2)
    ours = base.model_copy(update={"updated_at": when, "status": Status.done})
    theirs = base.model_copy(update={"updated_at": when, "status": Status.skipped})
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    Journal(laptop / first.name).append(ours)
    Journal(desk / first.name).append(theirs)
    assert run_cli("sync", laptop, pg_url).returncode == 0
    for target in (pg_url, laptop):
        result = run_cli("sync", desk, target, "--json")
        assert result.returncode == 0, result.stderr
        [conflict] = json.loads(result.stdout)["conflicts"]
        assert conflict["winner"] == "from" and conflict["from_time"] == conflict["to_time"] == when.isoformat()
    with open_store(pg_url) as store:
        assert store.contents().latest[base.key] == theirs
    assert load_journals([laptop / first.name], quarantine=False).latest[base.key] == theirs
    assert _last_per_document(Journal(laptop / first.name).read_lines())[base.doc_id] == theirs
