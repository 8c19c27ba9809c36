"""Time a sweep and a partitioned run on a local Dask cluster of 1 and of 2 single-threaded workers.

Each measurement starts its own `LocalCluster` (workers are processes, one thread each, polars pinned to
one thread by `POLARS_MAX_THREADS=1`), runs the work through `engine.analysis.dispatch` as
`ceasefire sweep --scheduler` and `ceasefire run FOLDER --scheduler` do, and reports wall time, throughput
and the peak resident memory of each worker. The two worker counts run back to back, and their results are
compared: they must be the same. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

from bench.data import OUT, incidents_file

RULESET = "syria-2016-02"  # verdicts of one incident depend on no other: a dataset is judged part by part
THREADS = "POLARS_MAX_THREADS"
MB = 1024 * 1024


@dataclass
class Line:
    label: str
    workers: int
    wall: float
    judgements: int
    worker_rss: list[int]  # peak resident bytes of each worker
    worker_cpu: list[float]  # user + system seconds of each worker during the work
    load: float  # the machine's load average over the last minute, after the work

    @property
    def per_second(self) -> float:
        return self.judgements / self.wall


def grid(combinations: int) -> list[str]:
    """--param values giving `combinations` combinations: a casualty ratio (many values) by the two readings
    of a mistaken strike (and by the two of whether sponsors are bound, when even)."""
    params = ["policy.mistaken_target=permitted,violation"]
    rest = combinations // 2
    if rest % 2 == 0:
        params.append("policy.sponsors_bound=true,false")
        rest //= 2
    ratios = ",".join(str(1 + i) for i in range(rest))
    return [*params, f"policy.proportionate_casualty_ratio={ratios}"]


def cluster(workers: int) -> Any:
    from distributed import LocalCluster

    # A worker process imports this module (the main one) before the cluster's `env` reaches it, and with it
    # polars, whose thread pool is sized at import: the variable must be in the environment it starts with.
    os.environ[THREADS] = "1"
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # the scheduler serves HTTP whatever: on a free port, not 8787
        env={THREADS: "1"},
        memory_limit=0,  # no spilling or pausing: the peak is what the work needs
    )


def usage(client: Any) -> dict[str, tuple[float, int]]:
    """Each worker's CPU seconds so far and peak resident bytes."""

    def own() -> tuple[float, int]:
        used = resource.getrusage(resource.RUSAGE_SELF)
        return used.ru_utime + used.ru_stime, used.ru_maxrss * 1024

    return dict(client.run(own))


def measured(client: Any, work: Any) -> tuple[Any, float, list[int], list[float], float]:
    """`work()` timed: its result, wall seconds, each worker's peak memory and CPU seconds, and the load after."""
    before = usage(client)
    start = time.perf_counter()
    result = work()
    wall = time.perf_counter() - start
    after = usage(client)
    cpu = sorted(after[w][0] - before[w][0] for w in after)
    return result, wall, sorted(rss for _, rss in after.values()), cpu, os.getloadavg()[0]


def time_sweep(rows: int, combinations: int, workers: int) -> tuple[Line, Any]:
    from distributed import Client

    from engine.analysis.sweep import Base, parse_params, sweep
    from engine.cli.run import load_report

    table = incidents_file(rows, "parquet")
    base = Base.of(load_report(table, RULESET, "columnar"))
    params = parse_params(grid(combinations))
    with cluster(workers) as local, Client(local) as client:
        executor = client.get_executor()
        result, *figures = measured(client, lambda: sweep(base, params, executor=executor))
    count = len(result.rows)
    label = f"sweep, {count:,} combinations over {rows:,} incidents"
    return Line(label, workers, figures[0], count * rows, *figures[1:]), result


def dataset(rows: int, parts: int) -> Path:
    """`rows` incidents in `parts` Parquet files under `part=K/`: the generated 100,000 tiled with fresh ids."""
    folder = OUT / f"dataset-{rows}-{parts}"
    if folder.exists():
        return folder
    source = pl.read_parquet(incidents_file(min(rows, 100_000), "parquet"))
    partial = OUT / f".{folder.name}.part"
    shutil.rmtree(partial, ignore_errors=True)
    per_part, tile = rows // parts, 0
    print(f"  tiling {source.height:,} incidents to {rows:,} in {parts} parts ({folder.name})", file=sys.stderr)
    for k in range(parts):
        pieces = []
        while sum(p.height for p in pieces) < per_part:
            need = per_part - sum(p.height for p in pieces)
            pieces.append(source.head(need).with_columns((pl.lit(f"{tile}.") + pl.col("id")).alias("id")))
            tile += 1
        (partial / f"part={k:02d}").mkdir(parents=True)
        pl.concat(pieces).write_parquet(partial / f"part={k:02d}" / "data.parquet")
    partial.rename(folder)
    return folder


def time_dataset(rows: int, parts: int, workers: int) -> tuple[Line, dict[str, bytes]]:
    from distributed import Client

    from engine.evaluation.dataset import judge_dataset, parts_of
    from engine.ruleset.load import load_ruleset

    folder = dataset(rows, parts)
    compiled = load_ruleset(RULESET)
    out = Path(tempfile.mkdtemp(prefix="verdicts-", dir=OUT))
    try:
        with cluster(workers) as local, Client(local) as client:
            executor = client.get_executor()
            found = parts_of(folder)
            summary, *figures = measured(
                client, lambda: judge_dataset(folder.name, compiled, "columnar", found, out, executor=executor)
            )
        written = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    count = sum(summary.counts.values())
    return Line(f"run FOLDER, {count:,} incidents in {parts} parts", workers, figures[0], count, *figures[1:]), written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="incidents the sweep judges (default 100,000)")
    parser.add_argument("--combinations", type=int, default=100, help="combinations of the sweep (default 100)")
    parser.add_argument("--dataset", type=int, default=10_000_000, help="incidents of the folder (default 10M)")
    parser.add_argument("--parts", type=int, default=10, help="Parquet files of the folder (default 10)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows, 20 combinations")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.combinations, args.dataset = args.rows // 10, 20, args.dataset // 10
    lines: list[Line] = []
    same = True
    sweeps = [time_sweep(args.rows, args.combinations, n) for n in (1, 2)]
    same &= sweeps[0][1] == sweeps[1][1]
    lines += [line for line, _ in sweeps]
    runs = [time_dataset(args.dataset, args.parts, n) for n in (1, 2)]
    same &= runs[0][1] == runs[1][1]
    lines += [line for line, _ in runs]
    print(f"\n{platform.python_version()}, polars {pl.__version__}, {args}\n")
    print("| work | workers | wall s | judgements/s | CPU s per worker | peak MB per worker | load after |")
    print("|---|---:|---:|---:|---|---|---:|")
    for line in lines:
        peak = ", ".join(f"{r / MB:,.0f}" for r in line.worker_rss)
        cpu = ", ".join(f"{c:.1f}" for c in line.worker_cpu)
        print(
            f"| {line.label} | {line.workers} | {line.wall:.2f} | {line.per_second:,.0f} | {cpu} | {peak} "
            f"| {line.load:.1f} |"
        )
    print()
    for one, two in zip(lines[::2], lines[1::2]):
        print(f"speed-up from 1 to 2 workers, {one.label}: {one.wall / two.wall:.2f}× (target ≥ 1.7×)")
    print(f"results the same with 1 and 2 workers: {'yes' if same else 'NO'}")
    (OUT / "sweep_dask.json").write_text(json.dumps([asdict(line) for line in lines], indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
