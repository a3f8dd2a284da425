"""Benchmark: `suggest` on a local 2-worker Dask cluster against the one-process run.

    .venv/bin/python benchmarks/bench_dask.py [--docs 840] [--chunk-mb 1]

Texts: PolNeAR train (840 articles, 5.5 MB; $ANNOTATOR_POLNEAR_DIR or ../shared/data/polnear).
Prints documents/s of the one-process run, cold (pipeline load included, as a user runs
it) and warm (a second pass in the same process: pipeline built, the name caches full),
of `suggest --n-process 2` (warm: the pool forks the warm process), and of the Dask run on
a new local cluster of 2 worker processes, cold (cluster start and one pipeline load per
worker included) and warm (a second pass over the same cluster); whether the records are
identical (updated_at aside) and in corpus order; and the load average and CPU steal.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def cpu_ticks() -> tuple[int, int]:
    """(steal, total) jiffies of all CPUs so far (/proc/stat), 0s where unreadable."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=840)
    parser.add_argument("--chunk-mb", type=float, default=1.0)
    args = parser.parse_args()
    from annotator.corpus import collect_documents
    from annotator.suggest import suggest_records
    from annotator.suggest.distributed import (
        PipelinePlugin,
        chunks,
        connect,
        run_chunks,
        suggest_chunk,
    )
    from polnear_support import polnear_root

    documents = collect_documents([polnear_root() / "train" / "text"], "auto")[: args.docs]
    megabytes = sum(len(d.text.encode("utf-8")) for d in documents) / 1e6

    def strip(records):
        return [record.model_dump(mode="json", exclude={"updated_at"}) for record in records]

    steal_before, total_before = cpu_ticks()
    began = time.perf_counter()
    one = strip(suggest_records(documents))
    single = time.perf_counter() - began
    print(f"{len(documents)} documents, {megabytes:.1f} MB ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    print(f"  one process, cold:      {single:6.1f} s  {len(documents) / single:6.1f} docs/s (pipeline load included)")
    began = time.perf_counter()
    assert strip(suggest_records(documents)) == one
    warm = time.perf_counter() - began
    print(f"  one process, warm:      {warm:6.1f} s  {len(documents) / warm:6.1f} docs/s")
    began = time.perf_counter()
    assert strip(suggest_records(documents, n_process=2)) == one
    pool = time.perf_counter() - began
    print(f"  --n-process 2 (warm):   {pool:6.1f} s  {len(documents) / pool:6.1f} docs/s")

    from annotator.suggest import record_from_suggestions

    chunk_bytes = int(args.chunk_mb * 1024 * 1024)
    began = time.perf_counter()
    client = connect("local", workers=2)
    try:
        client.register_plugin(PipelinePlugin("rules"), name=PipelinePlugin.name)
        started = time.perf_counter() - began
        timings = []
        for _pass in range(2):
            began_pass = time.perf_counter()
            records = [record_from_suggestions(document, suggestions)
                       for chunk, results in run_chunks(client, suggest_chunk, chunks(documents, chunk_bytes))
                       for document, suggestions in zip(chunk, results, strict=True)]
            timings.append(time.perf_counter() - began_pass)
            assert strip(records) == one, "the Dask run differs from the one-process run"
        loads = client.run(lambda dask_worker: getattr(dask_worker, "annotator_pipeline_loads", 0))
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    first = started + timings[0]
    print(f"  Dask, 2 workers, cold:  {first:6.1f} s  {len(documents) / first:6.1f} docs/s "
          f"(cluster start and pipeline loads {started:.1f} s included)")
    print(f"  Dask, 2 workers, warm:  {timings[1]:6.1f} s  {len(documents) / timings[1]:6.1f} docs/s")
    print(f"  identical records in corpus order: yes; pipeline loads per worker: {sorted(loads.values())}")
    steal_after, total_after = cpu_ticks()
    steal = 100 * (steal_after - steal_before) / max(1, total_after - total_before)
    print(f"  load at the end {os.getloadavg()[0]:.1f}; CPU stolen by the hypervisor during the run {steal:.1f}%")


if __name__ == "__main__":
    main()
