"""The PostgreSQL store against a real private PostgreSQL server (tests/pg_support.py)."""

from __future__ import annotations

import psycopg
import pytest

from annotator.errors import AnnotatorError
from annotator.store import journal_files, load_journals, open_store, redact
from annotator.store.postgres import SCHEMA_VERSION, PostgresStore
from pg_support import as_user
from polnear_support import import_compartment, run_cli


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    """PolNeAR annotator-training: (corpus, folder of six annotators' journals)."""
    return import_compartment("annotator-training", tmp_path_factory.mktemp("polnear"))


def test_database_holds_what_the_journals_hold(pg_url, training):
    corpus, journals = training
    expected = load_journals(journal_files(journals), quarantine=False)
    with open_store(pg_url) as store:
        history = [record for path in journal_files(journals) for record in open_store(path).history()]
        assert len(store.add(history)) == len(history)
        assert store.add(history) == []  # the same records again: nothing added
        contents = store.contents()
    assert list(contents.latest) == list(expected.latest)  # same keys, same order
    assert contents.latest == expected.latest
    assert len(expected.latest) == 24  # 4 articles x 6 annotators


def test_corpus_in_the_database_is_checked_by_text_sha1(pg_url, training):
    from annotator.corpus.jsonl import read_corpus_jsonl

    corpus, _ = training
    documents = read_corpus_jsonl(corpus)
    with PostgresStore(pg_url) as store:
        assert store.put_documents(documents) == len(documents)
        assert store.put_documents(documents) == 0
        assert [d.id for d in store.documents()] == [d.id for d in documents]
        assert [d.text for d in store.documents()] == [d.text for d in documents]
        changed = documents[0].model_copy(update={"text": documents[0].text + " changed"})
        with pytest.raises(AnnotatorError, match="another text"):
            store.put_documents([changed])


def test_old_schema_is_upgraded_and_newer_is_refused(pg_url):
    with PostgresStore(pg_url, migrate_to=1) as old:
        assert old.version == 1
        assert old._query("SELECT to_regclass('annotator.slots')")[0][0] is None
    with PostgresStore(pg_url) as store:
        assert store.version == SCHEMA_VERSION
        assert store._query("SELECT to_regclass('annotator.slots')")[0][0] is not None
        store.connection.execute("UPDATE annotator.meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(AnnotatorError, match="schema version 99 is newer than this program's"):
        PostgresStore(pg_url)


def test_records_are_append_only(pg_url, training):
    _, journals = training
    with PostgresStore(pg_url) as store:
        store.add(list(open_store(journal_files(journals)[0]).history())[:1])
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            store.connection.execute("UPDATE annotator.records SET status = 'done'")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            store.connection.execute("DELETE FROM annotator.records")


def test_passwords_never_appear_in_messages(tmp_path):
    assert redact("postgresql://ann:s3cret@db:5432/x") == "postgresql://ann:***@db:5432/x"
    assert "s3cret" not in redact("host=db password=s3cret dbname=x")
    result = run_cli("stats", "postgresql://ann:s3cret@127.0.0.1:1/nowhere")
    assert result.returncode == 1
    assert "s3cret" not in result.stderr and "s3cret" not in result.stdout
    assert result.stderr.startswith("annotator: error: postgresql://ann:***@127.0.0.1:1/nowhere: cannot connect")
    assert "Traceback" not in result.stderr


def test_one_annotator_cannot_write_or_change_another_s_rows(pg_url, training, tmp_path):
    _, journals = training
    history = [r for path in journal_files(journals) for r in open_store(path).history()]
    alice_record, bob_record = history[0], next(r for r in history if r.annotator != history[0].annotator)
    alice, bob = alice_record.annotator, bob_record.annotator
    with PostgresStore(pg_url) as admin:
        admin.add_member(alice)
        admin.add_member(bob)
        admin.add_member("judge", adjudicator=True)
        admin.add([bob_record])
    with PostgresStore(as_user(pg_url, alice)) as own:
        assert own.add([alice_record]) == [alice_record]  # her own record: committed
        with pytest.raises(AnnotatorError, match=f"connected as '{alice}', who may write only their own"):
            own.add([alice_record.model_copy(update={"annotator": bob})])  # in bob's name
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            own.connection.execute("UPDATE annotator.records SET line = '{}' WHERE annotator = %s", (bob,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            own.connection.execute("DELETE FROM annotator.records WHERE annotator = %s", (bob,))
        with pytest.raises(AnnotatorError, match="gold only as an adjudicator"):  # gold is the adjudicator's
            own.add([alice_record.model_copy(update={"annotator": "gold", "adjudicator": alice})])
    from annotator.store.spool import DatabaseLog

    with pytest.raises(AnnotatorError, match=f"connected as '{alice}', who may write only {alice}'s records"):
        DatabaseLog(as_user(pg_url, alice), bob, tmp_path)  # the app refuses at start, not mid-key
    gold = bob_record.model_copy(update={"annotator": "gold", "adjudicator": "judge"})
    with PostgresStore(as_user(pg_url, "judge")) as judge:
        assert judge.add([gold]) == [gold]
    with PostgresStore(pg_url) as admin:
        rows = admin._query("SELECT annotator, written_by FROM annotator.records ORDER BY seq")
    assert rows == [(bob, "postgres"), (alice, alice), ("gold", "judge")]
