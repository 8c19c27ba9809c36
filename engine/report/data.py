"""Reports for programs: JSON, JSON Lines and Parquet, written from the verdict table in batches.

Every format carries every field of a verdict (`engine.evaluation.decide.VERDICTS`), encoded the same
way: compact JSON (`,` and `:` with no spaces, text as UTF-8), the same bytes for the same inputs
whatever the engine but for the engine's name in the JSON header.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any, BinaryIO

import polars as pl

from engine.evaluation.result import Report

BATCH = 100_000  # verdicts encoded at a time: memory stays flat however long the report


def dump(value: Any) -> str:
    """Compact JSON, as the verdict lines are encoded."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def lines(table: pl.DataFrame) -> Iterator[str]:
    """The verdict table as JSON objects, one text per batch of `BATCH` verdicts, each line ended by `\\n`."""
    for start in range(0, table.height, BATCH):
        batch = table.slice(start, BATCH)
        encoded = batch.select(pl.struct(pl.all()).struct.json_encode()).to_series()
        yield "\n".join(encoded) + "\n"


def write_json(report: Report, out: IO[str]) -> None:
    """One JSON document: the run's header, one verdict a line, then the summary; byte-identical for the same inputs."""
    head = {"scenario": report.scenario, "ruleset": report.compiled.id, "engine": report.engine}
    out.write(dump(head)[:-1] + ',\n"verdicts":[')
    first = True
    for text in lines(report.table):
        out.write(("\n" if first else ",\n") + text[:-1].replace("\n", ",\n"))
        first = False
    out.write("\n],\n" if report.count else "],\n")
    out.write('"summary":' + dump(report.summary()) + "}\n")


def write_jsonl(report: Report, out: IO[str]) -> None:
    """One verdict object a line, and nothing else (the summary is the caller's to show)."""
    for text in lines(report.table):
        out.write(text)


def write_parquet(report: Report, out: BinaryIO) -> None:
    """One row per verdict, every field a typed column (`accounts` a list of structs)."""
    report.table.write_parquet(out, statistics=False)
