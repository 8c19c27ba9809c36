"""Where the time of one run goes, stage by stage, each stage alone and in turn in one process.

`python -m bench.budget bench/out/incidents-1000000-TAG.csv` prints, for each stage, its wall and CPU seconds
(CPU: of the process and all its threads, `time.process_time`):

- `import`: the package and the ruleset (`syria-2016-09`) loaded;
- `read (polars alone)`: the table read by `pl.read_csv` with nothing checked, as the floor reads it;
- `read (ceasefire)`: the table read a block at a time with the checks that keep the row reader's error lines;
- `facts`: each part's fact table (names, acts, times and places resolved);
- `judged`: every part judged under the whole input's phases and escalation episodes (its facts found again,
  rules matched, verdicts decided and combined, parts kept, the episodes' flags added): `reports_over_time`,
  each part kept with the columns its report reads, as `ceasefire run` keeps a file it can read again;
- `encoded and written`: the verdicts as JSON Lines, to a file under `bench/out/`.

`ceasefire run` overlaps the reading, the facts and the judging on three threads; this runs them in turn, to
see what each costs. The stages but the checked read and the facts found twice are what a run cannot leave
out, so their sum, shared over the machine's cores, bounds from below what any arrangement of them can take.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

RULESET = "syria-2016-09"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.budget TABLE.csv", file=sys.stderr)
        return 2
    source = Path(argv[0])
    marks: list[tuple[str, float, float]] = []
    wall, cpu = time.perf_counter(), time.process_time()

    def mark(stage: str) -> None:
        nonlocal wall, cpu
        now, used = time.perf_counter(), time.process_time()
        marks.append((stage, now - wall, used - cpu))
        wall, cpu = now, used

    from bench import floor
    from bench.data import OUT
    from engine.evaluation.pipeline import Evaluator
    from engine.incidents.tables import TableReader
    from engine.report.data import write_jsonl
    from engine.ruleset.load import load_ruleset

    compiled = load_ruleset(RULESET)
    mark("import")
    floor.read("polars-csv", source)
    mark("read (polars alone)")
    parts = list(TableReader(source, compiled).batches())
    mark("read (ceasefire)")
    with Evaluator(compiled, "columnar") as evaluator:
        for part in parts:
            evaluator.facts(part)
        mark("facts")
        reports = list(evaluator.reports_over_time(source.name, iter(parts), again=lambda: iter(parts)))
        mark("judged")
    with (OUT / "budget.jsonl").open("w", encoding="utf-8") as out:
        write_jsonl(reports, out)
    mark("encoded and written")
    for stage, seconds, used in marks:
        print(f"{stage:22} {seconds:6.2f} s wall {used:6.2f} s CPU")
    needed = [(seconds, used) for stage, seconds, used in marks if stage not in ("read (ceasefire)", "facts")]
    seconds, used = (sum(column) for column in zip(*needed, strict=True))
    print(f"{'sum but checks, facts':22} {seconds:6.2f} s wall {used:6.2f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
