"""`suggest --scheduler` on a real Dask scheduler with two worker processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from polnear_support import REPO_ROOT, require_compartment, run_cli

distributed = pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[team]'")


def _records(path: Path) -> list[dict]:
    return [{k: v for k, v in json.loads(line).items() if k != "updated_at"}
            for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def scheduler():
    """`dask scheduler` and `dask worker --nworkers 2` as separate processes on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "cwd": REPO_ROOT}
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], **quiet)]
    processes.append(subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                       "--no-dashboard", "--host", "127.0.0.1"], **quiet))
    try:
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_suggest_on_a_scheduler_matches_one_process_in_corpus_order(scheduler, tmp_path):
    text = require_compartment("dev") / "text"
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    assert run_cli("suggest", text, "-o", one).returncode == 0
    result = run_cli("suggest", text, "-o", many, "--scheduler", scheduler, "--chunk-mb", "0.05")
    assert result.returncode == 0, result.stderr
    assert _records(many) == _records(one)  # the same records, in corpus order
    assert len(_records(one)) == 84
    again = run_cli("suggest", text, "-o", tmp_path / "again.jsonl", "--scheduler", scheduler, "--chunk-mb", "0.05")
    assert again.returncode == 0, again.stderr
    with distributed.Client(scheduler) as client:
        loads = client.run(lambda dask_worker: getattr(dask_worker, "annotator_pipeline_loads", 0))
    assert sorted(loads.values()) == [1, 1]  # one pipeline per worker, kept across runs


def _fails_once(texts: list[str], marker: str = "") -> list[int]:
    flag = Path(os.environ["ANNOTATOR_TEST_FAIL_ONCE"])
    if "second" in texts[0] and not flag.exists():
        flag.write_text("failed")
        raise RuntimeError("worker lost its disk")
    return [len(text) for text in texts]


def test_a_failed_chunk_is_reported_and_retried(tmp_path, monkeypatch):
    from annotator.schema import Document
    from annotator.suggest.distributed import chunks, run_chunks

    monkeypatch.setenv("ANNOTATOR_TEST_FAIL_ONCE", str(tmp_path / "failed"))
    documents = [Document(id=name, text=f"the {name} text") for name in ("first", "second", "third")]
    reports: list[str] = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        results = list(run_chunks(client, _fails_once, chunks(documents, 1), report=reports.append))
    assert [[d.id for d in chunk] for chunk, _ in results] == [["first"], ["second"], ["third"]]
    assert [value for _, value in results] == [[len(d.text)] for d in documents]
    assert len(reports) == 1
    assert reports[0].startswith("chunk 2 (1 document(s) from 'second') failed (RuntimeError: worker lost its disk)")
    assert reports[0].endswith("retrying, attempt 2 of 3")


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path):
    result = run_cli("suggest", REPO_ROOT / "seeds", "-o", tmp_path / "out.jsonl", "--scheduler", "ftp://x")
    assert result.returncode == 1 and "--scheduler takes tcp://HOST:PORT or local" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()

