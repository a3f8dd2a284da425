"""Task leases on a real PostgreSQL (tests/pg_support.py): exact overlap with 20
annotators starting at once, leases that expire, and rows only their holder may take."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from annotator.errors import AnnotatorError
from annotator.schema import AnnotationRecord, Status
from annotator.store import now_utc
from pg_support import as_user
from polnear_support import require_compartment, run_cli


@pytest.fixture(scope="module")
def dev_documents():
    from annotator.corpus import collect_documents

    return collect_documents([require_compartment("dev") / "text"], "auto")[:30]


def _database_with_corpus(url, documents):
    from annotator.store.postgres import PostgresStore

    with PostgresStore(url) as store:
        store.put_documents(documents)


def _done(document, annotator) -> AnnotationRecord:
    return AnnotationRecord(doc_id=document.id, annotator=annotator, status=Status.done,
                            updated_at=now_utc(), text_sha1=document.sha1)


def test_twenty_annotators_starting_at_once_get_exact_overlap(pg_url, dev_documents):
    from annotator.store.leases import overview, take, write_assignment
    from annotator.store.postgres import PostgresStore

    _database_with_corpus(pg_url, dev_documents)
    names = [f"ann{number:02}" for number in range(20)]
    overlap = 3
    with PostgresStore(pg_url) as store:
        assert write_assignment(store, names, overlap) == (30, 90)
        assert write_assignment(store, names, overlap) == (30, 0)  # again: nothing new
    by_id = {document.id: document for document in dev_documents}
    handed: dict[str, list[str]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(names))

    def annotator(name: str) -> None:
        try:
            with PostgresStore(pg_url) as store:
                barrier.wait()
                while True:
                    documents = take(store, name, 1)
                    if not documents:
                        return
                    handed.setdefault(name, []).append(documents[0])
                    store.add([_done(by_id[documents[0]], name)])  # annotated: the slot is done
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=annotator, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    per_document: dict[str, list[str]] = {}
    for name, documents in handed.items():
        assert len(documents) == len(set(documents)), f"{name} got a document twice"
        for doc_id in documents:
            per_document.setdefault(doc_id, []).append(name)
    assert sorted(per_document) == sorted(by_id)
    assert all(len(set(holders)) == overlap for holders in per_document.values())
    assert sum(map(len, handed.values())) == 90
    with PostgresStore(pg_url) as store:
        take(store, names[0], 1)  # marks the last ones done
        for name in names:
            take(store, name, 1)
        assert overview(store) == {"done": 90, "leased": 0, "free": 0, "slots": 90}


def test_a_lease_not_renewed_expires_and_goes_to_the_next(pg_url, dev_documents):
    from annotator.store.leases import take, write_assignment
    from annotator.store.postgres import PostgresStore

    _database_with_corpus(pg_url, dev_documents[:1])
    with PostgresStore(pg_url) as store:
        write_assignment(store, ["alice", "bob"], 1)
        short = timedelta(seconds=1)
        assert take(store, "alice", 1, short) == [dev_documents[0].id]
        assert take(store, "alice", 1, short) == [dev_documents[0].id]  # hers still: renewed, not doubled
        assert take(store, "bob", 1, short) == []  # leased to alice
        time.sleep(1.5)  # alice's laptop crashed: no renewal
        assert take(store, "bob", 1) == [dev_documents[0].id]
        assert take(store, "alice", 1) == []  # gone to bob
        with pytest.raises(AnnotatorError, match="carol is not in this database's assignment"):
            take(store, "carol", 1)


def test_an_annotator_cannot_take_another_s_live_lease(pg_url, dev_documents):
    from annotator.store.leases import take, write_assignment
    from annotator.store.postgres import PostgresStore

    _database_with_corpus(pg_url, dev_documents[:2])
    with PostgresStore(pg_url) as admin:
        admin.add_member("alice")
        admin.add_member("bob")
        write_assignment(admin, ["alice", "bob"], 1)
    with PostgresStore(as_user(pg_url, "bob")) as bob:
        assert take(bob, "bob", 1) == [dev_documents[0].id]
    with PostgresStore(as_user(pg_url, "alice")) as alice:
        changed = alice.connection.execute(
            "UPDATE annotator.slots SET holder = 'alice', lease_until = now() + interval '1 hour' "
            "WHERE holder = 'bob'").rowcount
        assert changed == 0  # row-level security: bob's live lease is not hers to take
        assert take(alice, "alice", 1) == [dev_documents[1].id]
        with pytest.raises(Exception, match="row-level security"):
            alice.connection.execute("UPDATE annotator.slots SET holder = 'bob' WHERE holder = 'alice'")


def test_assign_command_writes_the_assignment_into_the_database(pg_url, dev_documents):
    from annotator.store.leases import LeaseKeeper
    from annotator.store.postgres import PostgresStore

    _database_with_corpus(pg_url, dev_documents[:4])
    result = run_cli("assign", pg_url, "--annotators", "alice,bob", "--overlap", "2",
                     "--roles", "--adjudicators", "judge")
    assert result.returncode == 0, result.stderr
    assert "4 document(s) x 2 annotator(s) each; 8 slot(s) added" in result.stdout
    result = run_cli("assign", pg_url, "--annotators", "alice,bob", "--overlap", "1")
    assert result.returncode == 1 and "already assigned with overlap 2" in result.stderr
    with PostgresStore(pg_url) as store:
        keeper = LeaseKeeper.start_if_assigned(store, "alice", 3, 30)
        assert keeper is not None and keeper.documents == [d.id for d in dev_documents[:3]]
        keeper.stop()
        members = store._query(
            "SELECT m.rolname, g.rolname FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member "
            "JOIN pg_roles g ON g.oid = a.roleid WHERE m.rolname IN ('alice', 'bob', 'judge') ORDER BY 1, 2")
    assert members == [("alice", "annotator_writer"), ("bob", "annotator_writer"),
                       ("judge", "annotator_adjudicator"), ("judge", "annotator_writer")]
